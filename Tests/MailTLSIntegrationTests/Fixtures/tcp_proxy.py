#!/usr/bin/env python3
"""A plain TCP forwarder on loopback.

- The relay's "upstream down, then restored" test: while it runs, the relay reaches the upstream through it; stopped,
  the relay's connections are refused.
- The monitor's fault tests: the backend is read from a file for each new connection, so the test switches one
  address and port from a good server to a broken one and back, as an admin's mistake and its fix would.

Usage: tcp_proxy.py LISTEN_HOST LISTEN_PORT TARGET_HOST TARGET_PORT   prints "ready"
       tcp_proxy.py LISTEN_HOST 0 --backend-file FILE                  prints "ready PORT" (the kernel's choice);
                                                                        FILE holds "HOST PORT"
Runs until SIGTERM (with a backend file, at most 600 s).
"""
import signal
import socket
import sys
import threading
import time

listen_host, listen_port = sys.argv[1], int(sys.argv[2])
backend_file = sys.argv[4] if sys.argv[3] == "--backend-file" else None
fixed_target = None if backend_file else (sys.argv[3], int(sys.argv[4]))


def pump(source, destination):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            destination.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, destination):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def target():
    if fixed_target:
        return fixed_target
    with open(backend_file) as handle:
        host, port = handle.read().split()
    return host, int(port)


def serve(client):
    try:
        upstream = socket.create_connection(target(), timeout=10)
    except (OSError, ValueError):
        client.close()
        return
    upstream.settimeout(None)
    threading.Thread(target=pump, args=(client, upstream), daemon=True).start()
    threading.Thread(target=pump, args=(upstream, client), daemon=True).start()


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((listen_host, listen_port))
server.listen(64)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
if backend_file:
    print("ready", server.getsockname()[1], flush=True)
    server.settimeout(1)
    deadline = time.monotonic() + 600
else:
    print("ready", flush=True)
    deadline = None
while deadline is None or time.monotonic() < deadline:
    try:
        connection, _ = server.accept()
    except socket.timeout:
        continue
    serve(connection)

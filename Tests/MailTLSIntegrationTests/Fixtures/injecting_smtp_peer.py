#!/usr/bin/env python3
"""An SMTP peer that commits the CVE-2011-0411 sin on purpose: it sends "250 injected" in the same packet as its
STARTTLS go-ahead, then completes a real TLS handshake. No real server does this any more, so the test plays the part.

Usage: injecting_smtp_peer.py ADDRESS PORT CHAIN_PEM KEY_PEM   (PORT 0 lets the kernel choose; prints "ready PORT"
       once listening; exits after 60 s)
"""
import socket
import ssl
import sys
import threading
import time

address, port, chain, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(chain, key)


def read_line(stream, limit=4096):
    data = b""
    while not data.endswith(b"\n") and len(data) < limit:
        chunk = stream.recv(1)
        if not chunk:
            break
        data += chunk
    return data


def serve(connection):
    connection.settimeout(10)
    try:
        connection.sendall(b"220 inject.test ESMTP\r\n")
        while True:
            line = read_line(connection).strip().upper()
            if not line or line == b"QUIT":
                return
            if line.startswith(b"EHLO"):
                connection.sendall(b"250-inject.test\r\n250 STARTTLS\r\n")
            elif line == b"STARTTLS":
                connection.sendall(b"220 2.0.0 Ready to start TLS\r\n250-injected\r\n")
                secure = context.wrap_socket(connection, server_side=True)
                while True:
                    line = read_line(secure).strip().upper()
                    if not line or line == b"QUIT":
                        return
                    secure.sendall(b"250-inject.test\r\n250 AUTH PLAIN\r\n" if line.startswith(b"EHLO")
                                   else b"250 ok\r\n")
            else:
                connection.sendall(b"250 ok\r\n")
    except (OSError, ssl.SSLError):
        pass
    finally:
        connection.close()


listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind((address, port))
listener.listen(16)
listener.settimeout(1)
print("ready", listener.getsockname()[1], flush=True)
deadline = time.time() + 60
while time.time() < deadline:
    try:
        connection, _ = listener.accept()
    except socket.timeout:
        continue
    threading.Thread(target=serve, args=(connection,), daemon=True).start()

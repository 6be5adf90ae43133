#!/usr/bin/env python3
"""Transparent TCP relay for the mailtls lab (stdlib only).

Why it exists: Dovecot 2.3 (and 2.4) marks a client as "secured" whenever the
client's IP equals the server's local IP (src/login-common/client-common.c:
`client->secured = client->trusted || net_ip_compare(&conn->real_remote_ip,
&conn->real_local_ip)`). A test client on 127.0.0.1 talking to Dovecot on
127.0.0.1 is therefore treated as if it used TLS: no LOGINDISABLED, plaintext
LOGIN/USER+PASS accepted before STARTTLS, and no setting (ssl = required,
disable_plaintext_auth, login_trusted_networks) changes that.

So the GOOD instance's IMAP 143 and POP3 110 on 127.0.0.1 are served by this
relay, which forwards bytes unchanged to Dovecot listening on another
loopback address (127.0.0.101). Dovecot then sees remote 127.0.0.1 != local
127.0.0.101 and behaves as it would for a remote client. STARTTLS is done
end-to-end by Dovecot; the relay never looks at the bytes.

Usage: tcp_relay.py LADDR:LPORT=TADDR:TPORT [...] [--idle SECONDS]
"""

import argparse
import socket
import sys
import threading

IDLE = 300.0


def pipe(src, dst, done):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        # Propagate EOF; when both directions are finished close both.
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        with done[1]:
            done[0] += 1
            last = done[0] == 2
        if last:
            src.close()
            dst.close()


def handle(client, target):
    try:
        upstream = socket.create_connection(target, timeout=5)
    except OSError:
        client.close()
        return
    for s in (client, upstream):
        s.settimeout(IDLE)
    done = [0, threading.Lock()]
    threading.Thread(target=pipe, args=(client, upstream, done), daemon=True).start()
    threading.Thread(target=pipe, args=(upstream, client, done), daemon=True).start()


def bind(listen):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(listen)
    ls.listen(64)
    return ls


def serve(ls, target):
    while True:
        c, _ = ls.accept()
        threading.Thread(target=handle, args=(c, target), daemon=True).start()


def hostport(s):
    h, p = s.rsplit(":", 1)
    return h, int(p)


def main():
    global IDLE
    p = argparse.ArgumentParser()
    p.add_argument("pairs", nargs="+")
    p.add_argument("--idle", type=float, default=IDLE)
    a = p.parse_args()
    IDLE = a.idle
    # Bind everything first so that a port clash makes the process exit.
    bound = []
    for pair in a.pairs:
        l, t = pair.split("=", 1)
        bound.append((bind(hostport(l)), hostport(t)))
    threads = []
    for ls, target in bound:
        th = threading.Thread(target=serve, args=(ls, target), daemon=True)
        th.start()
        threads.append(th)
    sys.stdout.write("tcp_relay: %s\n" % " ".join(a.pairs))
    sys.stdout.flush()
    for th in threads:
        th.join()


if __name__ == "__main__":
    main()

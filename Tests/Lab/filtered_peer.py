#!/usr/bin/env python3
"""FILTERED peer for the mailtls lab (stdlib only).

Simulates a firewall that silently drops SYNs: for each port it opens a
listening socket with backlog 0 and never calls accept(). It then connects to
itself until the kernel's accept queue is full. Linux admits
backlog + 1 = 1 connection into the queue; once that one sits there, further
SYNs are dropped by the kernel, so a client's connect() hangs (SYN
retransmits) until the client's own timeout fires.

Usage: filtered_peer.py ADDR PORT[,PORT...] [--lifetime SECONDS]

The process stays in the foreground until killed (lab.sh runs it in the
background and kills it by pid) or until --lifetime expires (default: 1 day,
so a forgotten lab does not stay forever).
"""

import argparse
import errno
import socket
import sys
import time


def fill_port(addr, port, listeners, fillers):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(0)
    listeners.append(ls)
    # Connect to ourselves (non-blocking) until a connect no longer completes
    # within 0.3 s: that one was dropped, so the queue is full.
    for _ in range(4):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.setblocking(False)
        rc = c.connect_ex((addr, port))
        if rc not in (0, errno.EINPROGRESS):
            c.close()
            raise OSError(rc, "self-connect to %s:%d failed" % (addr, port))
        fillers.append(c)
        # Wait briefly to see whether the handshake completed.
        deadline = time.monotonic() + 0.3
        done = False
        while time.monotonic() < deadline:
            err = c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            try:
                c.getpeername()
                done = True
                break
            except OSError:
                pass
            if err:
                break
            time.sleep(0.02)
        if not done:
            # This SYN was dropped: queue is full. Drop this pending socket
            # (its retransmits would otherwise eventually get in if anything
            # changed) and stop.
            fillers.remove(c)
            c.close()
            return


def main():
    p = argparse.ArgumentParser()
    p.add_argument("addr")
    p.add_argument("ports")
    p.add_argument("--lifetime", type=float, default=86400.0)
    a = p.parse_args()
    listeners, fillers = [], []
    for port in [int(x) for x in a.ports.split(",") if x]:
        fill_port(a.addr, port, listeners, fillers)
    sys.stdout.write("filtered_peer: %s ports %s filled\n" % (a.addr, a.ports))
    sys.stdout.flush()
    end = time.monotonic() + a.lifetime
    while time.monotonic() < end:
        time.sleep(1.0)


if __name__ == "__main__":
    main()

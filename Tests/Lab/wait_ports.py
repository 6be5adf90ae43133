#!/usr/bin/env python3
"""Wait until lab ports are ready (stdlib only).

Usage: wait_ports.py [--timeout S] [--once] [--quiet] SPEC...

SPEC is one of
  c:ADDR:PORT   must accept a TCP connection (connect, then close at once)
  g:ADDR:PORT   must accept a connection and send a first byte (a greeting)
                within 2 s; this also waits until a freshly started server
                process has finished initialising
  l:ADDR:PORT   must be a listening socket in /proc/net/tcp (used for the
                FILTERED address, where a connect would hang by design)
  r:ADDR:PORT   must refuse (RST) a connection

With --once every SPEC is checked a single time (for `lab.sh status` and the
fast "already up?" path). Exit 0 when all are ready, 1 otherwise; the specs
still failing are printed on stderr.
"""

import argparse
import errno
import socket
import sys
import time


def listening():
    """Set of (addr, port) in LISTEN state from /proc/net/tcp."""
    out = set()
    try:
        with open("/proc/net/tcp") as f:
            next(f)
            for line in f:
                parts = line.split()
                local, state = parts[1], parts[3]
                if state != "0A":
                    continue
                hexip, hexport = local.split(":")
                ip = socket.inet_ntoa(bytes.fromhex(hexip)[::-1])
                out.add((ip, int(hexport, 16)))
    except OSError:
        pass
    return out


def try_connect(addr, port, timeout=0.5):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect((addr, port))
        return 0
    except socket.timeout:
        return errno.ETIMEDOUT
    except OSError as e:
        return e.errno or -1
    finally:
        s.close()


def got_greeting(addr, port, timeout=2.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect((addr, port))
        return len(s.recv(1)) == 1
    except OSError:
        return False
    finally:
        s.close()


def check(spec, lst):
    kind, addr, port = spec.split(":")
    port = int(port)
    if kind == "l":
        return (addr, port) in lst or ("0.0.0.0", port) in lst
    if kind == "g":
        return got_greeting(addr, port)
    rc = try_connect(addr, port)
    if kind == "c":
        return rc == 0
    if kind == "r":
        return rc == errno.ECONNREFUSED
    raise SystemExit("bad spec %r" % spec)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--timeout", type=float, default=10.0)
    p.add_argument("--once", action="store_true")
    p.add_argument("--quiet", action="store_true")
    p.add_argument("specs", nargs="+")
    a = p.parse_args()
    pending = list(a.specs)
    end = time.monotonic() + a.timeout
    while True:
        lst = listening()
        pending = [s for s in pending if not check(s, lst)]
        if not pending:
            return 0
        if a.once or time.monotonic() >= end:
            if not a.quiet:
                sys.stderr.write("not ready: %s\n" % " ".join(pending))
            return 1
        time.sleep(0.1)


if __name__ == "__main__":
    sys.exit(main())

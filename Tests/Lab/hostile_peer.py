#!/usr/bin/env python3
"""HOSTILE peer for the mailtls lab (stdlib only, threads).

Listens on one address (lab: 127.0.0.15) and misbehaves per port. Every
connection is closed by the peer after at most MAX_CONN_SECONDS (60 s) and
every byte stream is capped, so nothing here runs forever. At most
MAX_CONNS connections are served at once; extra ones are closed at once.

Port  Mode          Behaviour
----  ------------  ---------------------------------------------------------
25    garbage       Sends random binary bytes (os.urandom) as fast as the
                    client reads, 4 MiB in total, then closes. No greeting.
587   longline      Sends one single 1 MiB "line" that starts with "220 " and
                    has no CR/LF at all, then keeps the connection open
                    (reading and discarding input) for 30 s, then closes.
143   drip          Sends a valid IMAP greeting
                    "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] hostile IMAP ready\\r\\n"
                    one byte every 0.3 s (~21 s). Afterwards each command line
                    is answered, also one byte per 0.3 s, with
                    "<tag> BAD hostile drip\\r\\n". Closed after 60 s.
110   endless       Sends "+OK hostile POP3 ready\\r\\n" at once; every command
                    line (CAPA, STLS, USER, ...) is answered with "+OK ...\\r\\n"
                    followed by an endless multi-line body
                    ("line NNNNN of a reply that never ends\\r\\n"), never the
                    terminating ".\\r\\n"; capped at 4 MiB, then closes.
465   reset         Reads the client's first TLS record (the ClientHello; waits
993   reset         at most 10 s), then closes with SO_LINGER {1, 0} so the
                    kernel sends a TCP RST instead of a FIN.
995   badtls        Reads the ClientHello (at most 10 s), then answers with a
                    plausible TLS record header 16 03 03 40 00 (handshake,
                    TLS 1.2, length 16384) followed by random garbage
                    (the 16384-byte body, then more garbage up to 256 KiB),
                    then closes.
2525  continuation  Sends an SMTP multi-line greeting that never ends:
                    "220-hostile.mailtls.test continuation NNNNN\\r\\n" every
                    10 ms, never a final "220 " line, until 60 s pass
                    (~6000 lines), then closes.

Usage: hostile_peer.py [ADDR] [--ports 25,587,...]
"""

import argparse
import os
import socket
import struct
import sys
import threading
import time

MAX_CONN_SECONDS = 60.0
MAX_CONNS = 64
_slots = threading.BoundedSemaphore(MAX_CONNS)


class Conn:
    """A socket plus an absolute deadline; every operation honours it."""

    def __init__(self, sock):
        self.sock = sock
        self.deadline = time.monotonic() + MAX_CONN_SECONDS

    def remaining(self):
        return self.deadline - time.monotonic()

    def send(self, data):
        """sendall() bounded by the deadline. Returns False on error/timeout."""
        view = memoryview(data)
        while view:
            r = self.remaining()
            if r <= 0:
                return False
            self.sock.settimeout(r)
            try:
                n = self.sock.send(view)
            except OSError:
                return False
            view = view[n:]
        return True

    def recv(self, n=4096, timeout=None):
        """recv() bounded by the deadline (and optional timeout).
        Returns b'' on EOF, None on timeout/error."""
        r = self.remaining()
        if timeout is not None:
            r = min(r, timeout)
        if r <= 0:
            return None
        self.sock.settimeout(r)
        try:
            return self.sock.recv(n)
        except socket.timeout:
            return None
        except OSError:
            return b""

    def sleep(self, s):
        s = min(s, self.remaining())
        if s > 0:
            time.sleep(s)
        return self.remaining() > 0

    def readline(self, buf):
        """Read one LF-terminated line. buf is a bytearray carried between
        calls. Returns the line (without CRLF) or None on EOF/deadline."""
        while b"\n" not in buf:
            if len(buf) > 65536:
                return None
            d = self.recv()
            if not d:
                return None
            buf += d
        i = buf.index(b"\n")
        line = bytes(buf[:i]).rstrip(b"\r")
        del buf[:i + 1]
        return line

    def read_tls_record(self, timeout=10.0):
        """Read (roughly) one TLS record: 5-byte header + body."""
        end = time.monotonic() + timeout
        buf = b""
        need = 5
        while len(buf) < need:
            d = self.recv(need - len(buf), timeout=max(0.01, end - time.monotonic()))
            if not d:
                return buf
            buf += d
            if len(buf) >= 5 and need == 5:
                need = 5 + struct.unpack("!H", buf[3:5])[0]
                need = min(need, 5 + 16384 + 2048)
        return buf

    def reset(self):
        """Close with RST (SO_LINGER on, timeout 0)."""
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                 struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.sock.close()

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def mode_garbage(c):                       # port 25
    total, cap = 0, 4 * 1024 * 1024
    while total < cap:
        chunk = os.urandom(16384)
        if not c.send(chunk):
            return
        total += len(chunk)


def mode_longline(c):                      # port 587
    line = b"220 " + b"x" * (1024 * 1024 - 4)   # exactly 1 MiB, no CR/LF
    if not c.send(line):
        return
    end = time.monotonic() + 30.0
    while time.monotonic() < end:
        d = c.recv(4096, timeout=end - time.monotonic())
        if d == b"":
            return


def drip(c, data, delay=0.3):
    for i in range(len(data)):
        if not c.send(data[i:i + 1]):
            return False
        if not c.sleep(delay):
            return False
    return True


def mode_drip(c):                          # port 143
    greeting = b"* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] hostile IMAP ready\r\n"
    if not drip(c, greeting):
        return
    buf = bytearray()
    while True:
        line = c.readline(buf)
        if line is None:
            return
        tag = line.split(b" ", 1)[0] or b"*"
        if not drip(c, tag + b" BAD hostile drip\r\n"):
            return


def mode_endless(c):                       # port 110
    if not c.send(b"+OK hostile POP3 ready\r\n"):
        return
    cap, sent = 4 * 1024 * 1024, 0
    buf = bytearray()
    while sent < cap:
        line = c.readline(buf)
        if line is None:
            return
        if not c.send(b"+OK here is a multi-line reply for you\r\n"):
            return
        n = 0
        while sent < cap:
            block = b"".join(b"line %05d of a reply that never ends\r\n" % (n + i)
                             for i in range(100))
            n += 100
            if not c.send(block):
                return
            sent += len(block)


def mode_reset(c):                         # ports 465, 993
    c.read_tls_record()
    c.reset()
    c.sock = None


def mode_badtls(c):                        # port 995
    c.read_tls_record()
    if not c.send(b"\x16\x03\x03\x40\x00" + os.urandom(16384)):
        return
    sent = 16384
    while sent < 256 * 1024:
        if not c.send(os.urandom(16384)):
            return
        sent += 16384


def mode_continuation(c):                  # port 2525
    n = 0
    while c.remaining() > 0:
        if not c.send(b"220-hostile.mailtls.test continuation %05d\r\n" % n):
            return
        n += 1
        if not c.sleep(0.01):
            return


MODES = {
    25: mode_garbage,
    587: mode_longline,
    143: mode_drip,
    110: mode_endless,
    465: mode_reset,
    993: mode_reset,
    995: mode_badtls,
    2525: mode_continuation,
}


def handle(sock, mode):
    c = Conn(sock)
    try:
        mode(c)
    except Exception as e:  # never let a thread die noisily
        sys.stderr.write("hostile_peer: %s: %r\n" % (mode.__name__, e))
    finally:
        if c.sock is not None:
            c.close()
        _slots.release()


def serve(ls, mode):
    while True:
        try:
            s, _ = ls.accept()
        except OSError:
            time.sleep(0.1)
            continue
        if not _slots.acquire(blocking=False):
            s.close()
            continue
        threading.Thread(target=handle, args=(s, mode), daemon=True).start()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("addr", nargs="?", default="127.0.0.15")
    p.add_argument("--ports", default=",".join(str(x) for x in MODES))
    a = p.parse_args()
    listeners = []
    for port in [int(x) for x in a.ports.split(",") if x]:
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((a.addr, port))
        ls.listen(32)
        listeners.append((ls, MODES[port]))
    for ls, mode in listeners:
        threading.Thread(target=serve, args=(ls, mode), daemon=True).start()
    sys.stdout.write("hostile_peer: listening on %s ports %s\n" % (a.addr, a.ports))
    sys.stdout.flush()
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()

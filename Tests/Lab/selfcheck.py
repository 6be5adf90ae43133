#!/usr/bin/env python3
"""Self-check of a running mailtls lab (stdlib only).

Usage: Tests/Lab/selfcheck.py [LAB_ENV]   (default /tmp/mailtls-lab/lab.env)

Connects to every lab address and asserts the behaviour the Swift tests rely
on (greetings, STARTTLS, certificate errors, protocol versions, timeouts).
Prints one line per check and a closing "N passed, N failed" line; exits 1
if anything failed. Only 127.0.0.0/8 is contacted; no DNS lookups (SNI is
set explicitly, connections go to IP addresses). The WEAK checks also run
the `openssl` command (s_client, x509).
"""

import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
import warnings

# TLS 1.0/1.1 are deprecated in Python; the legacy checks need them.
warnings.filterwarnings("ignore", category=DeprecationWarning)

ENV = {}
RESULTS = []


def load_env(path):
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                k, v = line.split("=", 1)
                ENV[k] = v


def check(name, fn):
    t0 = time.monotonic()
    try:
        detail = fn()
        ok = True
    except AssertionError as e:
        ok, detail = False, "ASSERT: %s" % e
    except Exception as e:  # noqa: BLE001 - report anything
        ok, detail = False, "%s: %s" % (type(e).__name__, e)
    RESULTS.append(ok)
    print("%-4s %-48s %5.2fs  %s" % ("ok" if ok else "FAIL", name, time.monotonic() - t0,
                                     detail or ""))


# --- line I/O ----------------------------------------------------------------
class Line:
    def __init__(self, sock):
        self.sock, self.buf = sock, b""

    def readline(self, timeout=5.0):
        self.sock.settimeout(timeout)
        while b"\r\n" not in self.buf:
            d = self.sock.recv(4096)
            if not d:
                raise EOFError("EOF after %r" % self.buf[:80])
            self.buf += d
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line.decode("latin-1")

    def smtp_reply(self):
        lines = [self.readline()]
        while len(lines[-1]) > 3 and lines[-1][3] == "-":
            lines.append(self.readline())
        return lines

    def send(self, s):
        self.sock.sendall(s.encode() + b"\r\n")


def tcp(addr, port, timeout=5.0):
    return socket.create_connection((addr, port), timeout=timeout)


def ctx(verify=True, min_tls=None, max_tls=None, seclevel0=False):
    c = ssl.create_default_context(cafile=ENV["LAB_CA"])
    if not verify:
        c.check_hostname = False
        c.verify_mode = ssl.CERT_NONE
    if seclevel0:
        c.set_ciphers("DEFAULT:@SECLEVEL=0")
    if min_tls:
        c.minimum_version = min_tls
    if max_tls:
        c.maximum_version = max_tls
    return c


def starttls(addr, port, proto):
    """Plaintext phase up to the point where TLS starts. Returns socket."""
    s = tcp(addr, port)
    L = Line(s)
    if proto == "smtp":
        assert L.smtp_reply()[0].startswith("220 ")
        L.send("EHLO selfcheck.mailtls.test")
        assert "STARTTLS" in " ".join(L.smtp_reply())
        L.send("STARTTLS")
        r = L.smtp_reply()
        assert r[0].startswith("220"), r
    elif proto == "imap":
        assert L.readline().startswith("* OK")
        L.send("a STARTTLS")
        r = L.readline()
        assert r.startswith("a OK"), r
    elif proto == "pop3":
        assert L.readline().startswith("+OK")
        L.send("STLS")
        r = L.readline()
        assert r.startswith("+OK"), r
    return s


PROTO = {25: "smtp", 587: "smtp", 143: "imap", 110: "pop3",
         465: None, 993: None, 995: None}


def handshake(addr, port, c, proto="auto"):
    if proto == "auto":
        proto = PROTO[port]
    s = starttls(addr, port, proto) if proto else tcp(addr, port)
    t = c.wrap_socket(s, server_hostname=ENV["LAB_SERVERNAME"])
    v = t.version()
    t.close()
    return v


def expect_verify_error(addr, port, code):
    def fn():
        try:
            handshake(addr, port, ctx())
        except ssl.SSLCertVerificationError as e:
            assert e.verify_code == code, "verify_code %s (%s)" % (e.verify_code, e.verify_message)
            return "verify_code=%d %s" % (e.verify_code, e.verify_message)
        raise AssertionError("handshake verified")
    return fn


def s_client(addr, port, proto, seclevel0=True):
    """Run `openssl s_client -showcerts` (STARTTLS for 587/143) and return
    its combined output."""
    exe = shutil.which("openssl")
    assert exe, "openssl command not found"
    cmd = [exe, "s_client", "-connect", "%s:%d" % (addr, port),
           "-servername", ENV["LAB_SERVERNAME"], "-verify_hostname", ENV["LAB_SERVERNAME"],
           "-CAfile", ENV["LAB_CA"], "-showcerts"]
    if seclevel0:
        cmd += ["-cipher", "DEFAULT@SECLEVEL=0"]
    if proto:
        cmd += ["-starttls", proto]
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=15)
    return r.stdout.decode("latin-1")


def x509_text(pem):
    r = subprocess.run([shutil.which("openssl"), "x509", "-noout", "-text"],
                       input=pem.encode(), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=10, check=True)
    return r.stdout.decode("latin-1")


def expect_weak_cert(addr, port):
    """1024-bit RSA leaf signed with sha1WithRSAEncryption, sent with the
    intermediate, chain valid for a SECLEVEL=0 client."""
    def fn():
        out = s_client(addr, port, {587: "smtp", 143: "imap"}.get(port))
        m = re.search(r"^Server public key is (\d+) bit", out, re.M)
        assert m and m.group(1) == "1024", "no 'Server public key is 1024 bit' in: %s" % out[-400:]
        pems = re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", out, re.S)
        assert len(pems) == 2, "%d certificates sent" % len(pems)
        leaf = x509_text(pems[0])
        sig = re.search(r"Signature Algorithm: (\S+)", leaf).group(1)
        assert sig == "sha1WithRSAEncryption", sig
        assert "Public-Key: (1024 bit)" in leaf, "leaf key is not 1024 bit"
        assert "Verify return code: 0 (ok)" in out, re.findall(r"Verify return code: .*", out)
        # "New, TLSv1.3, Cipher is ..." (the SSL-Session block with "Protocol :"
        # is not always printed for TLS 1.3).
        m2 = re.search(r"^New, (\S+), Cipher is", out, re.M)
        proto = m2 and m2.group(1)
        assert proto in ("TLSv1.2", "TLSv1.3"), proto
        return "%s, leaf %s, 2 certs, %s, verify 0 (ok)" % (m.group(0), sig, proto)
    return fn


def greeting(addr, port, timeout=5.0):
    s = tcp(addr, port)
    L = Line(s)
    t0 = time.monotonic()
    g = L.readline(timeout)
    s.close()
    return g, time.monotonic() - t0


def main():
    load_env(sys.argv[1] if len(sys.argv) > 1 else "/tmp/mailtls-lab/lab.env")
    G = ENV["LAB_GOOD"]
    all_ports = [25, 465, 587, 143, 993, 110, 995]

    # ---- GOOD ---------------------------------------------------------------
    for p in all_ports:
        check("GOOD %s:%d verified TLS>=1.2" % (G, p),
              lambda p=p: handshake(G, p, ctx()))
    for p in (465, 993, 25, 143):
        def old(p=p):
            try:
                handshake(G, p, ctx(min_tls=ssl.TLSVersion.TLSv1_1,
                                    max_tls=ssl.TLSVersion.TLSv1_1, seclevel0=True))
            except (ssl.SSLError, ConnectionError, EOFError) as e:
                return "refused: %s" % e
            raise AssertionError("TLS 1.1 accepted")
        check("GOOD %s:%d refuses TLS 1.1" % (G, p), old)

    def good25():
        s = tcp(G, 25); L = Line(s); L.smtp_reply(); L.send("EHLO selfcheck.mailtls.test")
        ehlo = L.smtp_reply(); s.close()
        assert any("STARTTLS" in x for x in ehlo) and not any("AUTH" in x for x in ehlo), ehlo
        return "STARTTLS, no AUTH"
    check("GOOD 25 EHLO", good25)

    def good587():
        s = tcp(G, 587); L = Line(s); L.smtp_reply(); L.send("EHLO selfcheck.mailtls.test")
        L.smtp_reply(); L.send("MAIL FROM:<a@mailtls.test>"); r = L.smtp_reply(); s.close()
        assert r[0].startswith("530"), r
        return r[0]
    check("GOOD 587 MAIL FROM before TLS", good587)

    def good143():
        g, _ = greeting(G, 143)
        assert "LOGINDISABLED" in g and "STARTTLS" in g, g
        return g
    check("GOOD 143 greeting", good143)

    def good110():
        s = tcp(G, 110); L = Line(s); L.readline(); L.send("USER x"); r = L.readline(); s.close()
        assert r.startswith("-ERR"), r
        return r
    check("GOOD 110 USER before TLS", good110)

    # ---- certificate problems -----------------------------------------------
    for key, code in (("LAB_EXPIRED", 10), ("LAB_WRONG_NAME", 62),
                      ("LAB_SELF_SIGNED", 18), ("LAB_INCOMPLETE_CHAIN", 20)):
        for p in all_ports:
            check("%s %s:%d" % (key[4:], ENV[key], p),
                  expect_verify_error(ENV[key], p, code))

    # ---- legacy TLS -----------------------------------------------------------
    for p in all_ports:
        for v in (ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1):
            def legacy(p=p, v=v):
                got = handshake(ENV["LAB_LEGACY_TLS"], p,
                                ctx(min_tls=v, max_tls=v, seclevel0=True))
                assert got in ("TLSv1", "TLSv1.1"), got
                return got
            check("LEGACY_TLS %s:%d %s" % (ENV["LAB_LEGACY_TLS"], p, v.name), legacy)

    # ---- plaintext / port misuse ----------------------------------------------
    A6 = ENV["LAB_AUTH_CLEAR"]

    def auth_clear():
        s = tcp(A6, 587); L = Line(s); L.smtp_reply(); L.send("EHLO selfcheck.mailtls.test")
        e = L.smtp_reply(); s.close()
        assert any("AUTH" in x for x in e) and not any("STARTTLS" in x for x in e), e
        return [x for x in e if "AUTH" in x][0]
    check("AUTH_CLEAR 587 EHLO", auth_clear)

    def auth_clear25():
        s = tcp(A6, 25); L = Line(s); L.smtp_reply(); L.send("EHLO selfcheck.mailtls.test")
        e = L.smtp_reply(); s.close()
        assert not any("STARTTLS" in x for x in e), e
        return "no STARTTLS"
    check("AUTH_CLEAR 25 EHLO", auth_clear25)

    def plain465():
        g, _ = greeting(ENV["LAB_PLAIN_465"], 465)
        assert g.startswith("220 "), g
        return g
    check("PLAIN_465 greeting", plain465)

    def implicit587():
        v = handshake(ENV["LAB_IMPLICIT_587"], 587, ctx(), proto=None)
        return v
    check("IMPLICIT_587 TLS at connect", implicit587)

    def refused():
        for p in (25, 465, 587, 143, 993, 110, 995):
            try:
                tcp(ENV["LAB_REFUSED"], p, 2).close()
            except ConnectionRefusedError:
                continue
            raise AssertionError("port %d answered" % p)
        return "all refused"
    check("REFUSED", refused)

    A10 = ENV["LAB_CLEARTEXT_LOGIN"]

    def cl587():
        s = tcp(A10, 587); L = Line(s); L.smtp_reply(); L.send("EHLO selfcheck.mailtls.test")
        e = L.smtp_reply(); L.send("MAIL FROM:<a@mailtls.test>"); r = L.smtp_reply(); s.close()
        assert any("AUTH" in x for x in e), e
        assert r[0].startswith("250"), r
        return r[0]
    check("CLEARTEXT_LOGIN 587 MAIL FROM before TLS", cl587)

    def cl143():
        g, _ = greeting(A10, 143)
        assert "LOGINDISABLED" not in g and "AUTH=PLAIN" in g, g
        return g
    check("CLEARTEXT_LOGIN 143 greeting", cl143)

    def cl110():
        s = tcp(A10, 110); L = Line(s); L.readline(); L.send("USER x"); r = L.readline(); s.close()
        assert r == "+OK", r
        return r
    check("CLEARTEXT_LOGIN 110 USER", cl110)

    for p in (25, 587):
        def g421(p=p):
            g, _ = greeting(ENV["LAB_GREETING_421"], p)
            assert g.startswith("421 "), g
            return g
        check("GREETING_421 %d" % p, g421)

        def slow(p=p):
            g, dt = greeting(ENV["LAB_SLOW_GREETING"], p, timeout=10)
            assert g.startswith("220 ") and dt >= 2.5, (g, dt)
            return "220 after %.2fs" % dt
        check("SLOW_GREETING %d" % p, slow)

    def filtered():
        for p in (587, 993):
            try:
                tcp(ENV["LAB_FILTERED"], p, 1.5).close()
            except socket.timeout:
                continue
            raise AssertionError("port %d did not time out" % p)
        return "connect timed out"
    check("FILTERED", filtered)

    # ---- weak key / SHA-1 signature --------------------------------------------
    W = ENV["LAB_WEAK"]
    for p in (465, 587, 143, 993):
        check("WEAK %s:%d 1024-bit key, SHA-1 sig" % (W, p), expect_weak_cert(W, p))
        # A client at OpenSSL 3's default security level rejects the leaf.
        check("WEAK %s:%d default client" % (W, p), expect_verify_error(W, p, 66))
    for p in (465, 993):
        def weak_old(p=p):
            try:
                handshake(W, p, ctx(min_tls=ssl.TLSVersion.TLSv1_1,
                                    max_tls=ssl.TLSVersion.TLSv1_1, seclevel0=True))
            except (ssl.SSLError, ConnectionError, EOFError) as e:
                return "refused: %s" % e
            raise AssertionError("TLS 1.1 accepted")
        check("WEAK %s:%d refuses TLS 1.1" % (W, p), weak_old)

    H = ENV["LAB_HOSTILE"]

    def h2525():
        g, _ = greeting(H, 2525)
        assert g.startswith("220-"), g
        return g
    check("HOSTILE 2525 continuation", h2525)

    def h465():
        try:
            handshake(H, 465, ctx(verify=False), proto=None)
        except (ConnectionResetError, ssl.SSLError, EOFError) as e:
            return type(e).__name__
        raise AssertionError("handshake succeeded")
    check("HOSTILE 465 reset", h465)

    failed = RESULTS.count(False)
    print("selfcheck: %d passed, %d failed" % (len(RESULTS) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

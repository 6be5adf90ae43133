#!/usr/bin/env bash
# Proves the lab's OAuth chain end to end with real clients (Python's smtplib, imaplib and urllib):
#   token endpoint (https://127.0.0.20:8443/token, Tests/Fixtures/oauth_server.py)
#   -> Postfix submission 127.0.0.20:587 (STARTTLS, verified against $LAB_CA)
#   -> the MAILBOX Dovecot's SASL, whose oauth2 passdb asks http://127.0.0.20:8089/introspect
#   -> delivery over LMTP into $LAB_MAILBOX_MAILDIR
# and that PLAIN still works there, bad tokens get 334 + 535, and the main Dovecot still offers only PLAIN LOGIN.
#
#   Tests/Lab/xoauth2-selfcheck.sh      prints "ok"/"FAIL" per check; exit 0 when all pass
#
# Needs: lab.sh up, root (the fixture reads the mailbox leaf's key), python3. Starts and stops the fixture itself
# (three times: plain, then with --token-length 2500, then with --expires-in 1), so nothing else may hold
# 127.0.0.20:8443/8089 meanwhile.
# Each failed login comes from a new random source address in 127.254.0.0/16 (all of 127/8 is local on Linux).
# Dovecot's anvil makes an address that failed wait before its next login (2, 4, 8, then 15 s; stock settings), and
# Postfix stops waiting for Dovecot's answer after 10 s and then answers 454 instead of 535: failures from one
# address would stack up across checks and runs, and would delay the logins other tests make from 127.0.0.1.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_DIR=${LAB_DIR:-/tmp/mailtls-lab}
[[ -r $LAB_DIR/lab.env ]] || { echo "xoauth2-selfcheck: $LAB_DIR/lab.env missing (run Tests/Lab/lab.sh up)" >&2; exit 1; }
exec python3 - "$LAB_DIR/lab.env" "$HERE/../Fixtures/oauth_server.py" "$HERE/lab.sh" <<'PYEND'
import base64
import imaplib
import json
import os
import random
import select
import shutil
import signal
import smtplib
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

ENV_FILE, FIXTURE, LAB_SH = sys.argv[1:4]
ENV = {}
with open(ENV_FILE) as f:
    for line in f:
        if "=" in line:
            k, v = line.rstrip("\n").split("=", 1)
            ENV[k] = v
MAILBOX = ENV["LAB_MAILBOX"]
SERVERNAME = ENV["LAB_MAILBOX_SERVERNAME"]
USER = ENV["LAB_USER"]
PASSWORD = open(ENV["LAB_PASSWORD_FILE"]).read().strip()
MAILDIR = ENV["LAB_MAILBOX_MAILDIR"]
DOVECOT_LOG = ENV["LAB_MAILBOX_DOVECOT_LOG"]
TOKEN_URL = ENV["LAB_MAILBOX_OAUTH_TOKEN_URL"]
CLIENT_ID = "mailtls-selfcheck"
TLS = ssl.create_default_context(cafile=ENV["LAB_CA"])

TMP = tempfile.mkdtemp(prefix="xoauth2-selfcheck.")
SECRET = base64.urlsafe_b64encode(os.urandom(18)).decode()
with open(os.path.join(TMP, "secret"), "w") as f:
    f.write(SECRET + "\n")
REFRESH = "selfcheck-" + base64.urlsafe_b64encode(os.urandom(18)).decode()
LOG = os.path.join(TMP, "oauth.log")

total = failed = 0


def check(name, fn):
    global total, failed
    total += 1
    t0 = time.monotonic()
    try:
        fn()
        print("ok   %s (%.1f s)" % (name, time.monotonic() - t0), flush=True)
        return True
    except Exception as e:  # noqa: BLE001 - any exception is a failed check
        failed += 1
        detail = str(e) if isinstance(e, AssertionError) else "%s: %s" % (type(e).__name__, e)
        print("FAIL %s (%.1f s)\n     %s" % (name, time.monotonic() - t0, detail), flush=True)
        return False


def expect(want, got, what=""):
    assert want == got, "expected %r got %r%s" % (want, got, (" (%s)" % what) if what else "")


# --- the fixture ---------------------------------------------------------------------------------------------------
class Fixture:
    def __init__(self, *extra):
        self.proc = subprocess.Popen(
            [sys.executable, FIXTURE, "--listen", MAILBOX, "--client-id", CLIENT_ID,
             "--client-secret-file", os.path.join(TMP, "secret"), "--refresh-token", REFRESH,
             "--rotate-refresh-tokens", "--user", USER, "--log", LOG, *extra],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        ready, _, _ = select.select([self.proc.stdout], [], [], 10)
        line = self.proc.stdout.readline().decode().strip() if ready else ""
        if line != "ready":
            self.stop()
            raise AssertionError("fixture did not print 'ready' within 10 s (got %r, stderr %r)"
                                 % (line, self.proc.stderr.read().decode().strip()))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def log_records():
    with open(LOG) as f:
        return [json.loads(line) for line in f]


def token_request(form, auth=None):
    """POST to the token endpoint; (HTTP status, JSON body)."""
    req = urllib.request.Request(TOKEN_URL, urllib.parse.urlencode(form).encode())
    if auth:
        req.add_header("Authorization", "Basic " + base64.b64encode(("%s:%s" % auth).encode()).decode())
    try:
        with urllib.request.urlopen(req, context=TLS, timeout=10) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)


def new_token():
    status, body = token_request({"grant_type": "client_credentials", "client_id": CLIENT_ID,
                                  "client_secret": SECRET, "scope": "https://outlook.office365.com/.default"})
    expect(200, status, body)
    return body["access_token"]


# --- SMTP ----------------------------------------------------------------------------------------------------------
def submission(addr=MAILBOX, servername=SERVERNAME, source=None):
    """An SMTP session on addr:587 after EHLO, STARTTLS (verified: SNI and name = servername) and EHLO."""
    s = smtplib.SMTP(timeout=30, source_address=source)
    s.connect(addr, 587)
    s._host = servername     # smtplib verifies STARTTLS against the host it connected to; we connected by IP
    s.ehlo("selfcheck.mailtls.test")
    s.starttls(context=TLS)
    s.ehlo("selfcheck.mailtls.test")
    return s


def xoauth2(token, user=USER):
    return "user=%s\x01auth=Bearer %s\x01\x01" % (user, token)


def oauthbearer(token, user=USER):
    return "n,a=%s,\x01auth=Bearer %s\x01\x01" % (user, token)


def auth(s, mechanism, initial):
    """AUTH with an initial response; answers a 334 challenge with an empty line, as RFC 7628 section 3.2.3 and
    Google's XOAUTH2 description ask. Returns (code, text, decoded challenges)."""
    challenges = []

    def respond(challenge=None):
        if challenge is None:
            return initial
        challenges.append(challenge.decode())
        return ""
    try:
        code, text = s.auth(mechanism, respond)
    except smtplib.SMTPAuthenticationError as e:
        code, text = e.smtp_code, e.smtp_error
    except smtplib.SMTPException as e:
        code, text = getattr(e, "smtp_code", None), str(e).encode()
    return code, text.decode(), challenges


def fresh_source():
    """A source address no earlier failed login used (see the top of this script)."""
    return ("127.254.%d.%d" % (random.randrange(256), random.randrange(1, 255)), 0)


def failed_login(token, user=USER):
    s = submission(source=fresh_source())
    try:
        return auth(s, "XOAUTH2", xoauth2(token, user))
    finally:
        s.close()


CHALLENGE = {"status": "401", "schemes": "bearer", "scope": "mail"}


# Postfix's final reply to every failure Dovecot reports (Dovecot sends no reason).
REJECTED = (535, "5.7.8 Error: authentication failed: (reason unavailable)")


def expect_rejected(result):
    code, text, challenges = result
    expect(1, len(challenges), "one 334 challenge")
    expect(CHALLENGE, json.loads(challenges[0]), "334 challenge")
    expect(REJECTED, (code, text))


def dovecot_log_since(offset):
    with open(DOVECOT_LOG, "rb") as f:
        f.seek(offset)
        return f.read().decode(errors="replace")


# --- the checks ----------------------------------------------------------------------------------------------------
state = {}
fixture = None


def start():
    global fixture
    fixture = Fixture()


def lab_status():
    expect(0, subprocess.run([LAB_SH, "status"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode)


def client_credentials():
    status, body = token_request({"grant_type": "client_credentials", "client_id": CLIENT_ID,
                                  "client_secret": SECRET, "scope": "https://outlook.office365.com/.default"})
    expect(200, status, body)
    expect("Bearer", body["token_type"])
    expect(3600, body["expires_in"])
    assert "refresh_token" not in body, body
    state["token"] = body["access_token"]


def basic_auth():
    status, body = token_request({"grant_type": "client_credentials"}, auth=(CLIENT_ID, SECRET))
    expect(200, status, body)


def wrong_secret():
    status, body = token_request({"grant_type": "client_credentials", "client_id": CLIENT_ID,
                                  "client_secret": "wrong"})
    expect((401, "invalid_client"), (status, body.get("error")), body)


def unsupported_grant():
    status, body = token_request({"grant_type": "password", "client_id": CLIENT_ID, "username": USER,
                                  "password": "x"})
    expect((400, "unsupported_grant_type"), (status, body.get("error")), body)


def refresh_rotation():
    status, body = token_request({"grant_type": "refresh_token", "client_id": CLIENT_ID, "refresh_token": REFRESH,
                                  "client_secret": SECRET})
    expect(200, status, body)
    assert body["refresh_token"] != REFRESH and body["access_token"], body
    status2, body2 = token_request({"grant_type": "refresh_token", "client_id": CLIENT_ID,
                                    "refresh_token": body["refresh_token"]})
    expect(200, status2, body2)
    status3, body3 = token_request({"grant_type": "refresh_token", "client_id": CLIENT_ID, "refresh_token": REFRESH})
    expect((400, "invalid_grant"), (status3, body3.get("error")), body3)


def auth_lines(s):
    """The EHLO reply's AUTH lines, exactly as sent (after STARTTLS)."""
    return [l for l in s.ehlo_resp.decode().splitlines() if l.upper().startswith("AUTH")]


def mechanisms_mailbox():
    s = submission()
    try:
        expect(["AUTH PLAIN LOGIN XOAUTH2 OAUTHBEARER"], auth_lines(s))
    finally:
        s.close()


def mechanisms_main():
    s = submission(addr=ENV["LAB_GOOD"], servername=ENV["LAB_SERVERNAME"])
    try:
        expect(["AUTH PLAIN LOGIN"], auth_lines(s))
    finally:
        s.close()


def deliver():
    before = len(log_records())
    s = submission()
    try:
        code, text, challenges = auth(s, "XOAUTH2", xoauth2(state["token"]))
        expect((235, []), (code, challenges), text)
        msgid = "<xoauth2-selfcheck.%d.%s@selfcheck.mailtls.test>" % (os.getpid(), os.urandom(6).hex())
        state["msgid"] = msgid
        message = ("From: %s\r\nTo: alice@%s\r\nSubject: xoauth2 selfcheck\r\nMessage-ID: %s\r\n\r\n"
                   "Sent with AUTH XOAUTH2.\r\n" % (USER, ENV["LAB_MAILBOX_DOMAIN"], msgid))
        refused = s.sendmail(USER, ["alice@%s" % ENV["LAB_MAILBOX_DOMAIN"]], message)
        expect({}, refused)
    finally:
        s.quit()
    introspections = [r for r in log_records()[before:] if r["endpoint"] == "introspect"]
    expect(1, len(introspections), "introspections for one login")
    r = introspections[0]
    expect((True, "smtp", USER, state["token"][:8]), (r["active"], r.get("dovecot_service"), r["user"], r["token"]))


def in_maildir():
    needle = ("Message-ID: %s" % state["msgid"]).encode()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        for sub in ("new", "cur"):
            d = os.path.join(MAILDIR, sub)
            for name in os.listdir(d) if os.path.isdir(d) else []:
                with open(os.path.join(d, name), "rb") as f:
                    if needle in f.read():
                        return
        time.sleep(0.2)
    raise AssertionError("%s not in %s/new or cur after 15 s" % (state["msgid"], MAILDIR))


def imap_xoauth2():
    before = len(log_records())
    # imaplib verifies the certificate against the address it connects to: the leaf's IP SAN 127.0.0.20.
    with imaplib.IMAP4_SSL(MAILBOX, 993, ssl_context=TLS, timeout=30) as m:
        typ, _ = m.authenticate("XOAUTH2", lambda _: xoauth2(state["token"]).encode())
        expect("OK", typ)
        m.select("INBOX", readonly=True)
        typ, data = m.search(None, "HEADER", "Message-ID", state["msgid"])
        expect("OK", typ)
        assert data[0].split(), "message not found over IMAP"
    r = [x for x in log_records()[before:] if x["endpoint"] == "introspect"]
    expect(["imap"], [x.get("dovecot_service") for x in r])


def oauthbearer_ok():
    s = submission()
    try:
        code, text, challenges = auth(s, "OAUTHBEARER", oauthbearer(state["token"]))
        expect((235, []), (code, challenges), text)
    finally:
        s.quit()


def plain_ok():
    before = len(log_records())
    s = submission()
    try:
        code, text = s.login(USER, PASSWORD)    # smtplib picks PLAIN from the list
        expect(235, code, text)
    finally:
        s.quit()
    expect([], [r for r in log_records()[before:] if r["endpoint"] == "introspect"], "password sent to introspection")


def plain_wrong_password():
    before = len(log_records())
    offset = os.path.getsize(DOVECOT_LOG)
    s = submission(source=fresh_source())
    try:
        initial = "\0%s\0wrong-%s" % (USER, os.urandom(4).hex())
        expect(REJECTED + ([],), auth(s, "PLAIN", initial))
    finally:
        s.close()
    expect([], [r for r in log_records()[before:] if r["endpoint"] == "introspect"], "password sent to introspection")
    log = dovecot_log_since(offset)
    assert "passwd-file(" in log and "oauth2(" not in log, log


def unknown_token():
    offset = os.path.getsize(DOVECOT_LOG)
    expect_rejected(failed_login("not-a-token-" + os.urandom(8).hex()))
    log = dovecot_log_since(offset)
    assert "oauth2(" in log and "Provided token is not valid" in log, log
    assert "passwd-file(" not in log, "the token was compared with passwords: " + log
    state["unknown_log"] = [l for l in log.splitlines() if "oauth2(" in l]


def wrong_user():
    token = new_token()
    offset = os.path.getsize(DOVECOT_LOG)
    expect_rejected(failed_login(token, user="bob@mailtls.test"))
    log = dovecot_log_since(offset)
    assert "did not match" in log, log


def restart(*extra):
    global fixture
    expect(0, fixture.stop(), "fixture exit status on SIGTERM")
    fixture = Fixture(*extra)


def long_token():
    restart("--token-length", "2500")
    token = new_token()
    expect(2500, len(token))
    s = submission()
    try:
        code, text, challenges = auth(s, "XOAUTH2", xoauth2(token))
        expect((235, []), (code, challenges), text)
    finally:
        s.quit()


def expired_token():
    restart("--expires-in", "1")
    token = new_token()
    time.sleep(2)
    expect_rejected(failed_login(token))
    r = [x for x in log_records() if x["endpoint"] == "introspect" and x["token"] == token[:8]]
    expect([(False, "expired")], [(x["active"], x["reason"]) for x in r])


def fixture_down():
    # Dovecot reports an internal failure (FAIL code=temp_fail), which Postfix's Dovecot client does not tell
    # apart from a rejection: 535 at once, without the 334 challenge. (454 only comes when Postfix loses or stops
    # waiting for the connection to Dovecot.)
    expect(0, fixture.stop(), "fixture exit status on SIGTERM")
    offset = os.path.getsize(DOVECOT_LOG)
    s = submission(source=fresh_source())
    try:
        code, text, challenges = auth(s, "XOAUTH2", xoauth2("any-token"))
        expect(REJECTED + ([],), (code, text, challenges))
    finally:
        s.close()
    log = dovecot_log_since(offset)
    assert "Connection refused" in log, log


try:
    check("lab: lab.sh status exits 0", lab_status)
    if check("fixture: starts and prints 'ready'", start):
        check("token: client_credentials over HTTPS (verified against LAB_CA) -> Bearer, expires_in 3600",
              client_credentials)
        check("token: client_credentials with HTTP Basic client authentication -> 200", basic_auth)
        check("token: wrong client_secret -> 401 invalid_client", wrong_secret)
        check("token: grant_type=password -> 400 unsupported_grant_type", unsupported_grant)
        check("token: refresh_token rotates; the old refresh token -> 400 invalid_grant", refresh_rotation)
        check("smtp: %s:587 after STARTTLS offers AUTH PLAIN LOGIN XOAUTH2 OAUTHBEARER" % MAILBOX,
              mechanisms_mailbox)
        if "token" in state:
            if check("smtp: AUTH XOAUTH2 -> 235, one introspection (service smtp); MAIL/RCPT/DATA accepted",
                     deliver):
                check("maildir: the message is in LAB_MAILBOX_MAILDIR", in_maildir)
                check("imap: %s:993 AUTHENTICATE XOAUTH2 -> OK; the message is in INBOX" % MAILBOX, imap_xoauth2)
            check("smtp: AUTH OAUTHBEARER -> 235", oauthbearer_ok)
        check("smtp: AUTH PLAIN with the lab user -> 235, and no introspection", plain_ok)
        check("smtp: AUTH PLAIN with a wrong password -> 535, checked by passwd-file only (no introspection)",
              plain_wrong_password)
        check("smtp: unknown token -> 334 {\"status\":\"401\",...}, empty reply -> 535 5.7.8; "
              "no passwd-file lookup", unknown_token)
        check("smtp: a valid token for another user -> 334, 535", wrong_user)
        check("smtp: AUTH XOAUTH2 with a 2500-character token (Entra ID size; fixture --token-length 2500) -> 235",
              long_token)
        check("smtp: an expired token (fixture --expires-in 1) -> 334, 535; introspection says expired",
              expired_token)
        check("smtp: XOAUTH2 while the fixture is down -> 535 without a 334 challenge", fixture_down)
    check("smtp: main instance %s:587 still offers AUTH PLAIN LOGIN only" % ENV["LAB_GOOD"], mechanisms_main)
finally:
    if fixture is not None:
        fixture.stop()
    shutil.rmtree(TMP, ignore_errors=True)

print("%d checks, %d failed" % (total, failed))
sys.exit(1 if failed else 0)
PYEND

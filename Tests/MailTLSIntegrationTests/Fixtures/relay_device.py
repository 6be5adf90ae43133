#!/usr/bin/env python3
"""Devices and a mailbox reader for the relay's tests: Python's smtplib and imaplib as old printers and scanners use
SMTP, and as a user reads the mail that arrived.

  relay_device.py send --port P [--host H] [--source ADDRESS] [--mode starttls|tls|plain] [--tls 1.0|1.1|1.2|1.3|any] [--ca PEM]
                       [--ciphers OPENSSL-CIPHERS] [--from A] --to B [--to C] --subject S [--body-lines N]
                       [--size BYTES] [--user U --password-env VAR] [--quirk inline-login|quit-at-username]
      One message. TLS is pinned to the version given (TLS 1.0 and 1.1 need OpenSSL's @SECLEVEL=0, as old
      devices' peers do); the relay's certificate is verified against --ca when given. Prints JSON: the replies, the
      negotiated version and cipher, and the message sent (base64).
  relay_device.py flood --port P --count N --connections K --marker M [--size BYTES] --to B [--deadline SECONDS]
      N messages over K connections in parallel (plain SMTP), each with a unique Message-ID; a connection that
      breaks (the relay was killed) is opened again and the message sent again. Prints JSON: the Message-IDs that
      got a 250, and how many attempts failed.
  relay_device.py fetch --host H --port 993 --ca PEM --user U --password-file F --marker M [--delete]
      IMAPS: every message whose Subject contains the marker, as stored (BODY.PEEK[]), base64; --delete removes them.
"""
import argparse
import base64
import email.utils
import imaplib
import json
import os
import re
import smtplib
import socket
import ssl
import sys
import threading
import time
import uuid

VERSIONS = {
    "1.0": ssl.TLSVersion.TLSv1, "1.1": ssl.TLSVersion.TLSv1_1,
    "1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3,
}


def context(args):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if args.ca:
        ctx.load_verify_locations(args.ca)
        ctx.check_hostname = False  # the relay's certificate names its hostname; the tests connect to an address
        ctx.verify_mode = ssl.CERT_REQUIRED
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if args.tls != "any":
        version = VERSIONS[args.tls]
        ctx.minimum_version = version
        ctx.maximum_version = version
    if args.tls in ("1.0", "1.1") or args.ciphers:
        ctx.set_ciphers((args.ciphers or "DEFAULT") + ":@SECLEVEL=0")
    return ctx


def message(args, sender, recipients):
    lines = [
        f"From: Scanner <{sender}>",
        "To: " + ", ".join(recipients),
        f"Subject: {args.subject}",
        f"Date: {email.utils.formatdate()}",
        f"Message-ID: <{uuid.uuid4()}@device.test>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        "Scanned document follows.",
        ".A line that starts with a dot.",
        "..Two dots.",
        ".",
    ]
    lines += [f"line {n:06d} " + "x" * 60 for n in range(args.body_lines)]
    body = "\r\n".join(lines) + "\r\n"
    if args.size and len(body) < args.size:
        filler = []
        remaining = args.size - len(body)
        while remaining > 0:
            line = "y" * min(76, max(1, remaining - 2))
            filler.append(line)
            remaining -= len(line) + 2
        body += "\r\n".join(filler) + "\r\n"
    return body.encode()


class QuirkySMTP(smtplib.SMTP):
    """smtplib with the AUTH LOGIN habits of real devices."""

    def login_inline(self, user, password):
        # Konica Minolta, Veeam: the user name on the AUTH LOGIN line itself.
        code, reply = self.docmd("AUTH", "LOGIN " + base64.b64encode(user.encode()).decode())
        if code != 334:
            return code, reply
        return self.docmd(base64.b64encode(password.encode()).decode())


def source(args):
    return (args.source, 0) if args.source else None


def send(args):
    sender = getattr(args, "from") or "scanner@device.test"
    result = {}
    data = message(args, sender, args.to)
    if args.mode == "tls":
        client = smtplib.SMTP_SSL(args.host, args.port, timeout=30, context=context(args), source_address=source(args))
        result["tls"] = [client.sock.version(), client.sock.cipher()[0]]
    else:
        client = QuirkySMTP(args.host, args.port, timeout=30, source_address=source(args))
    client.ehlo("scanner.device.test")
    if args.mode == "starttls":
        code, _ = client.starttls(context=context(args))
        result["starttls"] = code
        result["tls"] = [client.sock.version(), client.sock.cipher()[0]]
        client.ehlo("scanner.device.test")
    if args.user:
        password = os.environ[args.password_env]
        if args.quirk == "quit-at-username":
            # A Xerox gives up at the user name prompt: QUIT instead of an answer.
            code, reply = client.docmd("AUTH", "LOGIN")
            result["auth"] = [code, reply.decode(errors="replace")]
            code, reply = client.docmd("QUIT")
            result["quit"] = [code, reply.decode(errors="replace")]
            print(json.dumps(result))
            return
        if args.quirk == "inline-login":
            code, reply = client.login_inline(args.user, password)
        else:
            try:
                code, reply = client.login(args.user, password)
            except smtplib.SMTPAuthenticationError as error:
                code, reply = error.smtp_code, error.smtp_error
        result["auth"] = [code, reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)]
    code, reply = client.mail(sender)
    result["mail"] = [code, reply.decode(errors="replace")]
    result["rcpt"] = []
    for recipient in args.to:
        code, reply = client.rcpt(recipient)
        result["rcpt"].append([code, reply.decode(errors="replace")])
    if any(c == 250 for c, _ in result["rcpt"]) and result["mail"][0] == 250:
        try:
            code, reply = client.data(data)
        except smtplib.SMTPDataError as error:
            code, reply = error.smtp_code, error.smtp_error
        result["data"] = [code, reply.decode(errors="replace")]
    result["sent"] = base64.b64encode(data).decode()
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        pass
    print(json.dumps(result))


def flood(args):
    lock = threading.Lock()
    accepted, failures = [], [0]
    counter = iter(range(args.count))
    deadline = time.time() + args.deadline

    def next_index():
        with lock:
            return next(counter, None)

    def worker():
        client = None
        index = next_index()
        while index is not None and time.time() < deadline:
            message_id = f"<{args.marker}-{index:05d}@flood.test>"
            body = (f"From: <flood@device.test>\r\nTo: <{args.to[0]}>\r\nSubject: {args.marker} {index}\r\n"
                    f"Message-ID: {message_id}\r\n\r\n" + "z" * max(0, args.size - 120) + "\r\n").encode()
            try:
                if client is None:
                    client = smtplib.SMTP(args.host, args.port, timeout=20)
                    client.ehlo("flood.device.test")
                client.sendmail("flood@device.test", args.to, body)
                with lock:
                    accepted.append(message_id)
                index = next_index()
            except (smtplib.SMTPException, OSError):
                # The relay went away or refused: this message was not acknowledged; send it again.
                with lock:
                    failures[0] += 1
                try:
                    if client is not None:
                        client.close()
                except OSError:
                    pass
                client = None
                time.sleep(0.05)
        if client is not None:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                pass

    threads = [threading.Thread(target=worker) for _ in range(args.connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps({"accepted": accepted, "failures": failures[0]}))


def fetch(args):
    ctx = ssl.create_default_context(cafile=args.ca)
    ctx.check_hostname = False
    imap = imaplib.IMAP4_SSL(args.host, args.port, ssl_context=ctx, timeout=30)
    with open(args.password_file) as handle:
        password = handle.readline().strip()
    imap.login(args.user, password)
    imap.select("INBOX")
    # UIDs, not sequence numbers: other tests expunge from the same mailbox meanwhile.
    _, found = imap.uid("SEARCH", None, "SUBJECT", f'"{args.marker}"')
    uids = found[0].split()
    # A UID command may carry other sessions' news (RFC 3501 7.4.1): '* 7 FETCH (FLAGS (\\Deleted))' for a message
    # another test is deleting arrives among the answers, so the bodies are picked out by the UID they name.
    bodies = {}
    if uids:
        _, data = imap.uid("FETCH", b",".join(uids).decode(), "(UID BODY.PEEK[])")
        for item in data or []:
            if not isinstance(item, tuple):
                continue
            named = re.search(rb"\bUID (\d+)", item[0])
            if named and named.group(1) in uids and b"BODY[]" in item[0]:
                bodies[named.group(1)] = base64.b64encode(item[1]).decode()
    messages = [bodies[uid] for uid in uids if uid in bodies]
    if args.delete and uids:
        joined = b",".join(uids).decode()
        imap.uid("STORE", joined, "+FLAGS", "(\\Deleted)")
        imap.uid("EXPUNGE", joined)
    imap.logout()
    print(json.dumps({"messages": messages}))


parser = argparse.ArgumentParser()
parser.add_argument("action", choices=["send", "flood", "fetch"])
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--mode", default="starttls", choices=["starttls", "tls", "plain"])
parser.add_argument("--tls", default="any", choices=["any", "1.0", "1.1", "1.2", "1.3"])
parser.add_argument("--ca")
parser.add_argument("--source", help="connect from this loopback address (127.0.0.5: a network not allowed)")
parser.add_argument("--ciphers")
parser.add_argument("--from")
parser.add_argument("--to", action="append", default=[])
parser.add_argument("--subject", default="relay test")
parser.add_argument("--body-lines", type=int, default=3)
parser.add_argument("--size", type=int, default=0)
parser.add_argument("--user")
parser.add_argument("--password-env")
parser.add_argument("--password-file")
parser.add_argument("--quirk", choices=["inline-login", "quit-at-username"])
parser.add_argument("--count", type=int, default=10)
parser.add_argument("--connections", type=int, default=4)
parser.add_argument("--marker", default="")
parser.add_argument("--deadline", type=float, default=300)
parser.add_argument("--delete", action="store_true")
arguments = parser.parse_args()
try:
    {"send": send, "flood": flood, "fetch": fetch}[arguments.action](arguments)
except (smtplib.SMTPException, OSError, ssl.SSLError, imaplib.IMAP4.error) as failure:
    print(json.dumps({"error": f"{type(failure).__name__}: {failure}",
                      "code": getattr(failure, "smtp_code", None)}))
    sys.exit(1)

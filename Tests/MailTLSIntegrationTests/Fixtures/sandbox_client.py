#!/usr/bin/env python3
"""Python's own mail clients (smtplib, imaplib, poplib) against the mailtls sandbox, as a device would use them.

Usage: sandbox_client.py MODE HOST PORT CA_PEM USER PASSWORD [SUBJECT]
Modes:
  smtp-starttls     EHLO, STARTTLS, login, sendmail (a message with SUBJECT and a line starting with a dot), QUIT
  smtp-clear-login  login without STARTTLS (the STARTTLS-stripping test), then sendmail if the login worked
  imap-ssl          IMAP4_SSL: login, select, fetch 1 RFC822, store 1 +FLAGS \\Deleted, expunge, logout
  imap-starttls     IMAP4 + starttls, then as imap-ssl
  pop3-ssl          POP3_SSL: user, pass, list, retr 1, dele 1, quit
  pop3-stls         POP3 + stls, then as pop3-ssl
Prints one JSON object: what the server answered and, for IMAP and POP3, the fetched message (base64).
TLS is verified against CA_PEM and the host name (the sandbox certificate names 127.0.0.1 and localhost).
"""
import base64
import imaplib
import json
import poplib
import smtplib
import ssl
import sys

mode, host, port, ca, user, password = sys.argv[1:7]
port = int(port)
subject = sys.argv[7] if len(sys.argv) > 7 else "python smtplib"
context = ssl.create_default_context(cafile=ca)
result = {"mode": mode}


def message_bytes():
    return (f"From: python@client.test\r\nTo: inbox@sandbox.test\r\nSubject: {subject}\r\n\r\n"
            "First line.\r\n.A line that starts with a dot.\r\nLast line.\r\n").encode()


def text(value):
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


if mode in ("smtp-starttls", "smtp-clear-login"):
    smtp = smtplib.SMTP(host, port, timeout=10)
    smtp.ehlo("python.client.test")
    if mode == "smtp-starttls":
        code, _ = smtp.starttls(context=context)
        result["starttls"] = code
        smtp.ehlo("python.client.test")
    try:
        code, reply = smtp.login(user, password)
        result["login"] = [code, text(reply)]
    except smtplib.SMTPException as error:
        result["login"] = [getattr(error, "smtp_code", 0), text(getattr(error, "smtp_error", error))]
    if result["login"][0] == 235:
        result["refused"] = {k: list(v) for k, v in smtp.sendmail("python@client.test", ["inbox@sandbox.test"],
                                                                  message_bytes()).items()}
        result["sent"] = base64.b64encode(message_bytes()).decode()
    smtp.quit()
elif mode in ("imap-ssl", "imap-starttls"):
    if mode == "imap-ssl":
        imap = imaplib.IMAP4_SSL(host, port, ssl_context=context, timeout=10)
    else:
        imap = imaplib.IMAP4(host, port, timeout=10)
        result["starttls"] = imap.starttls(ssl_context=context)[0]
    result["login"] = imap.login(user, password)[0]
    status, data = imap.select("INBOX")
    result["select"] = [status, int(data[0])]
    status, data = imap.fetch("1", "(RFC822)")
    result["fetch"] = status
    result["message"] = base64.b64encode(data[0][1]).decode()
    result["store"] = imap.store("1", "+FLAGS", "\\Deleted")[0]
    status, data = imap.expunge()
    result["expunge"] = [status, [text(item) for item in data if item is not None]]
    result["logout"] = imap.logout()[0]
elif mode in ("pop3-ssl", "pop3-stls"):
    if mode == "pop3-ssl":
        pop = poplib.POP3_SSL(host, port, context=context, timeout=10)
    else:
        pop = poplib.POP3(host, port, timeout=10)
        result["stls"] = text(pop.stls(context=context))
    result["user"] = text(pop.user(user))
    result["pass"] = text(pop.pass_(password))
    response, listing, _ = pop.list()
    result["list"] = [text(line) for line in listing]
    response, lines, _ = pop.retr(1)
    result["retr"] = text(response)
    result["message"] = base64.b64encode(b"".join(line + b"\r\n" for line in lines)).decode()
    result["dele"] = text(pop.dele(1))
    result["quit"] = text(pop.quit())
else:
    sys.exit(f"unknown mode {mode}")

print(json.dumps(result))

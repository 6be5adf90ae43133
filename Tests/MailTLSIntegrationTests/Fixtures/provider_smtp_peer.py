#!/usr/bin/env python3
"""An SMTP submission peer that refuses the way Microsoft 365 and Gmail do, with their codes and words: no local real
server produces them, so the test plays the provider. The reply depends on the user name's local part:

    good        235 (and the test message is queued)
    sendas      235, but RCPT gets 550 5.7.60 (not allowed to send as this sender)
    basicauth   535 5.7.139 (SMTP AUTH disabled for the tenant)
    appassword  534-5.7.9 multi-line (Gmail: application-specific password required)
    badpass     535 5.7.3 Authentication unsuccessful
    anything    535 5.7.8

MAIL before AUTH gets 530 5.7.57; RCPT after a MAIL FROM other than the authenticated address gets 550 5.7.60.

With --legacy-greeting the server also accepts TLS 1.0 and 1.1 (SECLEVEL=0) and, when one of them was negotiated,
answers the EHLO after STARTTLS with 421 4.7.66 and closes, as Microsoft 365 does.

Usage: provider_smtp_peer.py ADDRESS PORT CHAIN_PEM KEY_PEM [--legacy-greeting] [--lifetime SECONDS]
Prints "ready" once listening; exits 3 when the address is in use; exits by itself after the lifetime (120 s).
"""
import base64
import binascii
import socket
import ssl
import sys
import threading
import time
import warnings

MAX_LINE = 4096
MAX_MESSAGE = 1 << 20
IDLE_SECONDS = 20

REPLIES = {
    "basicauth": [b"535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. "
                  b"Visit https://aka.ms/smtp_auth_disabled for more information."],
    "appassword": [b"534-5.7.9 Application-specific password required. Learn more at",
                   b"534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor"],
    "badpass": [b"535 5.7.3 Authentication unsuccessful"],
}
ACCEPTED = {"good", "sendas"}
NOT_AUTHENTICATED = (b"530 5.7.57 Client not authenticated to send mail. Error: 530 5.7.57 SMTP; "
                     b"Client was not authenticated to send anonymous mail during MAIL FROM")
SEND_AS_DENIED = b"550 5.7.60 SMTP; Client does not have permissions to send as this sender"
LEGACY_TLS = (b"421 4.7.66 TLS 1.0 and 1.1 are not supported. Please upgrade/update your client to support TLS 1.2. "
              b"Visit https://aka.ms/smtp_auth_tls.")


CANCELLED = object()


class LineTooLong(Exception):
    pass


class Lines:
    """Reads CRLF lines from a socket (plain or TLS), at most MAX_LINE bytes each. None when the peer has gone."""

    def __init__(self, sock):
        self.sock = sock
        self.buffer = b""

    def read(self):
        while b"\n" not in self.buffer:
            if len(self.buffer) > MAX_LINE:
                raise LineTooLong()
            chunk = self.sock.recv(4096)
            if not chunk:
                return None
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        if len(line) > MAX_LINE:
            raise LineTooLong()
        return line.rstrip(b"\r")


def parse_arguments(argv):
    positional, legacy, lifetime = [], False, 120.0
    index = 1
    while index < len(argv):
        if argv[index] == "--legacy-greeting":
            legacy = True
        elif argv[index] == "--lifetime" and index + 1 < len(argv):
            index += 1
            lifetime = float(argv[index])
        else:
            positional.append(argv[index])
        index += 1
    if len(positional) != 4:
        sys.exit(__doc__)
    return positional[0], int(positional[1]), positional[2], positional[3], legacy, lifetime


address, port, chain, key, legacy, lifetime = parse_arguments(sys.argv)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(chain, key)
if legacy:
    with warnings.catch_warnings():  # TLS 1.0 is deprecated: that is the point of this mode
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = ssl.TLSVersion.TLSv1
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
else:
    context.minimum_version = ssl.TLSVersion.TLSv1_2


def decode(text):
    """Base64 to text; None when it is not base64."""
    try:
        return base64.b64decode(text, validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return None


def local_part(address_text):
    return address_text.split("@", 1)[0].lower()


class Session:
    def __init__(self, connection):
        self.sock = connection
        self.hello = b"250%sprovider.test Hello [" + connection.getpeername()[0].encode() + b"]"
        self.lines = Lines(connection)
        self.tls = False
        self.legacy_tls = False
        self.user = None  # the authenticated user name
        self.sender = None
        self.recipients = 0

    def send(self, *lines):
        self.sock.sendall(b"".join(line + b"\r\n" for line in lines))

    def read(self):
        return self.lines.read()

    def reset(self):
        self.sender = None
        self.recipients = 0

    def serve(self):
        self.send(b"220 provider.test ESMTP")
        while True:
            line = self.read()
            if line is None:
                return
            verb, _, argument = line.decode("utf-8", "replace").partition(" ")
            verb = verb.upper()
            if verb == "QUIT":
                self.send(b"221 2.0.0 Service closing transmission channel")
                return
            if not self.command(verb, argument.strip()):
                return

    def command(self, verb, argument):
        """Answers one command; False when the connection is to close."""
        if verb == "EHLO":
            if self.legacy_tls:
                self.send(LEGACY_TLS)
                return False
            self.reset()
            extensions = [b"SIZE 37748736", b"8BITMIME", b"PIPELINING", b"ENHANCEDSTATUSCODES"]
            extensions.append(b"AUTH PLAIN LOGIN" if self.tls else b"STARTTLS")
            self.send(self.hello % b"-", *[b"250-" + e for e in extensions[:-1]], b"250 " + extensions[-1])
        elif verb == "HELO":
            self.reset()
            self.send(self.hello % b" ")
        elif verb == "STARTTLS":
            if self.tls:
                self.send(b"503 5.5.1 TLS already active")
                return True
            self.send(b"220 2.0.0 SMTP server ready")
            # Bytes the client sent after STARTTLS in plaintext are discarded, never read as if from TLS.
            secure = context.wrap_socket(self.sock, server_side=True)
            self.sock, self.lines, self.tls = secure, Lines(secure), True
            self.user = None
            self.reset()
            self.legacy_tls = legacy and secure.version() in ("TLSv1", "TLSv1.1")
        elif verb == "AUTH":
            return self.authenticate(argument)
        elif verb == "MAIL":
            if self.user is None:
                self.send(NOT_AUTHENTICATED)
            elif not argument.upper().startswith("FROM:"):
                self.send(b"501 5.5.4 Syntax: MAIL FROM:<address>")
            else:
                self.sender = argument[5:].strip().split(" ")[0].strip("<>")
                self.recipients = 0
                self.send(b"250 2.1.0 Sender OK")
        elif verb == "RCPT":
            if self.sender is None:
                self.send(b"503 5.5.1 Need MAIL command")
            elif local_part(self.user) == "sendas" or self.sender.lower() != self.user.lower():
                self.send(SEND_AS_DENIED)
            else:
                self.recipients += 1
                self.send(b"250 2.1.5 Recipient OK")
        elif verb == "DATA":
            if self.recipients == 0:
                self.send(b"503 5.5.1 Need RCPT command")
                return True
            self.send(b"354 Start mail input; end with <CRLF>.<CRLF>")
            size = 0
            while True:
                line = self.read()
                if line is None:
                    return False
                if line == b".":
                    break
                size += len(line) + 2
            self.reset()
            self.send(b"552 5.3.4 Message size exceeds fixed maximum message size" if size > MAX_MESSAGE
                      else b"250 2.0.0 OK queued")
        elif verb == "RSET":
            self.reset()
            self.send(b"250 2.0.0 Resetting")
        elif verb == "NOOP":
            self.send(b"250 2.0.0 OK")
        else:
            self.send(b"502 5.3.3 Command not implemented")
        return True

    def authenticate(self, argument):
        if not self.tls:
            self.send(b"530 5.7.0 Must issue a STARTTLS command first")
            return True
        if self.user is not None:
            self.send(b"503 5.5.1 Already authenticated")
            return True
        mechanism, _, initial = argument.partition(" ")
        mechanism, initial = mechanism.upper(), initial.strip()
        if mechanism == "PLAIN":
            if not initial:
                self.send(b"334 ")
                initial = self.challenge()
                if initial is None or initial is CANCELLED:
                    return initial is CANCELLED
            decoded = decode(initial)
            parts = decoded.split("\0") if decoded is not None else []
            if len(parts) != 3:
                self.send(b"501 5.5.2 Cannot decode AUTH parameter")
                return True
            user = parts[1]
        elif mechanism == "LOGIN":
            if initial:
                user = decode(initial)
            else:
                self.send(b"334 VXNlcm5hbWU6")
                answer = self.challenge()
                if answer is None or answer is CANCELLED:
                    return answer is CANCELLED
                user = decode(answer)
            if user is None:
                self.send(b"501 5.5.2 Cannot decode AUTH parameter")
                return True
            self.send(b"334 UGFzc3dvcmQ6")
            answer = self.challenge()
            if answer is None or answer is CANCELLED:
                return answer is CANCELLED
        else:
            self.send(b"504 5.7.4 Unrecognized authentication type")
            return True
        name = local_part(user)
        if name in ACCEPTED:
            self.user = user
            self.send(b"235 2.7.0 Authentication successful")
        else:
            self.send(*REPLIES.get(name, [b"535 5.7.8 Error: authentication failed"]))
        return True

    def challenge(self):
        """The client's answer to a 334; CANCELLED when it sent "*" (answered 501), None when it has gone."""
        line = self.read()
        if line is None:
            return None
        if line.strip() == b"*":
            self.send(b"501 5.0.0 Authentication cancelled")
            return CANCELLED
        return line.decode("ascii", "replace").strip()


def serve(connection):
    connection.settimeout(IDLE_SECONDS)
    session = Session(connection)
    try:
        session.serve()
    except LineTooLong:
        try:
            session.send(b"500 5.5.6 Line too long")
        except (OSError, ssl.SSLError):
            pass
    except (OSError, ssl.SSLError, ValueError):
        pass
    finally:
        try:
            session.sock.close()
        except OSError:
            pass


listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    listener.bind((address, port))
except OSError as error:
    print(f"cannot listen on {address}:{port}: {error}", file=sys.stderr, flush=True)
    sys.exit(3)
listener.listen(32)
listener.settimeout(1)
print("ready", flush=True)
deadline = time.time() + lifetime
while time.time() < deadline:
    try:
        connection, _ = listener.accept()
    except socket.timeout:
        continue
    except OSError:
        break
    threading.Thread(target=serve, args=(connection,), daemon=True).start()

#!/usr/bin/env python3
"""An implicit-TLS SMTP peer whose certificates attack the client that checks them. No real server sends these, so
the test plays the part; everything else about it is ordinary (a greeting, EHLO, QUIT).

Modes:
  mesh     a leaf signed by one of 8 keys that all sign each other under one name: 57 certificates (about 20 KB),
           every ordering of them a candidate path. Unbounded path building took minutes at 100 % CPU.
  escapes  a self-signed leaf whose subject and subjectAltName carry terminal escape sequences (clear screen, window
           title, colours), a C1 CSI (U+009B) and a right-to-left override (U+202E); the greeting and EHLO reply
           carry them too.

Usage: hostile_tls_peer.py MODE ADDRESS PORT   (PORT 0 lets the kernel choose; prints "ready PORT" once listening;
       exits after 60 s)
"""
import datetime
import os
import socket
import ssl
import sys
import tempfile
import threading
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

mode, address, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
now = datetime.datetime.now(datetime.timezone.utc)
ESCAPES = "\x1b[2J\x1b]0;pwned\x07\x1b[31mred\x1b[0m\u009b1m\u202eevil"
ASCII_ESCAPES = "\x1b[2J\x1b]0;pwned\x07\x1b[31mred\x1b[0m"  # what an IA5String SAN can carry


def certificate(subject, key, issuer, signer, is_ca, names=()):
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
               .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
               .public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(days=1))
               .not_valid_after(now + datetime.timedelta(days=365))
               .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True))
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
    return builder.sign(signer, hashes.SHA256())


def pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


leaf_key = ec.generate_private_key(ec.SECP256R1())
if mode == "mesh":
    keys = [ec.generate_private_key(ec.SECP256R1()) for _ in range(8)]
    chain = [certificate("mail.mailtls.test", leaf_key, "mesh CA", keys[0], False, ["mail.mailtls.test"])]
    for subject_key in keys:
        for signer in keys:
            if signer is not subject_key:
                chain.append(certificate("mesh CA", subject_key, "mesh CA", signer, True))
    greeting = b"220 mesh.mailtls.test ESMTP\r\n"
elif mode == "escapes":
    name = "mail" + ESCAPES + ".test"
    chain = [certificate(name, leaf_key, name, leaf_key, False, ["mail" + ASCII_ESCAPES + ".test"])]
    greeting = ("220 " + ESCAPES + " ESMTP\r\n").encode("utf-8")
else:
    sys.exit("unknown mode " + mode)

directory = tempfile.mkdtemp(prefix="hostile-tls-")
chain_path, key_path = os.path.join(directory, "chain.pem"), os.path.join(directory, "key.pem")
with open(chain_path, "wb") as f:
    f.write(b"".join(pem(c) for c in chain))
with open(key_path, "wb") as f:
    f.write(leaf_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption()))
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(chain_path, key_path)


def serve(connection):
    connection.settimeout(10)
    try:
        secure = context.wrap_socket(connection, server_side=True)
        secure.sendall(greeting)
        buffer = b""
        while True:
            chunk = secure.recv(4096)
            if not chunk:
                return
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                verb = line.strip().upper()
                if verb.startswith(b"EHLO"):
                    secure.sendall(("250-" + ESCAPES + "\r\n250 AUTH PLAIN\r\n").encode("utf-8"))
                elif verb == b"QUIT":
                    secure.sendall(b"221 bye\r\n")
                    return
                else:
                    secure.sendall(b"250 ok\r\n")
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
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    try:
        connection, _ = listener.accept()
    except socket.timeout:
        continue
    threading.Thread(target=serve, args=(connection,), daemon=True).start()

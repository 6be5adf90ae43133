#!/usr/bin/env python3
"""A simulated fleet of mail hosts for `benchmarks/watch_bench.py`: implicit-TLS SMTP (port 465) on N loopback
addresses (127.0.1.1 upwards), each a host of its own with a certificate for its name `mxI.fleet.test`: most valid
(issued by the benchmark's CA), every 20th expired, every 20th + 1 self-signed. The dialogue is a small ESMTP one
(greeting, EHLO with AUTH, AUTH cancelled, MAIL/RCPT accepted, QUIT), enough for `mailtls check`'s probe.

Usage: fleet_server.py DIR COUNT   writes DIR/ca.pem, binds the addresses (adding them to lo is not needed: all of
127.0.0.0/8 is local), prints "ready" and serves until SIGTERM.
"""
import asyncio
import datetime
import ipaddress
import os
import signal
import ssl
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

directory, count = sys.argv[1], int(sys.argv[2])
now = datetime.datetime.now(datetime.timezone.utc)


def name(text):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])


def certificate(subject, key, issuer, signer, ca, days_from, days_to, names=()):
    builder = (x509.CertificateBuilder().subject_name(name(subject)).issuer_name(name(issuer))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now + datetime.timedelta(days=days_from))
               .not_valid_after(now + datetime.timedelta(days=days_to))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
    return builder.sign(signer, hashes.SHA256())


def write(path, data):
    with open(os.path.join(directory, path), "wb") as handle:
        handle.write(data)


pem = serialization.Encoding.PEM
ca_key = ec.generate_private_key(ec.SECP256R1())
ca = certificate("fleet benchmark CA", ca_key, "fleet benchmark CA", ca_key, True, -1, 3650)
write("ca.pem", ca.public_bytes(pem))
leaf_key = ec.generate_private_key(ec.SECP256R1())
write("leaf.key", leaf_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
names = ["*.fleet.test"]
variants = {
    "good": certificate("mx.fleet.test", leaf_key, "fleet benchmark CA", ca_key, False, -30, 60, names),
    "expired": certificate("mx.fleet.test", leaf_key, "fleet benchmark CA", ca_key, False, -120, -5, names),
    "selfsigned": certificate("mx.fleet.test", leaf_key, "mx.fleet.test", leaf_key, False, -30, 60, names),
}
contexts = {}
for variant, cert in variants.items():
    chain = cert.public_bytes(pem) + (b"" if variant == "selfsigned" else ca.public_bytes(pem))
    write(f"{variant}.pem", chain)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(os.path.join(directory, f"{variant}.pem"), os.path.join(directory, "leaf.key"))
    contexts[variant] = context


async def session(reader, writer):
    try:
        writer.write(b"220 mx.fleet.test ESMTP fleet\r\n")
        await writer.drain()
        while True:
            line = await asyncio.wait_for(reader.readline(), 30)
            if not line:
                break
            verb = line.strip().split(b" ")[0].upper()
            if verb in (b"EHLO", b"HELO"):
                writer.write(b"250-mx.fleet.test\r\n250-SIZE 10240000\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n")
            elif verb == b"AUTH":
                writer.write(b"334 \r\n")
                await writer.drain()
                await asyncio.wait_for(reader.readline(), 30)
                writer.write(b"501 5.7.0 authentication cancelled\r\n")
            elif verb in (b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                writer.write(b"250 2.0.0 ok\r\n")
            elif verb == b"QUIT":
                writer.write(b"221 2.0.0 bye\r\n")
                await writer.drain()
                break
            else:
                writer.write(b"502 5.5.2 not here\r\n")
            await writer.drain()
    except (OSError, asyncio.TimeoutError, ssl.SSLError, ConnectionError):
        pass
    finally:
        writer.close()


async def main():
    servers = []
    base = int(ipaddress.IPv4Address("127.0.1.1"))
    for index in range(count):
        address = str(ipaddress.IPv4Address(base + index))
        variant = "expired" if index % 20 == 0 else "selfsigned" if index % 20 == 1 else "good"
        servers.append(await asyncio.start_server(session, address, 465, ssl=contexts[variant], backlog=256))
    print("ready", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()


asyncio.run(main())

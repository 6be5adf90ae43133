#!/usr/bin/env python3
"""Generate the mailtls integration-test PKI.

Usage: make_pki.py OUTDIR

Creates (all RSA 2048, SHA-256):

  root-ca.pem / .key            "mailtls Test Root CA" (self-signed CA)
  intermediate-ca.pem / .key    "mailtls Test Intermediate CA" (signed by root, pathlen 0)
  good.pem / .key               leaf mail.mailtls.test, valid now .. +1 year, signed by intermediate
  expired.pem / .key            leaf mail.mailtls.test, validity wholly in the past, signed by intermediate
  wrong-name.pem / .key         leaf wrong.example.test, valid now, signed by intermediate
  self-signed.pem / .key        SELF-SIGNED leaf mail.mailtls.test (CA:FALSE, issuer == subject)

and the chain files that the servers send:

  good.chain.pem, expired.chain.pem, wrong-name.chain.pem   leaf + intermediate (never the root)
  self-signed.chain.pem                                       leaf only
  incomplete.chain.pem                                        good leaf only, intermediate missing
                                                              (key: good.key)

Works with python3-cryptography from Debian 12 (38.x) and with current
releases from PyPI. Idempotent at the directory level: the caller (lab.sh)
only runs it when OUTDIR/.complete is absent; the marker is written last.
"""

import datetime
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SERVER_NAME = "mail.mailtls.test"
WRONG_NAME = "wrong.example.test"


def now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def name(cn):
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mailtls test lab"),
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
    ])


def build(subject_cn, key, issuer_cert, issuer_key, not_before, not_after,
          is_ca, pathlen=None, san=None):
    """Build and sign one certificate. issuer_cert None => self-signed."""
    subject = name(subject_cn)
    issuer = subject if issuer_cert is None else issuer_cert.subject
    signing_key = key if issuer_key is None else issuer_key
    b = (x509.CertificateBuilder()
         .subject_name(subject)
         .issuer_name(issuer)
         .public_key(key.public_key())
         .serial_number(x509.random_serial_number())
         .not_valid_before(not_before)
         .not_valid_after(not_after)
         .add_extension(x509.BasicConstraints(ca=is_ca, path_length=pathlen), critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False))
    if issuer_cert is not None:
        b = b.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False)
    if is_ca:
        b = b.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True,
            crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
    else:
        b = b.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=True,
            data_encipherment=False, key_agreement=False, key_cert_sign=False,
            crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                            critical=False)
    if san:
        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in san]),
                            critical=False)
    return b.sign(signing_key, hashes.SHA256())


def pem_cert(c):
    return c.public_bytes(serialization.Encoding.PEM)


def pem_key(k):
    return k.private_bytes(serialization.Encoding.PEM,
                           serialization.PrivateFormat.TraditionalOpenSSL,
                           serialization.NoEncryption())


def write(path, data, mode=0o644):
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_pki.py OUTDIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    t = now()
    day = datetime.timedelta(days=1)

    root_key = new_key()
    root = build("mailtls Test Root CA", root_key, None, None,
                 t - 730 * day, t + 3650 * day, True, pathlen=1)
    int_key = new_key()
    inter = build("mailtls Test Intermediate CA", int_key, root, root_key,
                  t - 730 * day, t + 1825 * day, True, pathlen=0)

    leaves = {}
    k = new_key()
    leaves["good"] = (k, build(SERVER_NAME, k, inter, int_key,
                               t - day, t + 365 * day, False, san=[SERVER_NAME]))
    k = new_key()
    leaves["expired"] = (k, build(SERVER_NAME, k, inter, int_key,
                                  t - 400 * day, t - 35 * day, False, san=[SERVER_NAME]))
    k = new_key()
    leaves["wrong-name"] = (k, build(WRONG_NAME, k, inter, int_key,
                                     t - day, t + 365 * day, False, san=[WRONG_NAME]))
    k = new_key()
    leaves["self-signed"] = (k, build(SERVER_NAME, k, None, None,
                                      t - day, t + 365 * day, False, san=[SERVER_NAME]))

    write(os.path.join(out, "root-ca.pem"), pem_cert(root))
    write(os.path.join(out, "root-ca.key"), pem_key(root_key), 0o600)
    write(os.path.join(out, "intermediate-ca.pem"), pem_cert(inter))
    write(os.path.join(out, "intermediate-ca.key"), pem_key(int_key), 0o600)
    for label, (key, cert) in leaves.items():
        write(os.path.join(out, label + ".key"), pem_key(key), 0o600)
        write(os.path.join(out, label + ".pem"), pem_cert(cert))
        chain = pem_cert(cert)
        if label != "self-signed":
            chain += pem_cert(inter)   # leaf + intermediate, never the root
        write(os.path.join(out, label + ".chain.pem"), chain)
    # Incomplete chain: the good leaf alone (no intermediate); key is good.key.
    write(os.path.join(out, "incomplete.chain.pem"), pem_cert(leaves["good"][1]))
    write(os.path.join(out, ".complete"), b"ok\n")


if __name__ == "__main__":
    main()

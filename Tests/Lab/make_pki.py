#!/usr/bin/env python3
"""Generate the mailtls integration-test PKI.

Usage: make_pki.py OUTDIR
       make_pki.py --add-missing OUTDIR

Creates (RSA 2048, SHA-256 unless noted):

  root-ca.pem / .key            "mailtls Test Root CA" (self-signed CA)
  intermediate-ca.pem / .key    "mailtls Test Intermediate CA" (signed by root, pathlen 0)
  good.pem / .key               leaf mail.mailtls.test, valid now .. +1 year, signed by intermediate
  expired.pem / .key            leaf mail.mailtls.test, validity wholly in the past, signed by intermediate
  wrong-name.pem / .key         leaf wrong.example.test, valid now, signed by intermediate
  self-signed.pem / .key        SELF-SIGNED leaf mail.mailtls.test (CA:FALSE, issuer == subject)
  weak.pem / .key               leaf mail.mailtls.test, valid now, signed by intermediate, but
                                with an RSA 1024-bit key and a SHA-1 signature
                                (sha1WithRSAEncryption)
  auth-failures.pem / .key      leaf auth-failures.mailtls.test (the AUTH_FAILURES instance)
  mailbox.pem / .key            leaf mailbox.mailtls.test (the MAILBOX instance), also valid for
                                the IP address 127.0.0.20 (the OAuth fixture's HTTPS token
                                endpoint, https://127.0.0.20:8443/token)

and the chain files that the servers send:

  good.chain.pem, expired.chain.pem, wrong-name.chain.pem,
  weak.chain.pem                                              leaf + intermediate (never the root)
  self-signed.chain.pem                                       leaf only
  incomplete.chain.pem                                        good leaf only, intermediate missing
                                                              (key: good.key)

Works with python3-cryptography from Debian 12 (38.x) and with current
releases from PyPI. Idempotent at the directory level: the caller (lab.sh)
only runs it when OUTDIR/.complete is absent; the marker is written last.

--add-missing: for a PKI made before some leaves existed (OUTDIR/.complete
present). Loads the existing intermediate CA and creates only the leaves in
LATER_LEAVES whose files are missing or outdated (a mailbox leaf made before
it had its IP address); the CAs and all other files stay untouched. Each
leaf's .chain.pem is written last, so a leaf counts as present when its .key,
.pem and .chain.pem all exist. Prints nothing when there was nothing to do,
so lab.sh runs it on every start.
"""

import datetime
import ipaddress
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, SignatureAlgorithmOID

SERVER_NAME = "mail.mailtls.test"
WRONG_NAME = "wrong.example.test"
FAILURES_NAME = "auth-failures.mailtls.test"
MAILBOX_NAME = "mailbox.mailtls.test"
# The MAILBOX instance's address: its leaf names it too, so that clients of the OAuth fixture
# (Tests/Fixtures/oauth_server.py) can verify https://127.0.0.20:PORT/ against the lab CA.
MAILBOX_IP = ipaddress.ip_address("127.0.0.20")


def now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


# Leaves added after the first PKI layout; --add-missing creates these.
LATER_LEAVES = ("weak", "auth-failures", "mailbox")

# DER of the AlgorithmIdentifiers sha256WithRSAEncryption / sha1WithRSAEncryption
# (OID + NULL parameters; both the same length).
ALG_SHA256_RSA = bytes.fromhex("06092a864886f70d01010b0500")
ALG_SHA1_RSA = bytes.fromhex("06092a864886f70d0101050500")


def new_key(bits=2048):
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def name(cn):
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mailtls test lab"),
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
    ])


def build(subject_cn, key, issuer_cert, issuer_key, not_before, not_after,
          is_ca, pathlen=None, san=None, san_ips=()):
    """Build and sign one certificate. issuer_cert None => self-signed.
    san: DNS names, san_ips: IP addresses for the subjectAltName."""
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
    if san or san_ips:
        names = [x509.DNSName(n) for n in san or ()] + [x509.IPAddress(a) for a in san_ips]
        b = b.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return b.sign(signing_key, hashes.SHA256())


def der_tlv(tag, body):
    n = len(body)
    if n < 0x80:
        length = bytes([n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(b)]) + b
    return bytes([tag]) + length + body


def resign_sha1(cert, issuer_key):
    """Return `cert` (signed with sha256WithRSAEncryption) re-signed by
    issuer_key with sha1WithRSAEncryption.

    cryptography >= 4x refuses SHA-1 in CertificateBuilder.sign ("Hash
    algorithm "sha1" not supported for signatures"), but still signs raw data
    with SHA-1. So: take the TBSCertificate, swap its signature
    AlgorithmIdentifier for sha1WithRSAEncryption (same length, so no other
    length changes), sign it and assemble Certificate ::= SEQUENCE {
    tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }.
    """
    tbs = cert.tbs_certificate_bytes
    if tbs.count(ALG_SHA256_RSA) != 1:
        raise SystemExit("make_pki.py: unexpected TBSCertificate layout")
    tbs = tbs.replace(ALG_SHA256_RSA, ALG_SHA1_RSA)
    sig = issuer_key.sign(tbs, padding.PKCS1v15(), hashes.SHA1())
    der = der_tlv(0x30, tbs + der_tlv(0x30, ALG_SHA1_RSA) + der_tlv(0x03, b"\0" + sig))
    out = x509.load_der_x509_certificate(der)
    # Self-test: parses, says SHA-1, and the signature verifies.
    assert out.signature_algorithm_oid == SignatureAlgorithmOID.RSA_WITH_SHA1
    issuer_key.public_key().verify(out.signature, out.tbs_certificate_bytes,
                                   padding.PKCS1v15(), hashes.SHA1())
    return out


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


def later_leaf(label, inter, int_key, t):
    """Build one of LATER_LEAVES (also used by the full run)."""
    day = datetime.timedelta(days=1)
    if label == "weak":
        k = new_key(1024)
        c = build(SERVER_NAME, k, inter, int_key, t - day, t + 365 * day, False,
                  san=[SERVER_NAME])
        return k, resign_sha1(c, int_key)
    if label == "auth-failures":
        k = new_key()
        return k, build(FAILURES_NAME, k, inter, int_key, t - day, t + 365 * day, False,
                        san=[FAILURES_NAME])
    if label == "mailbox":
        k = new_key()
        return k, build(MAILBOX_NAME, k, inter, int_key, t - day, t + 365 * day, False,
                        san=[MAILBOX_NAME], san_ips=[MAILBOX_IP])
    raise ValueError(label)


def write_leaf(out, label, key, cert, inter):
    write(os.path.join(out, label + ".key"), pem_key(key), 0o600)
    write(os.path.join(out, label + ".pem"), pem_cert(cert))
    chain = pem_cert(cert)
    if label != "self-signed":
        chain += pem_cert(inter)   # leaf + intermediate, never the root
    write(os.path.join(out, label + ".chain.pem"), chain)   # written last


def leaf_present(out, label):
    return all(os.path.exists(os.path.join(out, label + ext))
               for ext in (".key", ".pem", ".chain.pem"))


def leaf_outdated(out, label):
    """True for a leaf made by an older make_pki.py that lacks what the lab now relies on:
    the mailbox leaf's IP address (added for the OAuth fixture's HTTPS endpoint)."""
    if label != "mailbox":
        return False
    with open(os.path.join(out, label + ".pem"), "rb") as f:
        cert = x509.load_pem_x509_certificate(f.read())
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return True
    return MAILBOX_IP not in san.get_values_for_type(x509.IPAddress)


def add_missing(out):
    if not os.path.exists(os.path.join(out, ".complete")):
        sys.exit("make_pki.py: %s has no complete PKI (run without --add-missing)" % out)
    with open(os.path.join(out, "intermediate-ca.pem"), "rb") as f:
        inter = x509.load_pem_x509_certificate(f.read())
    with open(os.path.join(out, "intermediate-ca.key"), "rb") as f:
        int_key = serialization.load_pem_private_key(f.read(), password=None)
    t = now()
    for label in LATER_LEAVES:
        if not leaf_present(out, label):
            what = "added"
        elif leaf_outdated(out, label):
            what = "renewed outdated"
        else:
            continue
        key, cert = later_leaf(label, inter, int_key, t)
        write_leaf(out, label, key, cert, inter)
        print("make_pki.py: %s %s leaf in %s" % (what, label, out))


def main():
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "--add-missing":
        return add_missing(args[1])
    if len(args) != 1 or args[0].startswith("-"):
        sys.exit("usage: make_pki.py [--add-missing] OUTDIR")
    out = args[0]
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
    for label in LATER_LEAVES:
        leaves[label] = later_leaf(label, inter, int_key, t)

    write(os.path.join(out, "root-ca.pem"), pem_cert(root))
    write(os.path.join(out, "root-ca.key"), pem_key(root_key), 0o600)
    write(os.path.join(out, "intermediate-ca.pem"), pem_cert(inter))
    write(os.path.join(out, "intermediate-ca.key"), pem_key(int_key), 0o600)
    for label, (key, cert) in leaves.items():
        write_leaf(out, label, key, cert, inter)
    # Incomplete chain: the good leaf alone (no intermediate); key is good.key.
    write(os.path.join(out, "incomplete.chain.pem"), pem_cert(leaves["good"][1]))
    write(os.path.join(out, ".complete"), b"ok\n")


if __name__ == "__main__":
    main()

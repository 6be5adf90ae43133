#!/usr/bin/env python3
"""Issues a P-256 server certificate from the lab's intermediate CA with the validity the test asks for, including a
start in the past (which `openssl x509 -req` cannot set): a 12-day certificate with 2 days left, as a monitor meets it.

Usage: issue_leaf.py INTERMEDIATE_PEM INTERMEDIATE_KEY OUT_DIR IP NOT_BEFORE_DAYS NOT_AFTER_DAYS
Writes OUT_DIR/leaf.key, OUT_DIR/leaf.pem and OUT_DIR/chain.pem (leaf + intermediate). Days count from now, negative
for the past.
"""
import datetime
import ipaddress
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

intermediate_pem, intermediate_key_pem, out_dir, ip, not_before_days, not_after_days = sys.argv[1:7]
with open(intermediate_pem, "rb") as handle:
    intermediate_bytes = handle.read()
intermediate = x509.load_pem_x509_certificate(intermediate_bytes)
with open(intermediate_key_pem, "rb") as handle:
    intermediate_key = serialization.load_pem_private_key(handle.read(), password=None)
now = datetime.datetime.now(datetime.timezone.utc)
key = ec.generate_private_key(ec.SECP256R1())
certificate = (
    x509.CertificateBuilder()
    .subject_name(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mailtls test lab"),
                             x509.NameAttribute(NameOID.COMMON_NAME, ip)]))
    .issuer_name(intermediate.subject)
    .public_key(key.public_key())
    .serial_number(x509.random_serial_number())
    .not_valid_before(now + datetime.timedelta(days=float(not_before_days)))
    .not_valid_after(now + datetime.timedelta(days=float(not_after_days)))
    .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    .add_extension(x509.KeyUsage(digital_signature=True, key_encipherment=True, content_commitment=False,
                                 data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                                 encipher_only=False, decipher_only=False), critical=True)
    .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))]), critical=False)
    .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(intermediate_key.public_key()), critical=False)
    .sign(intermediate_key, hashes.SHA256())
)
leaf_pem = certificate.public_bytes(serialization.Encoding.PEM)
with open(os.path.join(out_dir, "leaf.key"), "wb") as handle:
    handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption()))
with open(os.path.join(out_dir, "leaf.pem"), "wb") as handle:
    handle.write(leaf_pem)
with open(os.path.join(out_dir, "chain.pem"), "wb") as handle:
    handle.write(leaf_pem + intermediate_bytes)

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Write a PEM CRL of a test CA revoking the given certificates.

Usage: mkcrl.py CA.pem CA.key OUT.pem [REVOKED.pem...]
The CRL is valid from an hour ago for a day.
"""
import datetime
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization


def main():
    ca = x509.load_pem_x509_certificate(open(sys.argv[1], "rb").read())
    key = serialization.load_pem_private_key(open(sys.argv[2], "rb").read(),
                                             password=None)
    now = datetime.datetime.now(datetime.timezone.utc)
    b = (x509.CertificateRevocationListBuilder()
         .issuer_name(ca.subject)
         .last_update(now - datetime.timedelta(hours=1))
         .next_update(now + datetime.timedelta(days=1)))
    for path in sys.argv[4:]:
        cert = x509.load_pem_x509_certificate(open(path, "rb").read())
        b = b.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(cert.serial_number)
            .revocation_date(now - datetime.timedelta(minutes=1))
            .build())
    crl = b.sign(key, hashes.SHA256())
    open(sys.argv[3], "wb").write(crl.public_bytes(serialization.Encoding.PEM))


main()

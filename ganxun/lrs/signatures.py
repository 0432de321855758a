"""Signed statements (Data 2.6 in 1.0.3, the same rules in 2.0).

The signature is a JWS (compact serialisation) carried as an attachment with
usageType …/attachments/signature. The LRS must reject a malformed signature,
check that the signed payload is logically the statement it came with, and — when
the JWS header carries an X.509 certificate chain (x5c) — verify the signature
against that certificate. Without x5c there is no key to check against; the spec
leaves trust in the signer to the consumer.
"""

from __future__ import annotations

import base64
import binascii
import json

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ganxun.lrs.validation import StatementInvalid

ALGORITHMS = {"RS256": hashes.SHA256, "RS384": hashes.SHA384, "RS512": hashes.SHA512}


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_signed_statement(statement: dict, jws: bytes) -> None:
    """Raise StatementInvalid unless `jws` is a valid signature of `statement`."""
    from ganxun.lrs.services import statements_match  # the comparison rules live with storing

    try:
        header_b64, payload_b64, signature_b64 = jws.decode("ascii").strip().split(".")
        header = json.loads(_b64url(header_b64))
        payload = json.loads(_b64url(payload_b64))
        signature = _b64url(signature_b64)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise StatementInvalid("the signature is not a JWS in compact serialisation") from None
    if not isinstance(header, dict) or header.get("alg") not in ALGORITHMS:
        raise StatementInvalid("the JWS algorithm must be RS256, RS384 or RS512")
    if not isinstance(payload, dict):
        raise StatementInvalid("the JWS payload must be a statement")
    if not statements_match(payload, statement, ignore_attachments=True) or (
            "id" in payload and "id" in statement and str(payload["id"]).lower() != str(statement["id"]).lower()):
        raise StatementInvalid("the signed statement (JWS payload) does not match the statement")
    chain = header.get("x5c")
    if chain is None:
        return
    try:
        certificate = x509.load_der_x509_certificate(base64.b64decode(chain[0]))
        key = certificate.public_key()
    except (ValueError, TypeError, IndexError, KeyError, binascii.Error):
        raise StatementInvalid("the JWS x5c header does not hold an X.509 certificate") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise StatementInvalid("the x5c certificate does not hold an RSA key")
    try:
        key.verify(signature, f"{header_b64}.{payload_b64}".encode("ascii"), padding.PKCS1v15(),
                   ALGORITHMS[header["alg"]]())
    except InvalidSignature:
        raise StatementInvalid("the JWS signature does not verify against its x5c certificate") from None

"""Encryption at rest and keyed hashes for personal data.

Values are sealed with AES-256-GCM under settings.GANXUN_DATA_KEY and stored as
"v1:" + base64(nonce | ciphertext+tag); the version prefix leaves room to rotate
keys. Equality look-ups (find a person by ID number) use HMAC-SHA256 under a
separate key, so the database never holds a plain or an unkeyed-hashed number.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_PREFIX = "v1:"


@lru_cache(maxsize=4)
def _aead(key: bytes) -> AESGCM:
    return AESGCM(key)


def encrypt(plaintext: str) -> str:
    nonce = os.urandom(12)
    sealed = _aead(settings.GANXUN_DATA_KEY).encrypt(nonce, plaintext.encode(), None)
    return _PREFIX + base64.b64encode(nonce + sealed).decode()


def decrypt(token: str) -> str:
    if not token.startswith(_PREFIX):
        raise ValueError("unknown ciphertext version")
    raw = base64.b64decode(token[len(_PREFIX) :])
    return _aead(settings.GANXUN_DATA_KEY).decrypt(raw[:12], raw[12:], None).decode()


def keyed_hash(value: str) -> str:
    """Deterministic look-up key for a normalised value (hex HMAC-SHA256)."""
    return hmac.new(settings.GANXUN_HASH_KEY, value.encode(), hashlib.sha256).hexdigest()

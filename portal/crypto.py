"""Encryption at rest for secrets such as meeting passcodes.

Keys come from PASSCODE_KEYS (comma-separated Fernet keys, newest first). Rotation: put a
new key in front, deploy, run `python manage.py rotate_passcodes`, then drop the old key.
Without PASSCODE_KEYS a key is derived from SECRET_KEY (a system check warns in production).
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _keys() -> list[bytes]:
    configured = [k.strip() for k in settings.PASSCODE_KEYS if k.strip()]
    if configured:
        return [k.encode() for k in configured]
    digest = hashlib.sha256(("passcodes:" + settings.SECRET_KEY).encode()).digest()
    return [base64.urlsafe_b64encode(digest)]


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in _keys()])


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise ValueError("the secret cannot be decrypted with the configured keys") from None


def rotate(token: str) -> str:
    """Re-encrypt with the newest key (no-op in content)."""
    return _fernet().rotate(token.encode("ascii")).decode("ascii")

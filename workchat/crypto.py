"""Webhook URLs and signing secrets at rest: Fernet tokens under the keys in ``WORKCHAT_FERNET_KEYS``.

The first key encrypts, every key decrypts (``MultiFernet``), so a key is rotated by putting a new one first,
running ``manage.py workchat_rotate_keys`` and then dropping the old one (docs/operations.md).
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class KeysMissing(Exception):
    """No encryption key is configured (production without ``WORKCHAT_FERNET_KEYS``)."""


def _fernet() -> MultiFernet:
    keys = list(settings.WORKCHAT_FERNET_KEYS)
    if not keys:
        if not settings.DEBUG:
            raise KeysMissing("WORKCHAT_FERNET_KEYS is not set")
        # The demo and tests: a key derived from the (development) SECRET_KEY.
        keys = [
            base64.urlsafe_b64encode(hashlib.sha256(b"workchat:" + settings.SECRET_KEY.encode()).digest())
        ]
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:
        raise KeysMissing(f"WORKCHAT_FERNET_KEYS holds a key that is not a Fernet key ({exc})") from None


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def decrypt(token: str) -> str:
    """The plain value; ``InvalidToken`` when no configured key opens it."""
    return _fernet().decrypt(token.encode()).decode() if token else ""


def rotate(token: str) -> str:
    """The same value re-encrypted under the first key."""
    return _fernet().rotate(token.encode()).decode() if token else ""


__all__ = ["InvalidToken", "KeysMissing", "decrypt", "encrypt", "rotate"]

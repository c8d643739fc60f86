"""Encryption at rest of contact addresses: Fernet (AES-128-CBC with HMAC), rotatable keys."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class AddressCipher:
    """Encrypts with the first key and decrypts with any, so keys can be rotated."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("at least one encryption key is needed")
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])

    @classmethod
    def from_settings(cls, encryption_keys: str, secret_key: str) -> AddressCipher:
        """Keys from `VERTELPUNT_ENCRYPTION_KEYS` (comma separated), else one derived key."""
        keys = [k.strip() for k in encryption_keys.split(",") if k.strip()]
        return cls(keys or [derive_key(secret_key)])

    def encrypt(self, address: str) -> bytes:
        """Encrypt an address (a chat id or phone number)."""
        return self._fernet.encrypt(address.encode())

    def decrypt(self, token: bytes) -> str:
        """Decrypt an address; raises `InvalidToken` when no key fits."""
        return self._fernet.decrypt(token).decode()

    def rotate(self, token: bytes) -> bytes:
        """Re-encrypt with the newest key."""
        return self._fernet.rotate(token)


def derive_key(secret_key: str) -> str:
    """A Fernet key derived from the service secret, for when no key is configured."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"vertelpunt-address")
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode())).decode()


def new_key() -> str:
    """A fresh random key for `VERTELPUNT_ENCRYPTION_KEYS`."""
    return Fernet.generate_key().decode()


__all__ = ["AddressCipher", "InvalidToken", "derive_key", "new_key"]

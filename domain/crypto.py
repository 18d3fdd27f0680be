"""Encryption at rest for provider secrets stored in the database.

Values are Fernet-encrypted with SECRET_KEY; SECRET_KEY_FALLBACKS still decrypt, so rotating
the key loses nothing (``hotelbot rotate-secrets`` re-encrypts every value with the new key).
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from advanced_alchemy.types import EncryptedString
from advanced_alchemy.types.encrypted_string import FernetBackend
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from domain.settings import get_settings

KEY_SEPARATOR = "\n"


class SecretUndecryptable(ValueError):
    """A stored secret that neither SECRET_KEY nor any of SECRET_KEY_FALLBACKS decrypts."""

    def __init__(self) -> None:
        super().__init__("hotel secrets cannot be decrypted with SECRET_KEY")


def _fernet(secret: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest()))


class RotatingFernetBackend(FernetBackend):
    """Encrypts with the newest key, decrypts with any of them (cryptography's MultiFernet)."""

    def mount_vault(self, key: str | bytes) -> None:
        text = key.decode() if isinstance(key, bytes) else key
        secrets = [part for part in text.split(KEY_SEPARATOR) if part]
        self.fernet = MultiFernet([_fernet(secret) for secret in secrets])  # type: ignore[assignment]

    def decrypt(self, value: Any) -> str:
        try:
            return self.fernet.decrypt(str(value).encode()).decode("utf-8")
        except InvalidToken as exc:
            raise SecretUndecryptable from exc


def _keys() -> str:
    settings = get_settings()
    return KEY_SEPARATOR.join([settings.secret_key, *settings.secret_key_fallbacks])


def encrypted_string() -> EncryptedString:
    """A column type whose values are encrypted with SECRET_KEY (fallbacks still decrypt)."""
    return EncryptedString(key=_keys, backend=RotatingFernetBackend)


def decrypt(ciphertext: str) -> str:
    """A stored value in the clear (``SecretUndecryptable`` when no key opens it)."""
    backend = RotatingFernetBackend()
    backend.mount_vault(_keys())
    return backend.decrypt(ciphertext)

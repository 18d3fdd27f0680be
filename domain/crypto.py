"""Encryption at rest for provider secrets stored in the database."""

from __future__ import annotations

from advanced_alchemy.types import EncryptedString

from domain.settings import get_settings


def _key() -> str:
    return get_settings().secret_key


def encrypted_string() -> EncryptedString:
    """A column type whose values are Fernet-encrypted with SECRET_KEY."""
    return EncryptedString(key=_key)

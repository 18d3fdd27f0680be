"""Stored provider secrets: which hotels' cannot be read with SECRET_KEY, and re-encrypting them all
with the newest key after a rotation."""

from __future__ import annotations

import logging

from sqlalchemy import Text, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified

from domain.crypto import SecretUndecryptable, decrypt
from domain.hotels.models import Hotel
from domain.uow import UnitOfWork

log = logging.getLogger(__name__)

ENCRYPTED_FIELDS = ("green_api_token", "webhook_token", "llm_api_key")


async def reencrypt_hotel_secrets(uow: UnitOfWork) -> int:
    """Read every secret (any current or fallback key decrypts) and write it back (newest key)."""
    session = uow.session
    hotels = (await session.execute(select(Hotel))).scalars().all()
    for hotel in hotels:
        for name in ENCRYPTED_FIELDS:
            if getattr(hotel, name) is not None:
                flag_modified(hotel, name)
    await session.flush()
    return len(hotels)


async def hotels_with_unreadable_secrets(session: AsyncSession) -> list[str]:
    """The slugs of the hotels with a stored secret that no current or fallback key decrypts.

    The columns are read as stored (no decryption on load), so one bad row does not hide the others.
    """
    stored = [type_coerce(getattr(Hotel, name), Text) for name in ENCRYPTED_FIELDS]
    rows = (await session.execute(select(Hotel.slug, *stored).order_by(Hotel.slug))).all()
    unreadable = []
    for slug, *values in rows:
        try:
            for value in values:
                if value is not None:
                    decrypt(value)
        except SecretUndecryptable:
            unreadable.append(slug)
    return unreadable


def log_unreadable(slugs: list[str]) -> None:
    """The start-up error of web and worker processes that cannot read some hotels' secrets."""
    if slugs:
        log.error(
            "hotel secrets cannot be decrypted with SECRET_KEY or SECRET_KEY_FALLBACKS for: %s. "
            "Their webhooks answer 503 and their messages wait until the key is fixed.",
            ", ".join(slugs),
        )

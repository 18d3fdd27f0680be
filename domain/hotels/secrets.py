"""Re-encrypting stored provider secrets with the newest SECRET_KEY after a rotation."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified

from domain.hotels.models import Hotel

ENCRYPTED_FIELDS = ("green_api_token", "webhook_token", "llm_api_key")


async def reencrypt_hotel_secrets(session: AsyncSession) -> int:
    """Read every secret (any current or fallback key decrypts) and write it back (newest key)."""
    hotels = (await session.execute(select(Hotel))).scalars().all()
    for hotel in hotels:
        for name in ENCRYPTED_FIELDS:
            if getattr(hotel, name) is not None:
                flag_modified(hotel, name)
    await session.flush()
    return len(hotels)

"""Hotels as the webhook sees them: found by Green API instance, checked by token."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import Text, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from domain.crypto import SecretUndecryptable, decrypt
from domain.hotels.models import Hotel


class HotelSecretsUnreadable(SecretUndecryptable):
    """The hotel exists, but its stored webhook token does not decrypt with SECRET_KEY."""

    def __init__(self, hotel_id: UUID, slug: str):
        super().__init__()
        self.hotel_id = hotel_id
        self.slug = slug


@dataclass(frozen=True, slots=True)
class WebhookHotel:
    id: UUID
    webhook_token: str
    ai_enabled: bool


async def find_by_instance(session: AsyncSession, id_instance: int) -> WebhookHotel | None:
    """The hotel of a Green API instance, with its webhook token in the clear (and nothing else
    decrypted); ``HotelSecretsUnreadable`` when SECRET_KEY cannot open the token."""
    row = (
        await session.execute(
            select(Hotel.id, Hotel.slug, Hotel.ai_enabled, type_coerce(Hotel.webhook_token, Text)).where(
                Hotel.green_api_instance_id == id_instance
            )
        )
    ).one_or_none()
    if row is None:
        return None
    hotel_id, slug, ai_enabled, stored_token = row
    try:
        token = decrypt(stored_token)
    except SecretUndecryptable as exc:
        raise HotelSecretsUnreadable(hotel_id, slug) from exc
    return WebhookHotel(hotel_id, token, ai_enabled)


def token_matches(authorization: str | None, expected: str) -> bool:
    """``Authorization: Bearer <token>`` or the bare token, compared in constant time."""
    if not authorization or not expected:
        return False
    scheme, _, rest = authorization.strip().partition(" ")
    presented = rest.strip() if scheme.lower() == "bearer" and rest else authorization.strip()
    return hmac.compare_digest(presented.encode(), expected.encode())


async def hotel_timezone(session: AsyncSession, hotel_id: UUID) -> str:
    """The hotel's IANA time zone ("today" in the inbox and the timestamps staff read)."""
    timezone = (
        await session.execute(select(Hotel.timezone).where(Hotel.id == hotel_id))
    ).scalar_one_or_none()
    return timezone or "UTC"

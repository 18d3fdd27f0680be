"""Hotels as the webhook sees them: found by Green API instance, checked by token."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.hotels.models import Hotel


@dataclass(frozen=True, slots=True)
class WebhookHotel:
    id: UUID
    webhook_token: str
    ai_enabled: bool


async def find_by_instance(session: AsyncSession, id_instance: int) -> WebhookHotel | None:
    hotel = (
        await session.execute(select(Hotel).where(Hotel.green_api_instance_id == id_instance))
    ).scalar_one_or_none()
    if hotel is None:
        return None
    return WebhookHotel(hotel.id, hotel.webhook_token, hotel.ai_enabled)


def token_matches(authorization: str | None, expected: str) -> bool:
    """``Authorization: Bearer <token>`` or the bare token, compared in constant time."""
    if not authorization or not expected:
        return False
    scheme, _, rest = authorization.strip().partition(" ")
    presented = rest.strip() if scheme.lower() == "bearer" and rest else authorization.strip()
    return hmac.compare_digest(presented.encode(), expected.encode())

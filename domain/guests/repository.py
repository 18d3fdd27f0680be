"""Finding a guest by any WhatsApp id they go by. Always scoped by the hotel."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.guests.models import Guest


async def find_by_chat_id(
    session: AsyncSession, hotel_id: UUID, chat_id: str, *, lock: bool = False
) -> Guest | None:
    """The guest who goes by ``chat_id``, as the id they first wrote from or as their other id."""
    query = select(Guest).where(
        Guest.hotel_id == hotel_id, or_(Guest.chat_id == chat_id, Guest.alt_chat_id == chat_id)
    )
    if lock:
        query = query.with_for_update()
    return (await session.execute(query.limit(1))).scalar_one_or_none()

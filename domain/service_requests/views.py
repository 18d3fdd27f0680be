"""The requests board: open service requests of one hotel, by category and room."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from itertools import groupby
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.guests.models import Guest
from domain.service_requests.models import ServiceRequest
from domain.service_requests.rules import OPEN_STATUSES, board_order

BOARD_LIMIT = 500


@dataclass(frozen=True, slots=True)
class BoardItem:
    id: UUID
    category: str
    room: str
    details: str
    status: str
    created_at: datetime.datetime
    conversation_id: UUID | None
    guest_name: str


@dataclass(frozen=True, slots=True)
class BoardSection:
    category: str
    items: list[BoardItem]


async def load_board(session: AsyncSession, hotel_id: UUID) -> list[BoardSection]:
    """Every request of this hotel still to be done: categories A to Z, rooms in number order."""
    rows = await session.execute(
        select(ServiceRequest, Guest.name, Guest.phone)
        .outerjoin(Guest, Guest.id == ServiceRequest.guest_id)
        .where(ServiceRequest.hotel_id == hotel_id, ServiceRequest.status.in_(OPEN_STATUSES))
        .order_by(ServiceRequest.created_at)
        .limit(BOARD_LIMIT)
    )
    items = [
        BoardItem(
            id=request.id,
            category=request.category,
            room=request.room or "",
            details=request.details,
            status=request.status,
            created_at=request.created_at,
            conversation_id=request.conversation_id,
            guest_name=name or phone or "",
        )
        for request, name, phone in rows
    ]
    items.sort(key=lambda item: board_order(item.category, item.room))
    return [
        BoardSection(category, list(section)) for category, section in groupby(items, lambda i: i.category)
    ]

"""Guest data protection: export one guest's data, erase it, and purge old messages per hotel policy."""

from __future__ import annotations

import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.conversations.models import Conversation, Message, Note, StateTransition
from domain.guests.chat_ids import lookup_keys
from domain.guests.models import Guest
from domain.hotels.models import Hotel, InstanceEvent
from domain.requests.models import ServiceRequest


class GuestNotFound(LookupError):
    pass


async def find_guest(
    session: AsyncSession, hotel_id: UUID, *, guest_id: UUID | None = None, phone: str | None = None
) -> Guest:
    """By id, or by ``phone``: a number (``+49 170 1234567``) or a WhatsApp id (``…@c.us``, ``…@lid``),
    matched against every id and the number the guest is known by (docs/external-apis.md §A9)."""
    query = select(Guest).where(Guest.hotel_id == hotel_id)
    if guest_id is not None:
        query = query.where(Guest.id == guest_id)
    elif phone:
        keys = lookup_keys(phone)
        query = query.where(
            or_(Guest.phone.in_(keys), Guest.chat_id.in_(keys), Guest.alt_chat_id.in_(keys))
        ).limit(1)
    else:
        raise GuestNotFound("name a guest by id or phone")
    guest = (await session.execute(query)).scalar_one_or_none()
    if guest is None:
        raise GuestNotFound("no such guest at this hotel")
    return guest


def _iso(value: datetime.datetime | None) -> str | None:
    return value.isoformat() if value else None


async def export_guest(session: AsyncSession, hotel_id: UUID, guest: Guest) -> dict[str, Any]:
    """Everything stored about one guest (GDPR art. 15 / 20), as plain JSON-ready data."""
    conversations = (
        (await session.execute(select(Conversation).where(Conversation.guest_id == guest.id))).scalars().all()
    )
    ids = [c.id for c in conversations]
    messages = (
        (
            await session.execute(
                select(Message).where(Message.conversation_id.in_(ids)).order_by(Message.created_at)
            )
        )
        .scalars()
        .all()
    )
    notes = (await session.execute(select(Note).where(Note.conversation_id.in_(ids)))).scalars().all()
    requests = (
        (await session.execute(select(ServiceRequest).where(ServiceRequest.guest_id == guest.id)))
        .scalars()
        .all()
    )
    return {
        "guest": {
            "name": guest.name,
            "phone": guest.phone,
            "language": guest.language,
            "room": guest.room,
            "first_contact": _iso(guest.created_at),
            "last_message": _iso(guest.last_inbound_at),
        },
        "conversations": [
            {"id": str(c.id), "state": c.state.value, "started": _iso(c.created_at)} for c in conversations
        ],
        "messages": [
            {
                "at": _iso(m.created_at),
                "from": m.author.value,
                "direction": m.direction.value,
                "type": m.type_message,
                "text": m.text,
                "media_url": m.media_url,
                "status": m.status.value,
            }
            for m in messages
        ],
        "staff_notes": [{"at": _iso(n.created_at), "text": n.text} for n in notes],
        "service_requests": [
            {
                "at": _iso(r.created_at),
                "category": r.category,
                "details": r.details,
                "room": r.room,
                "status": r.status,
            }
            for r in requests
        ],
    }


async def erase_guest(session: AsyncSession, hotel_id: UUID, guest: Guest) -> int:
    """Remove the guest and everything that names them or quotes them (GDPR art. 17)."""
    conversation_ids = (
        (await session.execute(select(Conversation.id).where(Conversation.guest_id == guest.id)))
        .scalars()
        .all()
    )
    removed = 0
    for model, column in (
        (Message, Message.conversation_id),
        (Note, Note.conversation_id),
        (StateTransition, StateTransition.conversation_id),
    ):
        result = await session.execute(delete(model).where(column.in_(conversation_ids)))
        removed += int(result.rowcount)  # type: ignore[attr-defined]
    # What they wrote in group chats, where they are a participant rather than the chat.
    group_chats = (
        (
            await session.execute(
                delete(Message)
                .where(Message.hotel_id == hotel_id, Message.sender_id.in_(guest.chat_ids))
                .returning(Message.conversation_id)
            )
        )
        .scalars()
        .all()
    )
    removed += len(group_chats)
    if group_chats:  # the inbox preview may quote what they wrote
        await session.execute(
            update(Conversation).where(Conversation.id.in_(set(group_chats))).values(last_message_preview="")
        )
    await session.execute(delete(ServiceRequest).where(ServiceRequest.guest_id == guest.id))
    # Gateway notices (a blocked chat) carry the chat id.
    await session.execute(
        delete(InstanceEvent).where(
            InstanceEvent.hotel_id == hotel_id, InstanceEvent.detail.contains(guest.chat_id)
        )
    )
    await session.execute(delete(Conversation).where(Conversation.id.in_(conversation_ids)))
    await session.execute(delete(Guest).where(Guest.id == guest.id))
    return removed


async def purge_expired_messages(session: AsyncSession, now: datetime.datetime) -> int:
    """Delete messages older than each hotel's retention period (hotels without one keep everything)."""
    hotels = (
        await session.execute(select(Hotel.id, Hotel.retention_days).where(Hotel.retention_days.is_not(None)))
    ).all()
    removed = 0
    for hotel_id, days in hotels:
        cutoff = now - datetime.timedelta(days=days or 0)
        result = await session.execute(
            delete(Message).where(
                Message.hotel_id == hotel_id,
                Message.created_at < cutoff,
                or_(
                    Message.status.not_in(["queued", "sending"]),
                    Message.created_at < cutoff - datetime.timedelta(days=1),
                ),
            )
        )
        removed += int(result.rowcount)  # type: ignore[attr-defined]
        await session.execute(delete(Note).where(Note.hotel_id == hotel_id, Note.created_at < cutoff))
    return removed

"""Guest data protection: export one guest's data, erase it, and purge old messages per hotel policy."""

from __future__ import annotations

import datetime
import re
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.conversations.models import AiDraft, Conversation, Message, Note, StateTransition
from domain.errors import NotFound
from domain.events import GuestErased
from domain.guests.chat_ids import lookup_keys
from domain.guests.models import Guest
from domain.hotels.models import Hotel, InstanceEvent
from domain.service_requests.models import ServiceRequest
from domain.uow import UnitOfWork


class GuestNotFound(NotFound):
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


# What belongs to a guest, for export and erase alike: one definition each, so the export can never
# hold less than the erasure removes.


async def _conversation_ids(session: AsyncSession, hotel_id: UUID, guest: Guest) -> list[UUID]:
    query = select(Conversation.id).where(
        Conversation.hotel_id == hotel_id, Conversation.guest_id == guest.id
    )
    return list((await session.execute(query)).scalars().all())


def _in_their_conversations(conversation_ids: list[UUID]) -> ColumnElement[bool]:
    return Message.conversation_id.in_(conversation_ids)


def _written_in_groups(hotel_id: UUID, guest: Guest, conversation_ids: list[UUID]) -> ColumnElement[bool]:
    """What they wrote in group chats, where they are a participant rather than the chat."""
    return and_(
        Message.hotel_id == hotel_id,
        Message.sender_id.in_(guest.chat_ids),
        Message.conversation_id.not_in(conversation_ids),
    )


def _names_chat(detail: str, chat_id: str) -> bool:
    """The chat id as a whole word: ``491701234567@c.us`` is not part of ``1491701234567@c.us``."""
    return re.search(rf"(?<![\w.+-]){re.escape(chat_id)}(?![\w.-])", detail) is not None


async def _gateway_events(session: AsyncSession, hotel_id: UUID, guest: Guest) -> list[InstanceEvent]:
    """Gateway notices (a blocked chat) that carry one of the guest's chat ids. Matched literally: LIKE
    would read a guest's ``%`` or ``_`` as wildcards and take other guests' notices with theirs."""
    candidates = await session.execute(
        select(InstanceEvent)
        .where(
            InstanceEvent.hotel_id == hotel_id,
            or_(*(InstanceEvent.detail.contains(chat_id, autoescape=True) for chat_id in guest.chat_ids)),
        )
        .order_by(InstanceEvent.created_at)
    )
    return [
        event
        for event in candidates.scalars().all()
        if any(_names_chat(event.detail, chat_id) for chat_id in guest.chat_ids)
    ]


def _message(m: Message) -> dict[str, Any]:
    return {
        "at": _iso(m.created_at),
        "chat": m.chat_id,
        "from": m.author.value,
        "sender": m.sender_id,
        "sender_name": m.sender_name,
        "direction": m.direction.value,
        "type": m.type_message,
        "text": m.text,
        "media_url": m.media_url,
        "media_type": m.media_mime,
        "file_name": m.media_file_name,
        "latitude": m.latitude,
        "longitude": m.longitude,
        "details": m.details,
        "quoted_message": m.quoted_provider_id,
        "quoted_text": m.quoted_text,
        "whatsapp_id": m.provider_message_id,
        "whatsapp_timestamp": m.provider_timestamp,
        "status": m.status.value,
        "error": m.error,
    }


async def export_guest(session: AsyncSession, hotel_id: UUID, guest: Guest) -> dict[str, Any]:
    """Everything stored about one guest (GDPR art. 15 / 20), as plain JSON-ready data: whatever
    ``erase_guest`` removes is here."""
    ids = await _conversation_ids(session, hotel_id, guest)

    async def rows(query: Any) -> list[Any]:
        return list((await session.execute(query)).scalars().all())

    async def of_their_conversations(model: Any) -> list[Any]:
        return await rows(select(model).where(model.conversation_id.in_(ids)).order_by(model.created_at))

    conversations = await rows(select(Conversation).where(Conversation.id.in_(ids)))
    messages = await rows(select(Message).where(_in_their_conversations(ids)).order_by(Message.created_at))
    in_groups = await rows(
        select(Message).where(_written_in_groups(hotel_id, guest, ids)).order_by(Message.created_at)
    )
    notes = await of_their_conversations(Note)
    events = await of_their_conversations(StateTransition)
    drafts = await of_their_conversations(AiDraft)
    requests = await rows(
        select(ServiceRequest)
        .where(ServiceRequest.hotel_id == hotel_id, ServiceRequest.guest_id == guest.id)
        .order_by(ServiceRequest.created_at)
    )
    return {
        "guest": {
            "chat_id": guest.chat_id,
            "name": guest.name,
            "phone": guest.phone,
            "language": guest.language,
            "room": guest.room,
            "is_group": guest.is_group,
            "first_contact": _iso(guest.created_at),
            "last_message": _iso(guest.last_inbound_at),
        },
        "conversations": [
            {
                "id": str(c.id),
                "state": c.state.value,
                "started": _iso(c.created_at),
                "handoff_reason": c.handoff_reason,
                "handoff_summary": c.handoff_summary,
                "waiting_for_staff_since": _iso(c.needs_human_since),
                "waiting_for_ai_since": _iso(c.ai_pending_since),
                "last_message_at": _iso(c.last_message_at),
                "last_guest_message_at": _iso(c.last_guest_message_at),
                "last_message_preview": c.last_message_preview,
            }
            for c in conversations
        ],
        "messages": [_message(m) for m in messages],
        "group_messages": [_message(m) for m in in_groups],
        "staff_notes": [{"at": _iso(n.created_at), "text": n.text} for n in notes],
        # the AI's drafts for staff to approve (removed with the conversation)
        "ai_drafts": [
            {
                "at": _iso(d.created_at),
                "text": d.text,
                "why": d.why,
                "status": d.status,
                "decided_at": _iso(d.decided_at),
            }
            for d in drafts
        ],
        "events": [
            {
                "at": _iso(t.created_at),
                "from": t.from_state.value if t.from_state else None,
                "to": t.to_state.value,
                "reason": t.reason,
                "by": t.actor,
                "summary": t.summary,
            }
            for t in events
        ],
        "service_requests": [
            {
                "at": _iso(r.created_at),
                "category": r.category,
                "details": r.details,
                "room": r.room,
                "status": r.status,
                "created_by": r.created_by,
            }
            for r in requests
        ],
        "gateway_events": [
            {"at": _iso(e.created_at), "kind": e.kind, "detail": e.detail}
            for e in await _gateway_events(session, hotel_id, guest)
        ],
    }


async def erase_guest(uow: UnitOfWork, hotel_id: UUID, guest: Guest) -> int:
    """Remove the guest and everything that names them or quotes them (GDPR art. 17); their
    conversation leaves every staff screen once this commits."""
    session = uow.session
    conversation_ids = await _conversation_ids(session, hotel_id, guest)
    removed = 0
    for statement in (
        delete(Message).where(_in_their_conversations(conversation_ids)),
        delete(Note).where(Note.conversation_id.in_(conversation_ids)),
        delete(StateTransition).where(StateTransition.conversation_id.in_(conversation_ids)),
    ):
        result = await session.execute(statement)
        removed += int(result.rowcount)  # type: ignore[attr-defined]
    group_chats = (
        (
            await session.execute(
                delete(Message)
                .where(_written_in_groups(hotel_id, guest, conversation_ids))
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
    await session.execute(
        delete(ServiceRequest).where(ServiceRequest.hotel_id == hotel_id, ServiceRequest.guest_id == guest.id)
    )
    notices = [event.id for event in await _gateway_events(session, hotel_id, guest)]
    if notices:
        await session.execute(delete(InstanceEvent).where(InstanceEvent.id.in_(notices)))
    await session.execute(delete(Conversation).where(Conversation.id.in_(conversation_ids)))
    await session.execute(delete(Guest).where(Guest.id == guest.id))
    uow.publish(GuestErased(hotel_id=hotel_id))
    return removed


async def purge_expired_messages(uow: UnitOfWork, now: datetime.datetime) -> int:
    """Delete messages older than each hotel's retention period (hotels without one keep everything)."""
    session = uow.session
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
        await session.execute(
            delete(AiDraft).where(AiDraft.hotel_id == hotel_id, AiDraft.created_at < cutoff)
        )
    return removed

"""Two guests found to be one person become one guest with one conversation (docs/external-apis.md §A9).

It happens when a person wrote from their lid and from their number before the hotel could tell
the two apart. The guest seen first stays; the other one's messages, notes, audit trail and service
requests move into its conversation, its id becomes the kept guest's other id, and it is deleted.
"""

from __future__ import annotations

import datetime
from uuid import UUID

from sqlalchemy import delete, select, update

from domain.conversations import rules, transitions
from domain.conversations.models import (
    Author,
    Conversation,
    ConversationRead,
    Message,
    Note,
    State,
    StateTransition,
)
from domain.events import ConversationsMerged
from domain.guests import chat_ids
from domain.guests.models import Guest
from domain.ports import ai_reply_job
from domain.service_requests.models import ServiceRequest
from domain.uow import UnitOfWork


async def merge_guests(uow: UnitOfWork, first_id: UUID, second_id: UUID) -> Guest | None:
    """The guest that remains; None when one of them is gone already (merged by a concurrent job)."""
    session = uow.session
    guests = (
        (
            await session.execute(
                select(Guest)
                .where(Guest.id.in_([first_id, second_id]))
                .order_by(Guest.id)  # locks in one order: two jobs merging the same pair cannot deadlock
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        )
        .scalars()
        .all()
    )
    if len(guests) != 2 or guests[0].hotel_id != guests[1].hotel_id:
        return None
    kept, gone = sorted(guests, key=lambda g: (g.created_at, g.id))
    conversations = {
        c.guest_id: c
        for c in (
            await session.execute(
                select(Conversation)
                .where(Conversation.guest_id.in_([kept.id, gone.id]))
                .order_by(Conversation.id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).scalars()
    }
    kept_conversation, gone_conversation = conversations.get(kept.id), conversations.get(gone.id)
    if gone_conversation is not None and kept_conversation is None:
        gone_conversation.guest_id = kept.id
        await session.flush()  # before the guest it belonged to is deleted (with its conversations)
    elif gone_conversation is not None and kept_conversation is not None:
        await _fold(uow, kept_conversation, gone_conversation)
    await session.execute(
        update(ServiceRequest).where(ServiceRequest.guest_id == gone.id).values(guest_id=kept.id)
    )
    # The kept guest takes the other's id; its number's id first, as ``phone`` must then name it.
    missing = [c for c in gone.chat_ids if c not in kept.chat_ids]
    numbered = [c for c in missing if chat_ids.number_of(c)]
    other_id = next(iter(numbered if kept.phone_number is None and numbered else missing), None)
    name, language, room = gone.name, gone.language, gone.room
    last_inbound = [t for t in (kept.last_inbound_at, gone.last_inbound_at) if t is not None]
    await session.delete(gone)
    await session.flush()  # its ids and number are free before the kept guest takes them
    if kept.alt_chat_id is None and other_id is not None:
        kept.alt_chat_id = other_id
    if kept.phone_number is None and kept.alt_chat_id is not None and chat_ids.number_of(kept.alt_chat_id):
        kept.phone = chat_ids.phone_of(kept.alt_chat_id)
    kept.name = kept.name or name
    kept.language = kept.language or language
    kept.room = kept.room or room
    kept.last_inbound_at = max(last_inbound, default=None)
    return kept


async def _fold(uow: UnitOfWork, kept: Conversation, gone: Conversation) -> None:
    """``gone``'s history into ``kept``; ``kept`` takes the later activity and the state further
    from the AI (``rules.merged_state``)."""
    session = uow.session
    for model in (Message, Note, StateTransition, ServiceRequest):
        await session.execute(
            update(model).where(model.conversation_id == gone.id).values(conversation_id=kept.id)
        )
    await session.execute(delete(ConversationRead).where(ConversationRead.conversation_id == gone.id))
    later = max((kept, gone), key=lambda c: (c.last_message_at is not None, c.last_message_at))
    kept.last_message_at, kept.last_message_preview = later.last_message_at, later.last_message_preview
    guest_times = [t for t in (kept.last_guest_message_at, gone.last_guest_message_at) if t is not None]
    kept.last_guest_message_at = max(guest_times, default=None)
    state = rules.merged_state(kept.state, gone.state)
    change = None
    if state is not kept.state:
        by = rules.By(rules.Move.MERGE, "system", reason="guest_ids_merged")
        now = datetime.datetime.now(datetime.UTC)
        change = rules.transition(transitions.facts_of(kept), state, by, now=now)
        # The conversation further from the AI brings its hands and its hand-off along.
        kept.state = state
        kept.assigned_staff_id = gone.assigned_staff_id
        kept.needs_human_since = gone.needs_human_since
        kept.handoff_reason, kept.handoff_summary = gone.handoff_reason, gone.handoff_summary
    pending = [t for t in (kept.ai_pending_since, gone.ai_pending_since) if t is not None]
    kept.ai_pending_since = min(pending) if pending and state is State.AI else None
    await session.delete(gone)
    await session.flush()
    if change is not None:
        transitions.record(uow, change)
    uow.publish(ConversationsMerged(hotel_id=kept.hotel_id, conversation_id=kept.id, merged=gone.id))
    if kept.ai_pending_since is not None:
        # The AI turn of either conversation finds a newer guest message or no conversation now:
        # one turn answers everything the guest wrote under both ids.
        latest = (
            await session.execute(
                select(Message.id)
                .where(Message.conversation_id == kept.id, Message.author == Author.GUEST)
                .order_by(Message.created_at.desc())
                .limit(1)
            )
        ).scalar_one_or_none()
        if latest is not None:
            uow.enqueue(ai_reply_job(kept.id, latest, 0))

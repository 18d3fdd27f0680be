"""Use cases for what arrives from the gateway: guest messages, echoes, delivery ticks.

A guest message has two use cases, picked by the caller up front: ``receive_guest_message`` on the
driver unit of work (the webhook's hot path), and ``receive_guest_message_in_session`` for one that
needs the ORM session too (an unreadable message, answered with a request to send it again). Both
store through the same SQL and move the conversation through the same rule.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import asdict, dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import or_, select, update
from sqlalchemy.dialects.postgresql import insert

from domain import events
from domain.conversations import csat, rules, transitions
from domain.conversations.guest_texts import resend_please
from domain.conversations.ingest_sql import (
    IngestWork,
    StoredMessage,
    apply_move,
    read_again,
    store_guest_message,
)
from domain.conversations.models import (
    Author,
    Conversation,
    CsatSurvey,
    Delivery,
    Direction,
    Message,
    State,
    StateTransition,
)
from domain.conversations.outbound import after_queue, queue_outbound
from domain.errors import Conflict
from domain.events import InstanceStateChanged, MessageFailed, MessageStatusChanged, MessageStored
from domain.guests import chat_ids
from domain.guests.models import Guest
from domain.guests.repository import find_by_chat_id
from domain.hotels.models import Hotel, InstanceEvent
from domain.integrations.green_api_webhooks import (
    ChatMessage,
    InstanceNotice,
    InstanceStateChange,
    MessageContent,
    StatusUpdate,
)
from domain.ports import ai_reply_job, echo_again_job, link_guest_job
from domain.uow import DriverUnitOfWork, UnitOfWork

log = logging.getLogger(__name__)

# Long enough for a send job to store the idMessage Green API answered, after the echo overtook it.
ECHO_LOOK_AGAIN_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class HotelRef:
    """What ingest needs to know about the hotel a webhook belongs to."""

    id: UUID
    ai_enabled: bool


async def _upsert_conversation(uow: UnitOfWork, hotel_id: UUID, msg: ChatMessage) -> UUID:
    """The conversation of the chat a message the hotel sent belongs to (opened if need be)."""
    now = datetime.datetime.now(datetime.UTC)
    known = await find_by_chat_id(uow.session, hotel_id, msg.chat_id)
    if known is not None:  # under either of the guest's ids (docs/external-apis.md §A9)
        guest_id = known.id
    else:
        guest_stmt = (
            insert(Guest)
            .values(
                hotel_id=hotel_id,
                chat_id=msg.chat_id,
                phone=chat_ids.phone_of(msg.chat_id),
                name="",
                is_group=msg.is_group,
            )
            .on_conflict_do_update(index_elements=[Guest.hotel_id, Guest.chat_id], set_={"updated_at": now})
            .returning(Guest.id)
        )
        guest_id = (await uow.session.execute(guest_stmt)).scalar_one()
    conversation_stmt = (
        insert(Conversation)
        .values(hotel_id=hotel_id, guest_id=guest_id, state=State.AI, last_message_preview="")
        .on_conflict_do_update(
            index_elements=[Conversation.hotel_id, Conversation.guest_id],
            set_={"updated_at": now},
        )
        .returning(Conversation.id)
    )
    return (await uow.session.execute(conversation_stmt)).scalar_one()


async def _store_staff_side(
    uow: UnitOfWork, hotel: HotelRef, msg: ChatMessage, via: str
) -> tuple[UUID, UUID | None]:
    """A message the hotel sent other than through our outbox (``via`` the phone or the API), kept
    as a staff-side message of its chat's conversation: the conversation's id, and the message's
    (None for a duplicate)."""
    conversation_id = await _upsert_conversation(uow, hotel.id, msg)
    values = _message_values(hotel.id, conversation_id, msg)
    values.update(direction=Direction.OUT, author=Author.STAFF, status=Delivery.SENT, details={"via": via})
    stmt = (
        insert(Message)
        .values(**values)
        .on_conflict_do_nothing(
            index_elements=[Message.hotel_id, Message.chat_id, Message.provider_message_id]
        )
        .returning(Message.id)
    )
    return conversation_id, (await uow.session.execute(stmt)).scalar_one_or_none()


def _message_values(hotel_id: UUID, conversation_id: UUID | None, msg: ChatMessage) -> dict[str, Any]:
    # Field by field, not dataclasses.asdict: this runs for every guest message, and asdict's
    # deep copy cost bench.ingest about 5% of its throughput.
    content = msg.content
    return {
        "hotel_id": hotel_id,
        "conversation_id": conversation_id,
        "chat_id": msg.chat_id,
        "type_message": content.type_message,
        "text": content.text,
        "sender_name": msg.sender_name or None,
        "sender_id": msg.sender_id,
        "media_url": content.media_url,
        "media_mime": content.media_mime,
        "media_file_name": content.media_file_name,
        "latitude": content.latitude,
        "longitude": content.longitude,
        "details": content.details,
        "quoted_provider_id": content.quoted_provider_id,
        "quoted_text": content.quoted_text,
        "provider_message_id": msg.id_message,
        "provider_timestamp": msg.timestamp or None,
        "sources": [],
        "attempts": 0,
    }


class ConversationKeptMoving(Conflict):
    """Staff moved the conversation again and again while a guest message was being stored."""


MOVE_TRIES = 5
_WORDS = frozenset({"textMessage", "extendedTextMessage", "quotedMessage"})


async def _store_guest_message(
    db: IngestWork, hotel: HotelRef, msg: ChatMessage, *, debounce_seconds: float
) -> StoredMessage | None:
    """Store a guest message exactly once, move the conversation if the rule says so (a resolved
    one reopens), and wake the AI if it is its turn. None for a duplicate."""
    now = datetime.datetime.now(datetime.UTC)
    may_wake_ai = (
        hotel.ai_enabled
        and not msg.is_group
        and msg.content.type_message != "reactionMessage"
        and not msg.content.undecryptable
    )
    other_chat_id = chat_ids.chat_from_sender_phone(msg.chat_id, msg.sender_phone)
    stored = await store_guest_message(
        db,
        _message_values(hotel.id, None, msg),
        phone=chat_ids.phone_of(other_chat_id or msg.chat_id),
        is_group=msg.is_group,
        now=now,
        preview=rules.preview(msg.content.text, msg.content.type_message),
        may_wake_ai=may_wake_ai,
        other_chat_id=other_chat_id,
    )
    if stored is None:
        return None
    if chat_ids.should_link(
        msg.chat_id,
        created=stored.guest_created,
        alt_chat_id=stored.guest_alt_chat_id,
        other_chat_id=other_chat_id,
    ):
        seen = [msg.chat_id] if other_chat_id is None else [msg.chat_id, other_chat_id]
        db.enqueue(link_guest_job(stored.guest_id, seen))
    facts = stored.facts
    # The answer to the satisfaction question: kept, and nobody is woken for it.
    may_answer = facts.state is State.RESOLVED and not msg.is_group and msg.content.type_message in _WORDS
    if may_answer and await csat.take_answer(
        db,
        hotel_id=hotel.id,
        conversation_id=facts.conversation_id,
        message_id=stored.message_id,
        text=msg.content.text,
        now=now,
    ):
        return stored
    for _ in range(MOVE_TRIES):
        change = rules.transition(facts, rules.state_after_guest_message(facts.state), rules.GUEST, now=now)
        if change is None:
            break
        wakes = may_wake_ai and rules.ai_should_answer(
            change.after.state, is_group=msg.is_group, ai_enabled=hotel.ai_enabled
        )
        pending = now if wakes else change.after.ai_pending_since
        if await apply_move(db, change, now=now, ai_pending_since=pending):
            db.publish(change.event)
            facts = change.after
            break
        facts = await read_again(db, facts, may_wake_ai=may_wake_ai, now=now)
    else:
        raise ConversationKeptMoving(str(facts.conversation_id))
    db.publish(
        MessageStored(hotel_id=hotel.id, conversation_id=facts.conversation_id, message_id=stored.message_id)
    )
    if may_wake_ai and rules.ai_should_answer(
        facts.state, is_group=msg.is_group, ai_enabled=hotel.ai_enabled
    ):
        db.enqueue(ai_reply_job(facts.conversation_id, stored.message_id, debounce_seconds))
    return stored


async def receive_guest_message(
    db: DriverUnitOfWork, hotel: HotelRef, msg: ChatMessage, *, debounce_seconds: float
) -> UUID | None:
    """The webhook's hot path for a guest message: plain driver statements, no ORM session. An
    unreadable message needs the session for its reply: ``receive_guest_message_in_session``."""
    stored = await _store_guest_message(db, hotel, msg, debounce_seconds=debounce_seconds)
    return stored.message_id if stored is not None else None


async def receive_guest_message_in_session(
    uow: UnitOfWork, hotel: HotelRef, msg: ChatMessage, *, debounce_seconds: float
) -> UUID | None:
    """A guest message, stored the same way inside a session's transaction; an unreadable one
    (WhatsApp could not decrypt it) gets a reply asking the guest to send it again."""
    stored = await _store_guest_message(uow, hotel, msg, debounce_seconds=debounce_seconds)
    if stored is None:
        return None
    if msg.content.undecryptable and not msg.is_group:
        # In the language the worker last recognised: the web process has no detector, and an
        # unreadable message has no text to detect anyway.
        language = await uow.session.scalar(select(Guest.language).where(Guest.id == stored.guest_id))
        reply = queue_outbound(
            uow,
            hotel_id=hotel.id,
            conversation_id=stored.conversation_id,
            chat_id=msg.chat_id,
            text=resend_please(language),
            author=Author.SYSTEM,
        )
        await after_queue(uow, reply)
    return stored.message_id


async def record_phone_reply(uow: UnitOfWork, hotel: HotelRef, msg: ChatMessage) -> UUID | None:
    """A staff member answered from the hotel's own phone: store it, and the AI goes quiet."""
    conversation_id, message_id = await _store_staff_side(uow, hotel, msg, "phone")
    if message_id is None:
        return None
    conversation = await uow.conversations.lock(hotel.id, conversation_id)
    assert conversation is not None  # upserted above, in this transaction
    transitions.move(uow, conversation, State.HUMAN, rules.PHONE)
    await uow.conversations.close_breaches(conversation_id, None)
    conversation.last_message_at = datetime.datetime.now(datetime.UTC)
    conversation.ai_pending_since = None
    uow.publish(MessageStored(hotel_id=hotel.id, conversation_id=conversation_id, message_id=message_id))
    return message_id


async def match_api_echo(
    uow: UnitOfWork, hotel: HotelRef, msg: ChatMessage, *, last_look: bool = False
) -> UUID | None:
    """``outgoingAPIMessageReceived`` echoes our own send: attach its id to the outbox row.

    Green API may name the chat by the guest's other id than the one we sent to
    (docs/external-apis.md §A9, green-api #1018: sent to ``…@c.us``, echoed as ``…@lid``), so every
    id of the guest counts. An echo under a lid that matches nothing yet may be of a send whose id
    the send job has not stored yet: the worker looks again shortly (``last_look``) before keeping
    it as a message of its own.
    """
    ids = await _ids_of(uow, hotel, msg.chat_id, msg.id_message)
    if ids is None or await _known(uow, hotel, ids, msg.id_message):
        return None  # our send, already recorded with this id
    pending = await uow.session.scalar(
        select(Message)
        .where(
            Message.hotel_id == hotel.id,
            Message.chat_id.in_(ids),
            Message.direction == Direction.OUT,
            Message.provider_message_id.is_(None),
            Message.status.in_([Delivery.QUEUED, Delivery.SENDING]),
            Message.text == (msg.content.text or ""),
        )
        .order_by(Message.created_at)
        .limit(1)
        .with_for_update()
    )
    if pending is not None:
        pending.provider_message_id = msg.id_message
        pending.status = Delivery.SENT
        uow.publish(
            MessageStatusChanged(
                hotel_id=hotel.id,
                conversation_id=pending.conversation_id,
                message_id=pending.id,
                status="sent",
            )
        )
        return pending.id
    if await _known(uow, hotel, ids, msg.id_message):
        # The send job stored the id while we looked: the row we waited for no longer was pending.
        return None
    if chat_ids.is_lid(msg.chat_id) and not last_look:
        uow.enqueue(echo_again_job(hotel.id, hotel.ai_enabled, asdict(msg), ECHO_LOOK_AGAIN_SECONDS))
        return None
    # Sent through the API by something other than us: keep it, as a staff-side message.
    conversation_id, message_id = await _store_staff_side(uow, hotel, msg, "api")
    if message_id is not None:
        uow.publish(MessageStored(hotel_id=hotel.id, conversation_id=conversation_id, message_id=message_id))
    return message_id


async def match_api_echo_again(uow: UnitOfWork, hotel: HotelRef, echo: dict[str, Any]) -> UUID | None:
    """The last look at an echo ``match_api_echo`` could not place (a job's argument, as a dict)."""
    msg = ChatMessage(**{**echo, "content": MessageContent(**echo["content"])})
    return await match_api_echo(uow, hotel, msg, last_look=True)


async def _known(uow: UnitOfWork, hotel: HotelRef, ids: tuple[str, ...], id_message: str) -> bool:
    found = await uow.session.scalar(
        select(Message.id)
        .where(
            Message.hotel_id == hotel.id, Message.chat_id.in_(ids), Message.provider_message_id == id_message
        )
        .limit(1)
    )
    return found is not None


async def _ids_of(uow: UnitOfWork, hotel: HotelRef, chat_id: str, id_message: str) -> tuple[str, ...] | None:
    """The chat ids under which to look for a message of ours Green API reports under ``chat_id``:
    every id of the guest who goes by it (docs/external-apis.md §A9, green-api #1018: sent to
    ``…@c.us``, reported as ``…@lid``).

    None when ``chat_id`` is a lid and the message is a send of ours to another guest: that guest's
    lid, not yet known as theirs (or held by a second guest who is the same person). The worker links
    it to them, or merges the two.
    """
    guest = await find_by_chat_id(uow.session, hotel.id, chat_id)
    ids = guest.chat_ids if guest is not None else (chat_id,)
    if not chat_ids.is_lid(chat_id) or await _known(uow, hotel, ids, id_message):
        return ids
    ours = await uow.session.scalar(
        select(Conversation.guest_id)
        .join(Message, Message.conversation_id == Conversation.id)
        .where(
            Message.hotel_id == hotel.id,
            Message.provider_message_id == id_message,
            Message.direction == Direction.OUT,
        )
        .limit(1)
    )
    if ours is None or (guest is not None and ours == guest.id):
        return ids
    uow.enqueue(link_guest_job(ours, [chat_id]))
    return None


async def apply_status(uow: UnitOfWork, hotel: HotelRef, update_: StatusUpdate) -> bool:
    """Delivery ticks, applied monotonically; a failure alerts staff live. Like the echo, a status
    may name the chat by either of the guest's ids (docs/external-apis.md §A9)."""
    query = select(Message).where(
        Message.hotel_id == hotel.id, Message.provider_message_id == update_.id_message
    )
    ids = await _ids_of(uow, hotel, update_.chat_id, update_.id_message) if update_.chat_id else None
    if ids is not None:
        query = query.where(Message.chat_id.in_(ids))
    message = (await uow.session.execute(query.with_for_update())).scalars().first()
    if message is None:
        return False
    reported = rules.PROVIDER_STATUS[update_.status]
    new = rules.next_delivery(message.status, reported)
    if new is message.status:
        return True
    message.status = new
    about = {"hotel_id": hotel.id, "conversation_id": message.conversation_id, "message_id": message.id}
    if new is Delivery.FAILED:
        message.error = f"{update_.status}: {update_.description}".strip(": ")
        uow.publish(MessageFailed(**about, error=message.error))
    else:
        uow.publish(MessageStatusChanged(**about, status=new.value))
    return True


async def record_instance_state(uow: UnitOfWork, hotel: HotelRef, change: InstanceStateChange) -> None:
    await uow.session.execute(
        update(Hotel)
        .where(Hotel.id == hotel.id)
        .values(instance_state=change.state, instance_state_at=datetime.datetime.now(datetime.UTC))
    )
    uow.session.add(InstanceEvent(hotel_id=hotel.id, kind="stateInstanceChanged", detail=change.state))
    uow.publish(InstanceStateChanged(hotel_id=hotel.id, state=change.state))


async def record_instance_notice(uow: UnitOfWork, hotel: HotelRef, notice: InstanceNotice) -> None:
    uow.session.add(InstanceEvent(hotel_id=hotel.id, kind=notice.kind, detail=notice.detail))
    uow.publish(events.InstanceNotice(hotel_id=hotel.id, notice=notice.kind, detail=notice.detail))


async def handle_event(uow: UnitOfWork, hotel: HotelRef, event: object, *, debounce_seconds: float) -> str:
    """Route one decoded webhook to its use case on the session; answers what happened, for
    metrics. (The webhook sends a readable guest message to ``receive_guest_message`` instead.)"""
    if isinstance(event, ChatMessage):
        if event.kind == "incomingMessageReceived":
            stored = await receive_guest_message_in_session(
                uow, hotel, event, debounce_seconds=debounce_seconds
            )
        elif event.kind == "outgoingMessageReceived":
            stored = await record_phone_reply(uow, hotel, event)
        else:
            stored = await match_api_echo(uow, hotel, event)
        return "stored" if stored else "duplicate"
    if isinstance(event, StatusUpdate):
        return "status" if await apply_status(uow, hotel, event) else "status_unknown_message"
    if isinstance(event, InstanceStateChange):
        await record_instance_state(uow, hotel, event)
        return "state"
    if isinstance(event, InstanceNotice):
        await record_instance_notice(uow, hotel, event)
        return "notice"
    return "ignored"


async def reopen_stranded(
    uow: UnitOfWork, *, settled_before: datetime.datetime, since: datetime.datetime
) -> int:
    """Finish reopens a crash cut short. The fast ingest stores a guest message in one statement and
    reopens a resolved conversation in a second (the rule decides in Python): a process killed in
    between leaves the message stored, the conversation resolved and nobody told, and Green API's
    resend is then a duplicate. A resolved conversation whose guest wrote after it was resolved is
    exactly that; the sweep moves it by the same rule and wakes the AI as ingest would have."""
    resolved_at = (
        select(StateTransition.created_at)
        .where(StateTransition.conversation_id == Conversation.id, StateTransition.to_state == State.RESOLVED)
        .order_by(StateTransition.created_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = (
        await uow.session.execute(
            select(Conversation, Guest.is_group, Hotel.ai_enabled)
            .join(Guest, Guest.id == Conversation.guest_id)
            .join(Hotel, Hotel.id == Conversation.hotel_id)
            .where(
                Conversation.state == State.RESOLVED,
                Conversation.last_guest_message_at > since,
                Conversation.last_guest_message_at < settled_before,
                Conversation.last_guest_message_at > resolved_at,
                # A guest who answered the satisfaction question wrote after the resolve too.
                ~select(CsatSurvey.id)
                .where(
                    CsatSurvey.conversation_id == Conversation.id,
                    or_(
                        CsatSurvey.answered_at >= Conversation.last_guest_message_at,
                        CsatSurvey.comment_at >= Conversation.last_guest_message_at,
                    ),
                )
                .exists(),
            )
            .limit(100)
            .with_for_update(of=Conversation, skip_locked=True)
        )
    ).all()
    now = datetime.datetime.now(datetime.UTC)
    for conversation, is_group, ai_enabled in rows:
        change = rules.transition(transitions.facts_of(conversation), State.AI, rules.GUEST, now=now)
        if change is None:
            continue
        transitions.apply(uow, conversation, change)
        if rules.ai_should_answer(change.after.state, is_group=is_group, ai_enabled=ai_enabled):
            latest = await uow.conversations.latest_guest_message(conversation.id)
            if latest is not None:
                conversation.ai_pending_since = now
                uow.enqueue(ai_reply_job(conversation.id, latest, 0))
    return len(rows)

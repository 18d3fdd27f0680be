"""Read models for staff screens: the inbox and one conversation. Always scoped by the acting hotel."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID

from sqlalchemy import and_, exists, func, or_, select, true
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.conversations.models import (
    Author,
    Conversation,
    ConversationRead,
    Message,
    Note,
    SavedReply,
    State,
    StateTransition,
)
from domain.conversations.rules import web_link
from domain.guests.models import Guest
from domain.knowledge.models import KnowledgeEntry
from domain.service_requests.models import ServiceRequest
from domain.service_requests.rules import OPEN_STATUSES
from domain.staff.models import Membership, StaffUser

SECTION_LIMIT = 100
MAX_SEARCH = 100


class Reader(Protocol):
    """Runs one statement on a driver connection (``domain.uow.DriverUnitOfWork`` is one)."""

    async def fetch(self, sql: str, *args: Any) -> list[Any]: ...


REASON_LABELS = {
    "guest_requested_human": "guest asked for a person",
    "not_in_knowledge": "the knowledge has no answer",
    "ai_failure": "the AI was unavailable",
    "complaint": "complaint",
    "booking_change": "booking change",
    "staff_took_over": "took over",
    "staff_replied": "replied and took over",
    "staff_handed_back": "handed back to the AI",
    "staff_resolved": "resolved",
    "replied_from_phone": "replied from the hotel phone",
    "guest_wrote_again": "guest wrote again",
    "assigned": "assigned",
    "taken_over_from": "took over",
    "staff_reopened": "reopened the conversation",
}


@dataclass(frozen=True, slots=True)
class OpenRequest:
    """The oldest service request of a conversation still to be done, and how many more there are."""

    category: str
    room: str
    more: int


@dataclass(frozen=True, slots=True)
class InboxRow:
    id: UUID
    guest_name: str
    phone: str
    state: State
    preview: str
    last_message_at: datetime.datetime | None
    waiting_since: datetime.datetime | None
    assigned_name: str | None
    handoff_reason: str | None
    unread: bool
    language: str = ""
    room: str = ""
    open_request: OpenRequest | None = None


@dataclass(frozen=True, slots=True)
class Inbox:
    needs_human: list[InboxRow]
    mine: list[InboxRow]
    others: list[InboxRow]
    ai: list[InboxRow]
    resolved_today: list[InboxRow]
    query: str = ""

    @property
    def waiting(self) -> int:
        return len(self.needs_human)

    @property
    def unread(self) -> int:
        return sum(
            row.unread for section in (self.needs_human, self.mine, self.others, self.ai) for row in section
        )


@dataclass(frozen=True, slots=True)
class InboxEntry:
    """One conversation as the inbox lists it, before it is seen through a staff member's eyes."""

    id: UUID
    guest_name: str
    phone: str
    state: State
    preview: str
    last_message_at: datetime.datetime | None
    last_guest_message_at: datetime.datetime | None
    waiting_since: datetime.datetime | None
    updated_at: datetime.datetime
    assigned_staff_id: UUID | None
    assigned_name: str | None
    handoff_reason: str | None
    language: str = ""
    room: str = ""
    open_request: OpenRequest | None = None


def _columns(open_requests: Any) -> Any:
    return select(
        Conversation.id,
        Guest.name,
        Guest.phone,
        Conversation.state,
        Conversation.last_message_preview,
        Conversation.last_message_at,
        Conversation.last_guest_message_at,
        Conversation.needs_human_since,
        Conversation.updated_at,
        Conversation.assigned_staff_id,
        StaffUser.name,
        Conversation.handoff_reason,
        Guest.language,
        Guest.room,
        open_requests.c.category,
        open_requests.c.room,
        open_requests.c.open_count,
    )


async def load_inbox_snapshot(
    session: AsyncSession, hotel_id: UUID, *, today_start: datetime.datetime, query: str = ""
) -> list[InboxEntry]:
    """Everything any staff member's inbox shows, in two column-only queries: the conversations in
    a person's hands (all of them), then the AI's and today's resolved ones (the latest)."""
    open_requests = (
        select(ServiceRequest.category, ServiceRequest.room, func.count().over().label("open_count"))
        .where(
            ServiceRequest.conversation_id == Conversation.id,
            ServiceRequest.hotel_id == hotel_id,
            ServiceRequest.status.in_(OPEN_STATUSES),
        )
        .order_by(ServiceRequest.created_at)
        .limit(1)
        .lateral("open_request")
    )
    base = (
        _columns(open_requests)
        .join(Guest, Guest.id == Conversation.guest_id)
        .outerjoin(StaffUser, StaffUser.id == Conversation.assigned_staff_id)
        .outerjoin(open_requests, true())
        .where(Conversation.hotel_id == hotel_id, Conversation.last_message_at.is_not(None))
    )
    query = query.strip()[:MAX_SEARCH]
    if query:
        pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        base = base.where(
            or_(
                Guest.name.ilike(pattern),
                Guest.phone.ilike(pattern),
                exists().where(Message.conversation_id == Conversation.id, Message.text.ilike(pattern)),
            )
        )
    people = base.where(Conversation.state.in_([State.NEEDS_HUMAN, State.HUMAN])).limit(4 * SECTION_LIMIT)
    rest = (
        base.where(
            or_(
                Conversation.state == State.AI,
                and_(Conversation.state == State.RESOLVED, Conversation.updated_at >= today_start),
            )
        )
        .order_by(Conversation.last_message_at.desc())
        .limit(2 * SECTION_LIMIT)
    )
    entries: list[InboxEntry] = []
    for statement in (people, rest):
        entries.extend(_entry(row) for row in await session.execute(statement))
    return entries


def _entry(row: Any) -> InboxEntry:
    return InboxEntry(
        id=row[0],
        guest_name=row[1] or row[2],
        phone=row[2],
        state=State(row[3]),
        preview=row[4],
        last_message_at=row[5],
        last_guest_message_at=row[6],
        waiting_since=row[7],
        updated_at=row[8],
        assigned_staff_id=row[9],
        assigned_name=row[10],
        handoff_reason=REASON_LABELS.get(row[11] or "", row[11]),
        language=row[12] or "",
        room=row[13] or "",
        open_request=OpenRequest(row[14], row[15] or "", row[16] - 1) if row[14] is not None else None,
    )


# The live dashboard reads the same inbox (no search) many times a second: the two queries of
# ``load_inbox_snapshot`` in plain SQL for the driver pool, prepared once per connection, without
# the ORM session's BEGIN and ROLLBACK. tests/integration/live/test_live.py checks both give the same.
# $2: the statuses of a service request still to be done (``OPEN_STATUSES``, one rule for both).
_SNAPSHOT_COLUMNS = """
SELECT c.id, g.name, g.phone, c.state::text, c.last_message_preview, c.last_message_at,
       c.last_guest_message_at, c.needs_human_since, c.updated_at, c.assigned_staff_id, s.name,
       c.handoff_reason, g.language, g.room, r.category, r.room, r.open_count
FROM conversations c
JOIN guests g ON g.id = c.guest_id
LEFT JOIN staff_users s ON s.id = c.assigned_staff_id
LEFT JOIN LATERAL (
    SELECT sr.category, sr.room, count(*) OVER () AS open_count
    FROM service_requests sr
    WHERE sr.conversation_id = c.id AND sr.hotel_id = $1 AND sr.status = ANY($2::text[])
    ORDER BY sr.created_at
    LIMIT 1
) r ON true
WHERE c.hotel_id = $1 AND c.last_message_at IS NOT NULL
"""
SNAPSHOT_PEOPLE_SQL = _SNAPSHOT_COLUMNS + "AND c.state IN ('needs_human', 'human') LIMIT $3"
SNAPSHOT_REST_SQL = (
    _SNAPSHOT_COLUMNS
    + "AND (c.state = 'ai' OR (c.state = 'resolved' AND c.updated_at >= $3)) "
    + "ORDER BY c.last_message_at DESC LIMIT $4"
)
READ_MARKS_SQL = (
    "SELECT staff_id, conversation_id, seen_at FROM conversation_reads "
    "WHERE staff_id = ANY($1::uuid[]) AND conversation_id = ANY($2::uuid[])"
)


async def load_live_snapshot(
    db: Reader, hotel_id: UUID, staff_ids: list[UUID], *, today_start: datetime.datetime
) -> tuple[list[InboxEntry], dict[tuple[UUID, UUID], datetime.datetime]]:
    """The hotel's inbox and how far each of these staff members has read it, on a plain driver
    connection (``Reader``): what every live push starts from."""
    statuses = list(OPEN_STATUSES)
    entries = [
        _entry(row) for row in await db.fetch(SNAPSHOT_PEOPLE_SQL, hotel_id, statuses, 4 * SECTION_LIMIT)
    ]
    entries += [
        _entry(row)
        for row in await db.fetch(SNAPSHOT_REST_SQL, hotel_id, statuses, today_start, 2 * SECTION_LIMIT)
    ]
    marks: dict[tuple[UUID, UUID], datetime.datetime] = {}
    if staff_ids and entries:
        rows = await db.fetch(READ_MARKS_SQL, staff_ids, [e.id for e in entries])
        marks = {(row[0], row[1]): row[2] for row in rows}
    return entries, marks


async def read_marks(
    session: AsyncSession, staff_ids: list[UUID], conversation_ids: list[UUID]
) -> dict[tuple[UUID, UUID], datetime.datetime]:
    """How far each of these staff members has read each of these conversations."""
    if not staff_ids or not conversation_ids:
        return {}
    rows = await session.execute(
        select(ConversationRead.staff_id, ConversationRead.conversation_id, ConversationRead.seen_at).where(
            ConversationRead.staff_id.in_(staff_ids), ConversationRead.conversation_id.in_(conversation_ids)
        )
    )
    return {(staff, conversation): seen for staff, conversation, seen in rows}


_EPOCH = datetime.datetime.min.replace(tzinfo=datetime.UTC)


def inbox_from_snapshot(
    entries: list[InboxEntry] | SortedEntries,
    staff_id: UUID,
    marks: dict[tuple[UUID, UUID], datetime.datetime],
    query: str = "",
    rows: dict[tuple[UUID, bool], InboxRow] | None = None,
) -> Inbox:
    """One staff member's inbox: waiting first (longest wait first), then theirs, colleagues', the AI's.

    ``rows`` shares the rows between the inboxes of several staff members built from the same
    entries: a row differs between them only in its unread mark.
    """
    shared: dict[tuple[UUID, bool], InboxRow] = {} if rows is None else rows

    def row(entry: InboxEntry) -> InboxRow:
        seen = marks.get((staff_id, entry.id))
        last_guest = entry.last_guest_message_at
        unread = bool(last_guest and (seen is None or seen < last_guest))
        made = shared.get((entry.id, unread))
        if made is None:
            made = shared[entry.id, unread] = _row(entry, unread)
        return made

    return _inbox(entries, staff_id, row, query)


def _row(entry: InboxEntry, unread: bool) -> InboxRow:
    return InboxRow(
        id=entry.id,
        guest_name=entry.guest_name,
        phone=entry.phone,
        state=entry.state,
        preview=entry.preview,
        last_message_at=entry.last_message_at,
        waiting_since=entry.waiting_since,
        assigned_name=entry.assigned_name,
        handoff_reason=entry.handoff_reason,
        unread=unread,
        language=entry.language,
        room=entry.room,
        open_request=entry.open_request,
    )


@dataclass(frozen=True, slots=True)
class SortedEntries:
    """A hotel's inbox entries in the order every staff member's inbox lists them, sorted once."""

    waiting: list[InboxEntry]  # longest wait first
    human: list[InboxEntry]  # latest first; each staff member's own ones become "mine"
    ai: list[InboxEntry]
    resolved: list[InboxEntry]

    @classmethod
    def of(cls, entries: list[InboxEntry]) -> SortedEntries:
        def latest(state: State) -> list[InboxEntry]:
            chosen = (e for e in entries if e.state is state)
            return sorted(chosen, key=lambda e: e.last_message_at or _EPOCH, reverse=True)

        waiting = sorted(
            (e for e in entries if e.state is State.NEEDS_HUMAN), key=lambda e: e.waiting_since or _EPOCH
        )
        resolved = sorted(
            (e for e in entries if e.state is State.RESOLVED), key=lambda e: e.updated_at, reverse=True
        )
        return cls(
            waiting[:SECTION_LIMIT],
            latest(State.HUMAN),
            latest(State.AI)[:SECTION_LIMIT],
            resolved[:SECTION_LIMIT],
        )


def _inbox(
    entries: list[InboxEntry] | SortedEntries,
    staff_id: UUID,
    row: Callable[[InboxEntry], InboxRow],
    query: str,
) -> Inbox:
    ordered = entries if isinstance(entries, SortedEntries) else SortedEntries.of(entries)
    mine = [e for e in ordered.human if e.assigned_staff_id == staff_id][:SECTION_LIMIT]
    others = [e for e in ordered.human if e.assigned_staff_id != staff_id][:SECTION_LIMIT]
    return Inbox(
        needs_human=[row(e) for e in ordered.waiting],
        mine=[row(e) for e in mine],
        others=[row(e) for e in others],
        ai=[row(e) for e in ordered.ai],
        resolved_today=[row(e) for e in ordered.resolved],
        query=query,
    )


async def load_inbox(
    session: AsyncSession, hotel_id: UUID, staff_id: UUID, *, query: str = "", today_start: datetime.datetime
) -> Inbox:
    entries = await load_inbox_snapshot(session, hotel_id, today_start=today_start, query=query)
    marks = await read_marks(session, [staff_id], [e.id for e in entries])
    return inbox_from_snapshot(entries, staff_id, marks, query.strip()[:MAX_SEARCH])


@dataclass(frozen=True, slots=True)
class TimelineItem:
    kind: str  # message | event | note
    id: UUID
    at: datetime.datetime
    message: Message | None = None
    text: str = ""
    actor: str = ""
    sources: list[tuple[UUID, str]] = field(default_factory=list)

    @property
    def media_link(self) -> str | None:
        """The message's media URL when it is a web link; anything else is shown as text."""
        return web_link(self.message.media_url) if self.message is not None else None


@dataclass(frozen=True, slots=True)
class ConversationView:
    conversation: Conversation
    guest: Guest
    items: list[TimelineItem]
    service_requests: list[ServiceRequest]
    assigned_name: str | None
    colleagues: list[tuple[UUID, str]]
    saved_replies: list[SavedReply]


async def load_conversation(
    session: AsyncSession, hotel_id: UUID, conversation_id: UUID
) -> ConversationView | None:
    row = (
        await session.execute(
            select(Conversation, Guest)
            .join(Guest, Guest.id == Conversation.guest_id)
            .where(Conversation.id == conversation_id, Conversation.hotel_id == hotel_id)
        )
    ).one_or_none()
    if row is None:
        return None
    conversation, guest = row
    messages = (
        (
            await session.execute(
                select(Message)
                .where(Message.conversation_id == conversation_id)
                .order_by(Message.created_at)
                .limit(500)
            )
        )
        .scalars()
        .all()
    )
    source_ids = {source for m in messages for source in (m.sources or [])}
    titles: dict[UUID, str] = {}
    if source_ids:
        titles = dict(
            (
                await session.execute(
                    select(KnowledgeEntry.id, KnowledgeEntry.title).where(
                        KnowledgeEntry.id.in_(source_ids), KnowledgeEntry.hotel_id == hotel_id
                    )
                )
            )
            .tuples()
            .all()
        )
    staff = (
        await session.execute(
            select(StaffUser.id, StaffUser.name, Membership.is_active & StaffUser.is_active)
            .join(Membership, Membership.staff_id == StaffUser.id)
            .where(Membership.hotel_id == hotel_id)
            .order_by(StaffUser.name)
        )
    ).all()
    # Everyone who ever worked here names their part of the timeline; only who works here now is
    # offered for assignment.
    staff_names = {staff_id: name for staff_id, name, _ in staff}
    colleagues = [(staff_id, name) for staff_id, name, active in staff if active]
    items = [
        TimelineItem(
            "message",
            m.id,
            m.created_at,
            message=m,
            actor=staff_names.get(m.staff_id, "Staff") if m.author is Author.STAFF and m.staff_id else "",
            sources=[(s, titles[s]) for s in (m.sources or []) if s in titles],
        )
        for m in messages
    ]
    transitions = (
        (
            await session.execute(
                select(StateTransition).where(StateTransition.conversation_id == conversation_id).limit(500)
            )
        )
        .scalars()
        .all()
    )
    for t in transitions:
        who = (
            staff_names.get(t.staff_id, "Staff")
            if t.staff_id
            else ("AI" if t.actor == "ai" else t.actor.title())
        )
        text = event_text(who, t, staff_names)
        items.append(TimelineItem("event", t.id, t.created_at, text=text, actor=who))
    notes = (
        (await session.execute(select(Note).where(Note.conversation_id == conversation_id).limit(500)))
        .scalars()
        .all()
    )
    for n in notes:
        items.append(
            TimelineItem(
                "note",
                n.id,
                n.created_at,
                text=n.text,
                actor=staff_names.get(n.staff_id, "Staff") if n.staff_id else "Staff",
            )
        )
    items.sort(key=lambda item: item.at)
    requests = (
        (
            await session.execute(
                select(ServiceRequest)
                .where(ServiceRequest.conversation_id == conversation_id, ServiceRequest.hotel_id == hotel_id)
                .order_by(ServiceRequest.created_at.desc())
            )
        )
        .scalars()
        .all()
    )
    replies = (
        (
            await session.execute(
                select(SavedReply).where(SavedReply.hotel_id == hotel_id).order_by(SavedReply.shortcut)
            )
        )
        .scalars()
        .all()
    )
    return ConversationView(
        conversation=conversation,
        guest=guest,
        items=items,
        service_requests=list(requests),
        assigned_name=staff_names.get(conversation.assigned_staff_id)
        if conversation.assigned_staff_id
        else None,
        colleagues=colleagues,
        saved_replies=list(replies),
    )


def event_text(who: str, transition: StateTransition, names: dict[UUID, str] | None = None) -> str:
    """One line of the timeline: who moved the conversation, where, why; and whose hands it left."""
    names = names or {}

    def name(staff_id: UUID | None) -> str:
        return names.get(staff_id, "a colleague") if staff_id else "nobody"

    reason = REASON_LABELS.get(transition.reason, transition.reason.replace("_", " "))
    if transition.reason == "taken_over_from":
        text = f"{who} took over from {name(transition.from_staff_id)}"
    elif transition.reason == "assigned":
        text = f"{who} assigned the conversation to {name(transition.to_staff_id)}"
        if transition.from_staff_id and transition.from_staff_id != transition.staff_id:
            text += f" (from {name(transition.from_staff_id)})"
    elif transition.to_state is State.NEEDS_HUMAN:
        text = f"{who} handed off: {reason}"
    elif transition.reason.startswith("staff_") or transition.reason == "replied_from_phone":
        text = f"{who} {reason}"
        if transition.from_staff_id and transition.from_staff_id != transition.staff_id:
            text += f" (it was with {name(transition.from_staff_id)})"
    else:
        text = f"{reason.capitalize()}"
    if transition.summary:
        text += f" — {transition.summary}"
    return text


async def mark_read(session: AsyncSession, staff_id: UUID, conversation_id: UUID) -> None:
    now = datetime.datetime.now(datetime.UTC)
    await session.execute(
        insert(ConversationRead)
        .values(staff_id=staff_id, conversation_id=conversation_id, seen_at=now)
        .on_conflict_do_update(
            index_elements=[ConversationRead.staff_id, ConversationRead.conversation_id],
            set_={"seen_at": now},
        )
    )

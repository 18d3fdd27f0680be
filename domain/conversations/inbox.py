"""The inbox read model: one query for the inbox page, its search and the live push.

The live dashboard reads a hotel's inbox many times a second, so the query is plain SQL for the
asyncpg connection (prepared once per connection; the push runs it on the driver pool without the
ORM session's BEGIN and ROLLBACK, ``bench.live``); the pages run the very same statements on their
session's connection. Always scoped by the acting hotel.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from domain.conversations.models import State
from domain.conversations.views import reason_label
from domain.service_requests.rules import OPEN_STATUSES

SECTION_LIMIT = 100
MAX_SEARCH = 100


class Reader(Protocol):
    """Runs one statement on a driver connection (``domain.uow.DriverUnitOfWork`` is one)."""

    async def fetch(self, sql: str, *args: Any) -> list[Any]: ...


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
    #: an AI draft waits in it for a person to approve, edit or discard
    has_draft: bool = False


@dataclass(frozen=True, slots=True)
class Inbox:
    needs_human: list[InboxRow]
    mine: list[InboxRow]
    others: list[InboxRow]
    ai: list[InboxRow]
    resolved_today: list[InboxRow]
    query: str = ""

    @property
    def sections(self) -> tuple[list[InboxRow], ...]:
        return (self.needs_human, self.mine, self.others, self.ai, self.resolved_today)

    @property
    def waiting(self) -> int:
        return len(self.needs_human)

    @property
    def unread(self) -> int:
        return sum(row.unread for section in self.sections[:4] for row in section)

    @property
    def drafts(self) -> int:
        """Conversations with an AI draft waiting for a person."""
        return sum(row.has_draft for section in self.sections for row in section)


def drafts_only(inbox: Inbox) -> Inbox:
    """The inbox filtered to the conversations with an AI draft waiting (``/inbox?filter=drafts``)."""

    waiting, mine, others, ai, resolved = ([row for row in rows if row.has_draft] for rows in inbox.sections)
    return Inbox(waiting, mine, others, ai, resolved, query=inbox.query)


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
    has_draft: bool = False


# $2: the statuses of a service request still to be done (``OPEN_STATUSES``, one rule for both).
_COLUMNS = """
SELECT c.id, g.name, g.phone, c.state::text, c.last_message_preview, c.last_message_at,
       c.last_guest_message_at, c.needs_human_since, c.updated_at, c.assigned_staff_id, s.name,
       c.handoff_reason, g.language, g.room, r.category, r.room, r.open_count,
       c.state = 'ai' AND EXISTS (
           SELECT 1 FROM ai_drafts d WHERE d.conversation_id = c.id AND d.status = 'pending'
       )
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
# A guest is found by name, number, either of their chat ids (the ``…@lid`` too) or the words of
# anything written in the conversation: the conversations found first, in one statement, then the
# inbox's two statements for just those.
#
# Messages are found by word through the full-text index ``ix_messages_text_words`` (the same
# expression): each word of the query, whole or as the start of a word ('vegan':* & 'break':*,
# the words as PostgreSQL's parser splits the query, quoted for tsquery; one-letter words only when
# there is nothing longer: the "s" of "it's" would read every word that starts with one), then
# ILIKE checks the whole query against those few messages, so "vegan breakfast" finds that
# phrase. The guests who match and the messages that match are each found once, scoped by the
# hotel (its guests through their hotel's index, not every guest's row), and the conversations
# are looked up by id: nothing runs once per conversation. A query without a word in it (only
# punctuation) finds guests by name and number only.
_WORDS = r"""(SELECT coalesce(string_agg(w.term, ' & ') FILTER (WHERE length(w.lexeme) > 1),
                             string_agg(w.term, ' & '))
                 FROM (SELECT lexeme,
                              '''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || ''':*' AS term
                         FROM unnest(to_tsvector('simple'::regconfig, $q::text))) AS w)::tsquery"""
# $1: the hotel, $2: the ILIKE pattern, $3: the query as typed.
SEARCH_IDS_SQL = """
SELECT gc.id FROM guests gs JOIN conversations gc ON gc.guest_id = gs.id AND gc.hotel_id = $1
 WHERE gs.hotel_id = $1
   AND (gs.name ILIKE $2 OR gs.phone ILIKE $2 OR gs.chat_id ILIKE $2 OR gs.alt_chat_id ILIKE $2)
UNION
SELECT m.conversation_id FROM messages m
 WHERE to_tsvector('simple'::regconfig, m.text) @@ {words} AND m.text ILIKE $2 AND m.hotel_id = $1
""".format(words=_WORDS.replace("$q", "$3"))
# The inbox's statements, narrowed to the conversations found. $3: their ids.
_SEARCH = "AND c.id = ANY($3::uuid[])\n"
# The conversations in a person's hands (all of them, sorted in Python), then the AI's and today's
# resolved ones (the latest). $n, $n+1: the limit, or the start of today and the limit.
_PEOPLE = "AND c.state IN ('needs_human', 'human') LIMIT ${n}"
_REST = (
    "AND (c.state = 'ai' OR (c.state = 'resolved' AND c.updated_at >= ${n})) "
    "ORDER BY c.last_message_at DESC LIMIT ${m}"
)
PEOPLE_SQL = _COLUMNS + _PEOPLE.format(n=3)
REST_SQL = _COLUMNS + _REST.format(n=3, m=4)
SEARCH_PEOPLE_SQL = _COLUMNS + _SEARCH + _PEOPLE.format(n=4)
SEARCH_REST_SQL = _COLUMNS + _SEARCH + _REST.format(n=4, m=5)
READ_MARKS_SQL = (
    "SELECT staff_id, conversation_id, seen_at FROM conversation_reads "
    "WHERE staff_id = ANY($1::uuid[]) AND conversation_id = ANY($2::uuid[])"
)


def search_pattern(query: str) -> str:
    """``query`` as a literal ILIKE substring pattern (its ``%`` and ``_`` match only themselves)."""
    return "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def load_entries(
    db: Reader, hotel_id: UUID, *, today_start: datetime.datetime, query: str = ""
) -> list[InboxEntry]:
    """Everything any staff member's inbox shows (or what matches ``query``), in two statements."""
    statuses = list(OPEN_STATUSES)
    if query:
        found = [row[0] for row in await db.fetch(SEARCH_IDS_SQL, hotel_id, search_pattern(query), query)]
        if not found:
            return []
        people = await db.fetch(SEARCH_PEOPLE_SQL, hotel_id, statuses, found, 4 * SECTION_LIMIT)
        rest = await db.fetch(SEARCH_REST_SQL, hotel_id, statuses, found, today_start, 2 * SECTION_LIMIT)
    else:
        people = await db.fetch(PEOPLE_SQL, hotel_id, statuses, 4 * SECTION_LIMIT)
        rest = await db.fetch(REST_SQL, hotel_id, statuses, today_start, 2 * SECTION_LIMIT)
    return [_entry(row) for row in (*people, *rest)]


async def read_marks(
    db: Reader, staff_ids: list[UUID], conversation_ids: list[UUID]
) -> dict[tuple[UUID, UUID], datetime.datetime]:
    """How far each of these staff members has read each of these conversations."""
    if not staff_ids or not conversation_ids:
        return {}
    rows = await db.fetch(READ_MARKS_SQL, staff_ids, conversation_ids)
    return {(row[0], row[1]): row[2] for row in rows}


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
        handoff_reason=reason_label(row[11]),
        language=row[12] or "",
        room=row[13] or "",
        open_request=OpenRequest(row[14], row[15] or "", row[16] - 1) if row[14] is not None else None,
        has_draft=bool(row[17]),
    )


async def load_live_snapshot(
    db: Reader, hotel_id: UUID, staff_ids: list[UUID], *, today_start: datetime.datetime
) -> tuple[list[InboxEntry], dict[tuple[UUID, UUID], datetime.datetime]]:
    """The hotel's inbox and how far each of these staff members has read it: what every live
    push starts from."""
    entries = await load_entries(db, hotel_id, today_start=today_start)
    return entries, await read_marks(db, staff_ids, [e.id for e in entries])


@dataclass(frozen=True, slots=True)
class SessionReader:
    """The ``Reader`` of an ORM session: the same statements on its connection, in its transaction
    (the conversation page reads the inbox right after marking the conversation read)."""

    session: AsyncSession

    async def fetch(self, sql: str, *args: Any) -> list[Any]:
        connection = await self.session.connection()
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection
        rows: list[Any] = await driver.fetch(sql, *args)
        return rows


async def load_inbox(
    session: AsyncSession, hotel_id: UUID, staff_id: UUID, *, query: str = "", today_start: datetime.datetime
) -> Inbox:
    """One staff member's inbox page, or its search results for ``query``."""
    query = query.strip()[:MAX_SEARCH]
    db = SessionReader(session)
    entries = await load_entries(db, hotel_id, today_start=today_start, query=query)
    marks = await read_marks(db, [staff_id], [e.id for e in entries])
    return inbox_from_snapshot(entries, staff_id, marks, query)


_EPOCH = datetime.datetime.min.replace(tzinfo=datetime.UTC)


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

    @property
    def by_id(self) -> dict[UUID, InboxEntry]:
        return {e.id: e for e in (*self.waiting, *self.human, *self.ai, *self.resolved)}


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
        has_draft=entry.has_draft,
    )

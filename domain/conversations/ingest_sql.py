"""The hot path of ingest: one call per guest message, and one more statement in the rare case.

A webhook is answered on every guest message, so storing it must be cheap. One call of the database
function ``ingest_guest_message`` upserts the guest, finds or opens the conversation, inserts the
message (or finds it is a duplicate), brings the conversation up to date and answers its facts. It
is atomic on its own, so the fast unit of work runs it without BEGIN/COMMIT round trips, on
asyncpg's prepared statement cache: nothing is built per message. The SQL stores; whether the
message moves the conversation is ``rules.transition``'s to say, and ``apply_move`` stores that.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

import asyncpg
from uuid_utils.compat import uuid7

from domain.conversations import rules
from domain.conversations.models import State
from domain.db import CONNECTION_LOST, NOT_SERVING, DatabaseUnavailable
from domain.events import Event
from domain.ports import JobRequest

log = logging.getLogger(__name__)


class Statements(Protocol):
    """Plain SQL with explicit driver methods (both units of work offer them)."""

    async def fetchrow(self, sql: str, *args: Any) -> Any: ...

    async def execute(self, sql: str, *args: Any) -> str: ...

    async def ingest(self, args: tuple[Any, ...]) -> Any:
        """``STORE_GUEST_MESSAGE`` on ``args``: its row, or None for a duplicate."""
        ...


class IngestWork(Statements, Protocol):
    """A unit of work the guest-message ingest runs on: plain statements, events and jobs after."""

    def publish(self, event: Event) -> None: ...

    def enqueue(self, job: JobRequest) -> None: ...


# ingest_guest_message() is a function in the database (migrations e41b9f0a6c27, 956820b90eba,
# 3c1d7e5a9b20): a few small statements, each planned once per connection, instead of one planned
# on every call.
STORE_GUEST_MESSAGE = """
SELECT message_id, conversation_id, state, assigned_staff_id, needs_human_since, handoff_reason,
       handoff_summary, ai_pending_since, guest, guest_alt_chat_id, guest_created
FROM ingest_guest_message(
    $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19::jsonb, $20,
    $21, $22, $23, $24, $25, $26
)
"""

# The same for several messages in one statement, so in one transaction and one commit: each row
# of the arrays is one message's arguments, stored in the arrays' order (the function is called
# once per row, in turn); a duplicate answers a row of NULLs.
STORE_GUEST_MESSAGES = """
SELECT r.message_id, r.conversation_id, r.state, r.assigned_staff_id, r.needs_human_since,
       r.handoff_reason, r.handoff_summary, r.ai_pending_since, r.guest, r.guest_alt_chat_id,
       r.guest_created
FROM unnest(
    $1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::boolean[], $7::timestamptz[],
    $8::uuid[], $9::uuid[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[],
    $15::text[], $16::text[], $17::float8[], $18::float8[], $19::jsonb[], $20::text[], $21::text[],
    $22::text[], $23::bigint[], $24::text[], $25::boolean[], $26::text[]
) WITH ORDINALITY AS m(
    a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, a20, a21,
    a22, a23, a24, a25, a26, ord
)
LEFT JOIN LATERAL ingest_guest_message(
    a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, a20, a21,
    a22, a23, a24, a25, a26
) r ON true
ORDER BY m.ord
"""

# A change and its timeline row in one statement, on the facts it was decided from: nothing moves
# if the conversation moved meanwhile (a colleague's click between the two statements).
APPLY_MOVE = """
WITH moved AS (
    UPDATE conversations c SET
        state = $3::conversation_state, assigned_staff_id = $4, needs_human_since = $5,
        handoff_reason = $6, handoff_summary = $7, ai_pending_since = $8, updated_at = $9
     WHERE c.id = $2 AND c.state = $10::conversation_state
       AND c.assigned_staff_id IS NOT DISTINCT FROM $11
    RETURNING c.id, c.hotel_id
)
INSERT INTO state_transitions (
    id, hotel_id, conversation_id, from_state, to_state, reason, actor, staff_id, summary,
    from_staff_id, to_staff_id, created_at, updated_at
)
SELECT $1, moved.hotel_id, moved.id, $10::conversation_state, $3::conversation_state, $12, $13, $14,
       $15, $11, $4, $9, $9
FROM moved
"""

# The facts again, after a move was refused because they changed; the AI's pending mark as the
# ingest function keeps it.
READ_AGAIN = """
UPDATE conversations c SET
    ai_pending_since = CASE WHEN $2 AND c.state = 'ai' THEN coalesce(c.ai_pending_since, $3)
                            ELSE c.ai_pending_since END
 WHERE c.id = $1
RETURNING c.state, c.assigned_staff_id, c.needs_human_since, c.handoff_reason, c.handoff_summary,
          c.ai_pending_since
"""


@dataclass(frozen=True, slots=True)
class StoredMessage:
    message_id: UUID
    facts: rules.Facts  # the conversation as this message found it
    guest_id: UUID
    guest_alt_chat_id: str | None  # the guest's other chat id, as far as the hotel knows it
    guest_created: bool  # by this message

    @property
    def conversation_id(self) -> UUID:
        return self.facts.conversation_id


def _facts(hotel_id: UUID, conversation_id: UUID, row: Any) -> rules.Facts:
    return rules.Facts(hotel_id, conversation_id, State(row[0]), *row[1:6])


async def store_guest_message(
    db: Statements,
    values: dict[str, Any],
    *,
    phone: str,
    is_group: bool,
    now: datetime.datetime,
    preview: str,
    may_wake_ai: bool,
    other_chat_id: str | None,
) -> StoredMessage | None:
    """The stored message, or None when it is a duplicate. ``other_chat_id`` is the sender's other
    id when the webhook named it (the number behind a lid): a guest known by it is the same person."""
    hotel_id = values["hotel_id"]
    row = await db.ingest((
        uuid7(), hotel_id, values["chat_id"], phone,
        values["sender_name"] if not is_group else "", is_group, now, uuid7(), uuid7(),
        values["type_message"], values["text"], values["sender_name"], values["sender_id"],
        values["media_url"], values["media_mime"], values["media_file_name"],
        values["latitude"], values["longitude"], json.dumps(values["details"]),
        values["quoted_provider_id"], values["quoted_text"], values["provider_message_id"],
        values["provider_timestamp"], preview, may_wake_ai, other_chat_id,
    ))  # fmt: skip
    if row is None:
        return None
    return StoredMessage(row[0], _facts(hotel_id, row[1], row[2:8]), row[8], row[9], row[10])


async def apply_move(
    db: Statements,
    change: rules.Change,
    *,
    now: datetime.datetime,
    ai_pending_since: datetime.datetime | None,
) -> bool:
    """Store a change decided on facts the ingest function answered; False when they changed
    meanwhile (nothing was written)."""
    after, before, entry = change.after, change.before, change.entry
    status = await db.execute(
        APPLY_MOVE,
        uuid7(), before.conversation_id, after.state.value, after.assigned_staff_id,
        after.needs_human_since, after.handoff_reason, after.handoff_summary, ai_pending_since, now,
        before.state.value, before.assigned_staff_id, entry.reason, entry.actor, entry.staff_id,
        entry.summary,
    )  # fmt: skip
    return status.endswith(" 1")


async def read_again(
    db: Statements, facts: rules.Facts, *, may_wake_ai: bool, now: datetime.datetime
) -> rules.Facts:
    row = await db.fetchrow(READ_AGAIN, facts.conversation_id, may_wake_ai, now)
    return _facts(facts.hotel_id, facts.conversation_id, row)


# PostgreSQL is out of reach or not serving: every message of a batch would fail alone too.
_OUTAGE = (DatabaseUnavailable, *NOT_SERVING)


class IngestBatches:
    """Group commit for the webhook's one statement: guest messages that arrive while earlier ones
    are being stored go to PostgreSQL together, in one statement and one commit.

    A message that finds a free flush is stored at once, alone (no waiting for company); under
    load, each of the ``flushes`` concurrent flushes takes whatever arrived meanwhile, up to
    ``most``. Within a batch the messages go in the order of their hotel and chat (each chat's
    messages in arrival order), so two batches lock the same conversations in the same order. If a
    batch fails for anything but an outage, each of its messages is tried again on its own: one
    message's error is its own webhook's answer, never its neighbours'.
    """

    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        most: int = 32,
        flushes: int = 4,
        on_batch: Callable[[int], None] | None = None,
    ):
        self._pool = pool
        self._most = most
        self._flushes = flushes
        self._on_batch = on_batch
        self._waiting: list[tuple[tuple[Any, ...], asyncio.Future[Any]]] = []
        self._running = 0
        self._tasks: set[asyncio.Task[None]] = set()

    async def store(self, args: tuple[Any, ...]) -> Any:
        """``STORE_GUEST_MESSAGE``'s row for these arguments, or None for a duplicate."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting.append((args, future))
        if self._running < self._flushes:
            self._running += 1
            task = asyncio.create_task(self._drain())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await future

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[: self._most], self._waiting[self._most :]
                await self._run(batch)
        finally:
            self._running -= 1

    async def _run(self, batch: list[tuple[tuple[Any, ...], asyncio.Future[Any]]]) -> None:
        try:
            rows = await self._execute([args for args, _ in batch])
        except asyncio.CancelledError:  # the process is stopping: nobody will answer these
            for _, future in batch:
                future.cancel()
            raise
        except Exception as exc:
            if len(batch) == 1 or isinstance(exc, _OUTAGE):
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                return
            log.warning("a batch of %d guest messages failed; each again alone", len(batch), exc_info=True)
            for item in batch:
                await self._run([item])
            return
        for (_, future), row in zip(batch, rows, strict=True):
            if not future.done():  # its webhook gave up waiting; the message is stored all the same
                future.set_result(row)

    async def _execute(self, batch: list[tuple[Any, ...]]) -> list[Any]:
        order = sorted(range(len(batch)), key=lambda i: (batch[i][1], batch[i][2]))  # hotel, chat
        try:
            async with self._pool.acquire() as connection:
                if len(batch) == 1:
                    records = [await connection.fetchrow(STORE_GUEST_MESSAGE, *batch[0])]
                else:
                    columns = [list(column) for column in zip(*(batch[i] for i in order), strict=True)]
                    records = await connection.fetch(STORE_GUEST_MESSAGES, *columns)
        except CONNECTION_LOST as exc:
            raise DatabaseUnavailable(str(exc)) from exc
        if self._on_batch is not None:
            self._on_batch(len(batch))
        rows: list[Any] = [None] * len(batch)
        for position, record in zip(order, records, strict=True):
            rows[position] = record if record is not None and record[0] is not None else None
        return rows

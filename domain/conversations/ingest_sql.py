"""The hot path of ingest: one call per guest message, and one more statement in the rare case.

A webhook is answered on every guest message, so storing it must be cheap. One call of the database
function ``ingest_guest_message`` upserts the guest, finds or opens the conversation, inserts the
message (or finds it is a duplicate), brings the conversation up to date and answers its facts. It
is atomic on its own, so the fast unit of work runs it without BEGIN/COMMIT round trips, on
asyncpg's prepared statement cache: nothing is built per message. The SQL stores; whether the
message moves the conversation is ``rules.transition``'s to say, and ``apply_move`` stores that.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from uuid_utils.compat import uuid7

from domain.conversations import rules
from domain.conversations.models import State


class Statements(Protocol):
    """Plain SQL with explicit driver methods (both units of work offer them)."""

    async def fetchrow(self, sql: str, *args: Any) -> Any: ...

    async def execute(self, sql: str, *args: Any) -> str: ...


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
    row = await db.fetchrow(
        STORE_GUEST_MESSAGE,
        uuid7(), hotel_id, values["chat_id"], phone,
        values["sender_name"] if not is_group else "", is_group, now, uuid7(), uuid7(),
        values["type_message"], values["text"], values["sender_name"], values["sender_id"],
        values["media_url"], values["media_mime"], values["media_file_name"],
        values["latitude"], values["longitude"], json.dumps(values["details"]),
        values["quoted_provider_id"], values["quoted_text"], values["provider_message_id"],
        values["provider_timestamp"], preview, may_wake_ai, other_chat_id,
    )  # fmt: skip
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

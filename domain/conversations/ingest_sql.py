"""The hot path of ingest: one prepared statement per guest message.

A webhook is answered on every guest message, so storing it must be cheap. One statement upserts
the guest, finds or opens the conversation, inserts the message (or finds it is a duplicate) and
brings the conversation up to date; it is atomic on its own, so the fast unit of work runs it
without BEGIN/COMMIT round trips. It runs on asyncpg's own prepared statement cache: nothing is
built per message.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from uuid_utils.compat import uuid7

from domain.conversations.models import State
from domain.db import DatabaseUnavailable
from domain.uow import DriverUnitOfWork, UnitOfWork

AfterCommitUnit = UnitOfWork | DriverUnitOfWork

STORE_GUEST_MESSAGE = """
WITH g_write AS (
    -- A known guest is rewritten only when the name changed or a minute has passed: most messages
    -- then cost PostgreSQL no guest row version at all.
    INSERT INTO guests (id, hotel_id, chat_id, phone, name, is_group, last_inbound_at, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $7)
    ON CONFLICT (hotel_id, chat_id) DO UPDATE SET
        name = COALESCE(NULLIF(EXCLUDED.name, ''), guests.name),
        last_inbound_at = EXCLUDED.last_inbound_at,
        updated_at = EXCLUDED.updated_at
    WHERE guests.last_inbound_at IS NULL
       OR guests.last_inbound_at < EXCLUDED.last_inbound_at - interval '1 minute'
       OR (EXCLUDED.name <> '' AND EXCLUDED.name IS DISTINCT FROM guests.name)
    RETURNING id
), g AS (
    SELECT id FROM g_write
    UNION ALL
    SELECT id FROM guests WHERE hotel_id = $2 AND chat_id = $3 AND NOT EXISTS (SELECT 1 FROM g_write)
), c_new AS (
    -- A new conversation starts up to date (an UPDATE below could not see it in this statement).
    INSERT INTO conversations (
        id, hotel_id, guest_id, state, last_message_preview, last_message_at, last_guest_message_at,
        ai_pending_since, created_at, updated_at
    )
    SELECT $8, $2, g.id, 'ai', $24, $7, $7, CASE WHEN $25 THEN $7::timestamptz END, $7, $7 FROM g
    ON CONFLICT (hotel_id, guest_id) DO NOTHING
    RETURNING id, state
), c AS (
    SELECT id, state FROM c_new
    UNION ALL
    SELECT conversations.id, conversations.state FROM conversations, g
    WHERE conversations.hotel_id = $2 AND conversations.guest_id = g.id AND NOT EXISTS (SELECT 1 FROM c_new)
), m AS (
    INSERT INTO messages (
        id, hotel_id, conversation_id, chat_id, direction, author, type_message, text, sender_name, sender_id,
        media_url, media_mime, media_file_name, latitude, longitude, details, quoted_provider_id, quoted_text,
        provider_message_id, provider_timestamp, status, attempts, sources, created_at, updated_at
    )
    SELECT $9, $2, c.id, $3, 'in', 'guest', $10, $11, $12, $13,
           $14, $15, $16, $17, $18, $19::jsonb, $20, $21,
           $22, $23, 'received', 0, '{}'::uuid[], $7, $7
    FROM c
    ON CONFLICT (hotel_id, chat_id, provider_message_id) DO NOTHING
    RETURNING id, conversation_id
), u AS (
    -- Only for a new message in a conversation that already existed. A resolved one reopens to the AI.
    UPDATE conversations SET
        state = CASE WHEN conversations.state = 'resolved' THEN 'ai'::conversation_state
                     ELSE conversations.state END,
        last_message_at = $7,
        last_guest_message_at = $7,
        last_message_preview = $24,
        ai_pending_since = CASE
            WHEN $25 AND conversations.state IN ('ai', 'resolved')
            THEN COALESCE(conversations.ai_pending_since, $7)
            ELSE conversations.ai_pending_since END,
        assigned_staff_id = CASE WHEN conversations.state = 'resolved' THEN NULL
                                 ELSE conversations.assigned_staff_id END,
        needs_human_since = CASE WHEN conversations.state = 'resolved' THEN NULL
                                 ELSE conversations.needs_human_since END,
        handoff_reason = CASE WHEN conversations.state = 'resolved' THEN NULL
                              ELSE conversations.handoff_reason END,
        updated_at = $7
    FROM m
    WHERE conversations.id = m.conversation_id AND NOT EXISTS (SELECT 1 FROM c_new)
    RETURNING conversations.id
)
SELECT m.id, m.conversation_id, (SELECT state::text FROM c) FROM m
"""

IS_STORED = "SELECT 1 FROM messages WHERE hotel_id = $1 AND chat_id = $2 AND provider_message_id = $3"

INSERT_TRANSITION = """
INSERT INTO state_transitions (
    id, hotel_id, conversation_id, from_state, to_state, reason, actor, created_at, updated_at
) VALUES ($1, $2, $3, $4::conversation_state, $5::conversation_state, $6, $7, $8, $8)
"""


@dataclass(frozen=True, slots=True)
class StoredMessage:
    message_id: UUID
    conversation_id: UUID
    previous_state: State


async def store_guest_message(
    uow: AfterCommitUnit,
    values: dict[str, Any],
    *,
    phone: str,
    is_group: bool,
    now: datetime.datetime,
    preview: str,
    may_wake_ai: bool,
) -> StoredMessage | None:
    """The stored message, or None when it is a duplicate.

    Nothing returned can also mean the guest or the conversation was created by a concurrent
    transaction after this statement's snapshot: then the message is not stored yet, and the
    statement runs once more (it sees them now).
    """
    for _ in range(3):
        row = await uow.run(
            "fetchrow",
            STORE_GUEST_MESSAGE,
            uuid7(), values["hotel_id"], values["chat_id"], phone,
            values["sender_name"] if not is_group else "", is_group, now, uuid7(), uuid7(),
            values["type_message"], values["text"], values["sender_name"], values["sender_id"],
            values["media_url"], values["media_mime"], values["media_file_name"],
            values["latitude"], values["longitude"], json.dumps(values["details"]),
            values["quoted_provider_id"], values["quoted_text"], values["provider_message_id"],
            values["provider_timestamp"], preview, may_wake_ai,
        )  # fmt: skip
        if row is not None:
            return StoredMessage(row[0], row[1], State(row[2]))
        already = await uow.run(
            "fetchval", IS_STORED, values["hotel_id"], values["chat_id"], values["provider_message_id"]
        )
        if already:
            return None
    raise DatabaseUnavailable("could not store the message; try again")


async def record_reopened(
    uow: AfterCommitUnit, hotel_id: UUID, conversation_id: UUID, now: datetime.datetime
) -> None:
    await uow.run(
        "execute",
        INSERT_TRANSITION,
        uuid7(),
        hotel_id,
        conversation_id,
        State.RESOLVED.value,
        State.AI.value,
        "guest_wrote_again",
        "guest",
        now,
    )

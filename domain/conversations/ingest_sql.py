"""The hot path of ingest: one call per guest message.

A webhook is answered on every guest message, so storing it must be cheap. One call of the database
function ``ingest_guest_message`` upserts the guest, finds or opens the conversation, inserts the
message (or finds it is a duplicate) and brings the conversation up to date; it is atomic on its
own, so the fast unit of work runs it without BEGIN/COMMIT round trips, on asyncpg's prepared
statement cache: nothing is built per message.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from uuid_utils.compat import uuid7

from domain.conversations.models import State
from domain.uow import DriverUnitOfWork, UnitOfWork

AfterCommitUnit = UnitOfWork | DriverUnitOfWork

# ingest_guest_message() is a function in the database (migrations e41b9f0a6c27, 956820b90eba): a
# few small statements, each planned once per connection, instead of one planned on every call.
STORE_GUEST_MESSAGE = """
SELECT message_id, conversation_id, previous_state, guest, guest_alt_chat_id, guest_created
FROM ingest_guest_message(
    $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19::jsonb, $20,
    $21, $22, $23, $24, $25, $26
)
"""

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
    guest_id: UUID
    guest_alt_chat_id: str | None  # the guest's other chat id, as far as the hotel knows it
    guest_created: bool  # by this message


async def store_guest_message(
    uow: AfterCommitUnit,
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
    row = await uow.run(
        "fetchrow",
        STORE_GUEST_MESSAGE,
        uuid7(), values["hotel_id"], values["chat_id"], phone,
        values["sender_name"] if not is_group else "", is_group, now, uuid7(), uuid7(),
        values["type_message"], values["text"], values["sender_name"], values["sender_id"],
        values["media_url"], values["media_mime"], values["media_file_name"],
        values["latitude"], values["longitude"], json.dumps(values["details"]),
        values["quoted_provider_id"], values["quoted_text"], values["provider_message_id"],
        values["provider_timestamp"], preview, may_wake_ai, other_chat_id,
    )  # fmt: skip
    if row is None:
        return None
    return StoredMessage(row[0], row[1], State(row[2]), row[3], row[4], row[5])


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

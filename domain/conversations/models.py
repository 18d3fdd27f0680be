from __future__ import annotations

import datetime
import enum
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Enum,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import Base


class State(enum.StrEnum):
    AI = "ai"
    NEEDS_HUMAN = "needs_human"
    HUMAN = "human"
    RESOLVED = "resolved"


class Direction(enum.StrEnum):
    IN = "in"
    OUT = "out"


class Author(enum.StrEnum):
    GUEST = "guest"
    AI = "ai"
    STAFF = "staff"
    SYSTEM = "system"


class Delivery(enum.StrEnum):
    RECEIVED = "received"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"


def _enum(cls: type[enum.StrEnum], name: str) -> Enum:
    return Enum(cls, name=name, values_callable=lambda members: [m.value for m in members])


def _of_conversations_hotel(table: str) -> ForeignKeyConstraint:
    """The reference of a row to its conversation together with that conversation's hotel."""
    return ForeignKeyConstraint(
        ["conversation_id", "hotel_id"],
        ["conversations.id", "conversations.hotel_id"],
        ondelete="CASCADE",
        name=f"fk_{table}_conversation_id_conversations",
    )


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint("hotel_id", "guest_id"),
        # The target of messages' (conversation_id, hotel_id) reference (see Message).
        UniqueConstraint("id", "hotel_id", name="uq_conversations_id_hotel_id"),
        # Not on last_message_at: every guest message moves it, and an indexed column would make
        # each of those updates a full (non-HOT) row version with an entry in every index.
        Index("ix_conversations_hotel_state", "hotel_id", "state"),
        # Analytics: the conversations opened in a period. created_at never changes, so updates
        # stay heap-only (HOT) all the same.
        Index("ix_conversations_hotel_created", "hotel_id", "created_at"),
        Index(
            "ix_conversations_ai_pending",
            "ai_pending_since",
            postgresql_where=text("ai_pending_since IS NOT NULL"),
        ),
        # The waiting-guest timers read only the conversations in people's hands, every minute.
        Index(
            "ix_conversations_with_people",
            "hotel_id",
            postgresql_where=text("state IN ('needs_human', 'human')"),
        ),
    )

    hotel_id: Mapped[UUID] = mapped_column(ForeignKey("hotels.id", ondelete="CASCADE"))
    guest_id: Mapped[UUID] = mapped_column(ForeignKey("guests.id", ondelete="CASCADE"))
    state: Mapped[State] = mapped_column(_enum(State, "conversation_state"), default=State.AI)
    assigned_staff_id: Mapped[UUID | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    handoff_reason: Mapped[str | None] = mapped_column(String(60))
    handoff_summary: Mapped[str | None] = mapped_column(Text)
    needs_human_since: Mapped[datetime.datetime | None]
    ai_pending_since: Mapped[datetime.datetime | None]
    last_message_at: Mapped[datetime.datetime | None]
    last_guest_message_at: Mapped[datetime.datetime | None]
    # The guest's last message, as the inbox previews it (replies by the AI or staff leave it alone).
    last_message_preview: Mapped[str] = mapped_column(String(200), default="")


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("hotel_id", "chat_id", "provider_message_id", name="uq_messages_provider_id"),
        # A message belongs to its conversation's hotel, and the database holds it to that. No
        # reference to hotels of its own: checking one takes a share lock on the hotel's row for
        # every message, and with concurrent messages each lock becomes a new multixact.
        _of_conversations_hotel("messages"),
        # Author and staff ride along: the analytics' per-conversation look-ups (a previous staff
        # message, the first after a hand-off) read the index alone (migration c4e8a2d61f37).
        Index(
            "ix_messages_conversation",
            "conversation_id",
            "created_at",
            postgresql_include=["author", "staff_id"],
        ),
        # Analytics: a hotel's messages in a period (docs/analytics.md). The one index a stored
        # message adds for it, on columns that never change; author and conversation ride along so
        # the counts read the index alone, not a heap page per message.
        Index(
            "ix_messages_hotel_created",
            "hotel_id",
            "created_at",
            postgresql_include=["author", "conversation_id"],
        ),
        # The inbox's search by a word of a message (``inbox.py``; migration 5e7a1c9d3b42).
        Index(
            "ix_messages_text_words",
            text("to_tsvector('simple'::regconfig, text)"),
            postgresql_using="gin",
            postgresql_with={"fastupdate": "on", "gin_pending_list_limit": 256},
        ),
        # One AI reply per guest message; partial, so the guests' own messages cost it nothing.
        Index(
            "uq_messages_ai_trigger",
            "ai_trigger_message_id",
            unique=True,
            postgresql_where=text("ai_trigger_message_id IS NOT NULL"),
        ),
        Index(
            "ix_messages_outbox",
            "status",
            "created_at",
            postgresql_where=text("status IN ('queued', 'sending')"),
        ),
    )

    hotel_id: Mapped[UUID]
    conversation_id: Mapped[UUID]
    chat_id: Mapped[str] = mapped_column(String(120))
    direction: Mapped[Direction] = mapped_column(_enum(Direction, "message_direction"))
    author: Mapped[Author] = mapped_column(_enum(Author, "message_author"))
    staff_id: Mapped[UUID | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    type_message: Mapped[str] = mapped_column(String(40), default="textMessage")
    text: Mapped[str | None] = mapped_column(Text)
    sender_name: Mapped[str | None] = mapped_column(String(200))
    sender_id: Mapped[str | None] = mapped_column(String(120))
    media_url: Mapped[str | None] = mapped_column(Text)
    media_mime: Mapped[str | None] = mapped_column(String(120))
    media_file_name: Mapped[str | None] = mapped_column(String(300))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    quoted_provider_id: Mapped[str | None] = mapped_column(String(64))
    quoted_text: Mapped[str | None] = mapped_column(Text)
    provider_message_id: Mapped[str | None] = mapped_column(String(64))
    provider_timestamp: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[Delivery] = mapped_column(_enum(Delivery, "delivery_status"))
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    send_started_at: Mapped[datetime.datetime | None]
    sources: Mapped[list[UUID]] = mapped_column(ARRAY(PG_UUID(as_uuid=True)), default=list)
    ai_trigger_message_id: Mapped[UUID | None] = mapped_column(PG_UUID(as_uuid=True))


class StateTransition(Base):
    """The audit trail: who moved a conversation from one state to another, and why."""

    __tablename__ = "state_transitions"
    __table_args__ = (
        # The state moved to rides along, for the analytics' look-ups of a conversation's moves.
        Index(
            "ix_state_transitions_conversation",
            "conversation_id",
            "created_at",
            postgresql_include=["to_state"],
        ),
        # Analytics: a hotel's hand-offs, resolves and reopens in a period. It replaces the index on
        # hotel_id alone, whose lookups it serves as well, so a move costs no extra index entry.
        Index("ix_state_transitions_hotel_to_state", "hotel_id", "to_state", "created_at"),
        # The knowledge gaps page reads the AI's "the knowledge has no answer" hand-offs, newest first.
        Index(
            "ix_state_transitions_knowledge_gaps",
            "hotel_id",
            "created_at",
            postgresql_where=text("reason = 'not_in_knowledge'"),
        ),
    )

    hotel_id: Mapped[UUID] = mapped_column(ForeignKey("hotels.id", ondelete="CASCADE"))
    conversation_id: Mapped[UUID] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    from_state: Mapped[State | None] = mapped_column(_enum(State, "conversation_state"))
    to_state: Mapped[State] = mapped_column(_enum(State, "conversation_state"))
    reason: Mapped[str] = mapped_column(String(60))
    actor: Mapped[str] = mapped_column(String(10))
    staff_id: Mapped[UUID | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    summary: Mapped[str | None] = mapped_column(Text)
    # Whose hands the conversation was in before and after: a take-over from a colleague or an
    # assignment changes them without changing the state, and is recorded all the same.
    from_staff_id: Mapped[UUID | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    to_staff_id: Mapped[UUID | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))


class ConversationRead(Base):
    """How far a staff member has read a conversation (for unread markers)."""

    __tablename__ = "conversation_reads"
    __table_args__ = (UniqueConstraint("staff_id", "conversation_id"),)

    staff_id: Mapped[UUID] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    conversation_id: Mapped[UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    seen_at: Mapped[datetime.datetime]


class Note(Base):
    """An internal note on a conversation: staff only, never sent to the guest."""

    __tablename__ = "notes"
    __table_args__ = (Index("ix_notes_conversation", "conversation_id", "created_at"),)

    hotel_id: Mapped[UUID] = mapped_column(ForeignKey("hotels.id", ondelete="CASCADE"))
    conversation_id: Mapped[UUID] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    staff_id: Mapped[UUID | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)


class SlaBreach(Base):
    """A guest waited for a person past the hotel's target: raised to the staff on shift, then to
    the managers, and closed by the reply that ended the wait."""

    __tablename__ = "sla_breaches"
    __table_args__ = (
        UniqueConstraint("conversation_id", "kind", "waiting_since"),
        Index("ix_sla_breaches_hotel_breached", "hotel_id", "breached_at"),
        CheckConstraint("kind IN ('first_reply', 'next_reply')", name="kind"),
    )

    hotel_id: Mapped[UUID] = mapped_column(ForeignKey("hotels.id", ondelete="CASCADE"))
    conversation_id: Mapped[UUID] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    waiting_since: Mapped[datetime.datetime]
    target_minutes: Mapped[int]
    breached_at: Mapped[datetime.datetime]
    escalated_to_managers_at: Mapped[datetime.datetime | None]
    answered_at: Mapped[datetime.datetime | None]
    answered_by: Mapped[UUID | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))


class CsatSurvey(Base):
    """The 1-5 question sent to a guest when their conversation is resolved, and the answer,
    attributed to the AI or to the staff member who handled the conversation."""

    __tablename__ = "csat_surveys"
    __table_args__ = (
        Index("ix_csat_surveys_hotel_asked", "hotel_id", "asked_at"),
        Index("ix_csat_surveys_conversation", "conversation_id", "asked_at"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),
        CheckConstraint("attributed_to IN ('ai', 'staff')", name="attributed_to"),
    )

    hotel_id: Mapped[UUID] = mapped_column(ForeignKey("hotels.id", ondelete="CASCADE"))
    conversation_id: Mapped[UUID] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    asked_at: Mapped[datetime.datetime]
    language: Mapped[str] = mapped_column(String(8), default="en")
    attributed_to: Mapped[str] = mapped_column(String(10))
    staff_id: Mapped[UUID | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    rating: Mapped[int | None]
    answered_at: Mapped[datetime.datetime | None]
    comment: Mapped[str | None] = mapped_column(Text)
    comment_at: Mapped[datetime.datetime | None]


class DraftStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for a person: nothing has reached the guest
    APPROVED = "approved"  # sent as the AI's reply, approved by ``decided_by``
    EDITED = "edited"  # its text was edited and sent as ``decided_by``'s own reply
    DISCARDED = "discarded"  # by a person, or because a person took the conversation
    SUPERSEDED = "superseded"  # the guest wrote again: a fresh draft covers both


class AiDraft(Base):
    """A reply the AI wrote for a person to approve, edit or discard (draft mode, or a draft
    topic). At most one waits per conversation; it answers the guest messages up to
    ``trigger_message_id``. Nothing of it reaches the guest until a person decides."""

    __tablename__ = "ai_drafts"
    __table_args__ = (
        _of_conversations_hotel("ai_drafts"),
        # One draft waiting per conversation; the inbox's "draft waiting" reads this index.
        Index(
            "uq_ai_drafts_pending",
            "conversation_id",
            unique=True,
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_ai_drafts_hotel_created", "hotel_id", "created_at"),
        CheckConstraint(
            "status IN ('pending', 'approved', 'edited', 'discarded', 'superseded')", name="status"
        ),
    )

    hotel_id: Mapped[UUID]
    conversation_id: Mapped[UUID]
    trigger_message_id: Mapped[UUID] = mapped_column(PG_UUID(as_uuid=True))
    text: Mapped[str] = mapped_column(Text)
    sources: Mapped[list[UUID]] = mapped_column(ARRAY(PG_UUID(as_uuid=True)), default=list)
    #: why it is a draft: "mode" (the hotel drafts everything) or the draft topic it is about
    why: Mapped[str] = mapped_column(String(60), default="mode")
    status: Mapped[str] = mapped_column(String(12), default=DraftStatus.PENDING.value)
    decided_at: Mapped[datetime.datetime | None]
    decided_by: Mapped[UUID | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    #: the message it became (approved or edited)
    message_id: Mapped[UUID | None] = mapped_column(PG_UUID(as_uuid=True))

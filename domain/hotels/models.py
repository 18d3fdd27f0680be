from __future__ import annotations

import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.crypto import encrypted_string
from domain.db import Base

DEFAULT_RESTRICTED_TOPICS = ("refunds", "complaints", "billing")


class Hotel(Base):
    __tablename__ = "hotels"
    __table_args__ = (CheckConstraint("ai_mode IN ('auto', 'draft')", name="ai_mode"),)

    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    green_api_instance_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    green_api_token: Mapped[str | None] = mapped_column(encrypted_string())
    green_api_url: Mapped[str | None] = mapped_column(String(300))
    webhook_token: Mapped[str] = mapped_column(encrypted_string())
    persona: Mapped[str] = mapped_column(Text, default="")
    facts: Mapped[str] = mapped_column(Text, default="")
    languages: Mapped[list[str]] = mapped_column(ARRAY(String(8)), default=lambda: ["en"])
    knowledge_language: Mapped[str] = mapped_column(String(8), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    ai_enabled: Mapped[bool] = mapped_column(default=True)
    llm_base_url: Mapped[str | None] = mapped_column(String(300))
    llm_model: Mapped[str | None] = mapped_column(String(100))
    llm_api_key: Mapped[str | None] = mapped_column(encrypted_string())
    retention_days: Mapped[int | None] = mapped_column(default=None)
    instance_state: Mapped[str | None] = mapped_column(String(40))
    instance_state_at: Mapped[datetime.datetime | None]

    # What the admin sets (/admin): the AI's tone beside its persona, and how the desk works.
    tone: Mapped[str] = mapped_column(Text, default="", server_default="")
    # {"mon": [["07:00", "23:00"]], ...} in the hotel's timezone; None: staffed around the clock.
    business_hours: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # Service-level targets for a person: the first reply after a hand-off, and each next reply.
    sla_first_reply_minutes: Mapped[int] = mapped_column(default=5, server_default="5")
    sla_next_reply_minutes: Mapped[int] = mapped_column(default=10, server_default="10")
    # Hand a conversation back to the AI after this many minutes of staff silence; None: never.
    auto_return_minutes: Mapped[int | None]
    # Topics the AI never answers itself: it hands off (restricted) or writes a draft (draft).
    restricted_topics: Mapped[list[str]] = mapped_column(
        ARRAY(String(40)),
        default=lambda: list(DEFAULT_RESTRICTED_TOPICS),
        server_default=text("'{refunds,complaints,billing}'::varchar[]"),
    )
    draft_topics: Mapped[list[str]] = mapped_column(ARRAY(String(40)), default=list, server_default="{}")
    # "auto": the AI answers guests; "draft": it writes drafts a person approves.
    ai_mode: Mapped[str] = mapped_column(String(10), default="auto", server_default="auto")
    csat_enabled: Mapped[bool] = mapped_column(default=True, server_default=text("true"))


class InstanceEvent(Base):
    """A gateway event shown to admins: state changes, quota, calls, unknown webhooks."""

    __tablename__ = "instance_events"

    hotel_id: Mapped[UUID] = mapped_column(ForeignKey("hotels.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(60))
    detail: Mapped[str] = mapped_column(Text, default="")

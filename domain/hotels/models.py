from __future__ import annotations

import datetime
from uuid import UUID

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from domain.crypto import encrypted_string
from domain.db import Base


class Hotel(Base):
    __tablename__ = "hotels"

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


class InstanceEvent(Base):
    """A gateway event shown to admins: state changes, quota, calls, unknown webhooks."""

    __tablename__ = "instance_events"

    hotel_id: Mapped[UUID] = mapped_column(ForeignKey("hotels.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(60))
    detail: Mapped[str] = mapped_column(Text, default="")

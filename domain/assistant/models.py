from __future__ import annotations

import datetime
from uuid import UUID

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import Base


class LlmCall(Base):
    """One call to a hotel's LLM: what it was for, the tokens it used, how long it took.
    The AI cost in analytics is these rows times the prices in the settings."""

    __tablename__ = "llm_calls"
    __table_args__ = (Index("ix_llm_calls_hotel_at", "hotel_id", "at"),)

    hotel_id: Mapped[UUID] = mapped_column(ForeignKey("hotels.id", ondelete="CASCADE"))
    conversation_id: Mapped[UUID | None] = mapped_column(ForeignKey("conversations.id", ondelete="SET NULL"))
    at: Mapped[datetime.datetime]
    # reply, suggest, draft, playground, test, translate
    purpose: Mapped[str] = mapped_column(String(20))
    model: Mapped[str] = mapped_column(String(100))
    prompt_tokens: Mapped[int] = mapped_column(default=0)
    completion_tokens: Mapped[int] = mapped_column(default=0)
    cache_hit_tokens: Mapped[int] = mapped_column(default=0)
    cache_miss_tokens: Mapped[int] = mapped_column(default=0)
    latency_ms: Mapped[int] = mapped_column(default=0)
    ok: Mapped[bool] = mapped_column(default=True)

from __future__ import annotations

import datetime
from uuid import UUID

from sqlalchemy import Computed, ForeignKey, Index, String, Text, text
from sqlalchemy.dialects.postgresql import REGCONFIG, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import Base


class KnowledgeEntry(Base):
    """One fact the AI may use, valid within an optional date range."""

    __tablename__ = "knowledge_entries"
    __table_args__ = (Index("ix_knowledge_entries_search", "search", postgresql_using="gin"),)

    hotel_id: Mapped[UUID] = mapped_column(ForeignKey("hotels.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8), default="en")
    search_config: Mapped[str] = mapped_column(REGCONFIG, server_default=text("'simple'::regconfig"))
    valid_from: Mapped[datetime.date | None]
    valid_until: Mapped[datetime.date | None]
    search: Mapped[str] = mapped_column(
        TSVECTOR,
        Computed(
            "to_tsvector(search_config, coalesce(title, '') || ' ' || coalesce(body, ''))", persisted=True
        ),
    )

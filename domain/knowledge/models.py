from __future__ import annotations

import datetime
from uuid import UUID

from sqlalchemy import Computed, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import ARRAY, REGCONFIG, TSVECTOR
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
    #: lower-case words the admin groups entries by ("spa", "summer-2027"); the AI does not see them
    tags: Mapped[list[str]] = mapped_column(
        ARRAY(String(40)), default=list, server_default=text("'{}'::varchar[]")
    )
    search_config: Mapped[str] = mapped_column(REGCONFIG, server_default=text("'simple'::regconfig"))
    valid_from: Mapped[datetime.date | None]
    valid_until: Mapped[datetime.date | None]
    search: Mapped[str] = mapped_column(
        TSVECTOR,
        Computed(
            "to_tsvector(search_config, coalesce(title, '') || ' ' || coalesce(body, ''))", persisted=True
        ),
    )


class KnowledgeGapResolution(Base):
    """A question the AI could not answer from the knowledge, answered since by an entry.

    The gaps themselves are read from the AI's hand-offs (``state_transitions`` with reason
    ``not_in_knowledge``); this row hides the group of questions with this key that were asked
    before ``resolved_at``. The same question asked again after it is a gap again.
    """

    __tablename__ = "knowledge_gap_resolutions"
    __table_args__ = (UniqueConstraint("hotel_id", "question_key"),)

    hotel_id: Mapped[UUID] = mapped_column(ForeignKey("hotels.id", ondelete="CASCADE"))
    question_key: Mapped[str] = mapped_column(String(200))
    resolved_at: Mapped[datetime.datetime]
    entry_id: Mapped[UUID | None] = mapped_column(ForeignKey("knowledge_entries.id", ondelete="SET NULL"))
    staff_id: Mapped[UUID | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))

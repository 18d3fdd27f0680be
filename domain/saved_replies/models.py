"""A saved reply: a canned answer staff insert with a short code, per hotel and language."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import Base


class SavedReply(Base):
    """A canned answer staff insert with a short code, per hotel and language."""

    __tablename__ = "saved_replies"
    __table_args__ = (UniqueConstraint("hotel_id", "shortcut", "language"),)

    hotel_id: Mapped[UUID] = mapped_column(ForeignKey("hotels.id", ondelete="CASCADE"))
    shortcut: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(8), default="en")
    text: Mapped[str] = mapped_column(Text)

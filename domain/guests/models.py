from __future__ import annotations

import datetime
from uuid import UUID

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import Base


class Guest(Base):
    """A WhatsApp chat with the hotel: one person, or a group (``@g.us``)."""

    __tablename__ = "guests"
    __table_args__ = (UniqueConstraint("hotel_id", "chat_id"),)

    hotel_id: Mapped[UUID] = mapped_column(ForeignKey("hotels.id", ondelete="CASCADE"))
    chat_id: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str | None] = mapped_column(String(8))
    is_group: Mapped[bool] = mapped_column(default=False)
    room: Mapped[str | None] = mapped_column(String(20))
    last_inbound_at: Mapped[datetime.datetime | None]

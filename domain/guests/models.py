from __future__ import annotations

import datetime
from uuid import UUID

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import Base
from domain.guests.chat_ids import is_lid, is_phone_number


class Guest(Base):
    """A WhatsApp chat with the hotel: one person, or a group (``@g.us``).

    A person can be known by two ids (docs/external-apis.md §A9): ``chat_id``, the one they first
    wrote from, where replies go; and ``alt_chat_id``, the other one once it is learnt (their
    ``…@lid``, or their number's ``…@c.us``). ``phone`` is the number (``+491701234567``) when it is
    known, else the chat id stands in (a group's, or a lid's). Each is unique per hotel, so one
    person is one guest with one conversation.
    """

    __tablename__ = "guests"
    __table_args__ = (
        UniqueConstraint("hotel_id", "chat_id"),
        Index(
            "uq_guests_hotel_id_alt_chat_id",
            "hotel_id",
            "alt_chat_id",
            unique=True,
            postgresql_where=text("alt_chat_id IS NOT NULL"),
        ),
        Index("uq_guests_hotel_id_phone", "hotel_id", "phone", unique=True),
        # The few guests the worker has not asked Green API about yet (docs/external-apis.md §A9),
        # for its sweep.
        Index("ix_guests_ids_unchecked", "created_at", postgresql_where=text("ids_checked_at IS NULL")),
    )

    hotel_id: Mapped[UUID] = mapped_column(ForeignKey("hotels.id", ondelete="CASCADE"))
    chat_id: Mapped[str] = mapped_column(String(120))
    alt_chat_id: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str | None] = mapped_column(String(8))
    is_group: Mapped[bool] = mapped_column(default=False)
    room: Mapped[str | None] = mapped_column(String(20))
    last_inbound_at: Mapped[datetime.datetime | None]
    ids_checked_at: Mapped[datetime.datetime | None]

    @property
    def chat_ids(self) -> tuple[str, ...]:
        """Every id this guest writes (and is written to) under."""
        return (self.chat_id, self.alt_chat_id) if self.alt_chat_id else (self.chat_id,)

    @property
    def phone_number(self) -> str | None:
        return self.phone if is_phone_number(self.phone) else None

    @property
    def lid(self) -> str | None:
        return next((chat_id for chat_id in self.chat_ids if is_lid(chat_id)), None)

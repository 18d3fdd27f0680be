from __future__ import annotations

from uuid import UUID

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import Base


class ServiceRequest(Base):
    """Housekeeping, maintenance and the like, raised by the AI or by staff."""

    __tablename__ = "service_requests"
    # The inbox looks up each conversation's open requests on every live push.
    __table_args__ = (Index("ix_service_requests_conversation", "conversation_id"),)

    hotel_id: Mapped[UUID] = mapped_column(ForeignKey("hotels.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[UUID | None] = mapped_column(ForeignKey("conversations.id", ondelete="SET NULL"))
    guest_id: Mapped[UUID | None] = mapped_column(ForeignKey("guests.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(40))
    details: Mapped[str] = mapped_column(Text)
    room: Mapped[str] = mapped_column(String(20), default="")
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_by: Mapped[str] = mapped_column(String(10), default="ai")

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import Base


class AuditEntry(Base):
    """One change someone made to a hotel's administration: who (``actor_staff_id``, NULL once that
    account is gone or for the platform's own changes), what (``action``, e.g. ``staff.role_changed``),
    to whom or what (``target``, as it read then) and the particulars (``detail``, never a secret).
    Rows are only ever added; ``created_at`` is when it happened."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_hotel_created", "hotel_id", "created_at"),
        Index("ix_audit_log_hotel_action_created", "hotel_id", "action", "created_at"),
    )

    hotel_id: Mapped[UUID] = mapped_column(ForeignKey("hotels.id", ondelete="CASCADE"))
    actor_staff_id: Mapped[UUID | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(300), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)

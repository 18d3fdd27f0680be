from __future__ import annotations

import enum
from uuid import UUID

from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from domain.db import Base


class Role(enum.StrEnum):
    AGENT = "agent"
    MANAGER = "manager"
    ADMIN = "admin"


class StaffUser(Base):
    __tablename__ = "staff_users"
    __table_args__ = (UniqueConstraint("oidc_issuer", "oidc_subject"),)

    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8), default="en")
    is_active: Mapped[bool] = mapped_column(default=True)
    is_superuser: Mapped[bool] = mapped_column(default=False)
    oidc_issuer: Mapped[str | None] = mapped_column(String(255))
    oidc_subject: Mapped[str | None] = mapped_column(String(255))


class Membership(Base):
    """A staff member's role at one hotel; a person may work for several.

    ``is_active`` is the hotel's say: its admins deactivate the membership, never the account
    (``StaffUser.is_active``, which only a platform operator switches off).
    """

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("staff_id", "hotel_id"),)

    staff_id: Mapped[UUID] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    hotel_id: Mapped[UUID] = mapped_column(ForeignKey("hotels.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(
        Enum(Role, name="staff_role", values_callable=lambda e: [m.value for m in e])
    )
    is_active: Mapped[bool] = mapped_column(default=True, server_default=true())

from __future__ import annotations

import datetime
import enum
from uuid import UUID

from sqlalchemy import Enum, ForeignKey, Index, String, UniqueConstraint, true
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


class StaffInvite(Base):
    """A single-use link that lets someone join one hotel in one role.

    Only the SHA-256 of the link's token is kept: the link is shown once to the admin who made it.
    The invite is pending until it is accepted, revoked or past ``expires_at``.
    """

    __tablename__ = "staff_invites"
    __table_args__ = (Index("ix_staff_invites_hotel_pending", "hotel_id", "email"),)

    hotel_id: Mapped[UUID] = mapped_column(ForeignKey("hotels.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[Role] = mapped_column(
        Enum(Role, name="staff_role", values_callable=lambda e: [m.value for m in e], create_type=False)
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[UUID | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime.datetime]
    accepted_at: Mapped[datetime.datetime | None]
    accepted_by: Mapped[UUID | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime.datetime | None]


class PasswordReset(Base):
    """A single-use link an admin made so that one staff member of their hotel sets a new password.

    As with invites, only the token's SHA-256 is kept; a newer link for the same person revokes the
    older ones, and using it ends every other session of the account.
    """

    __tablename__ = "password_resets"

    hotel_id: Mapped[UUID] = mapped_column(ForeignKey("hotels.id", ondelete="CASCADE"))
    staff_id: Mapped[UUID] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[UUID | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime.datetime]
    used_at: Mapped[datetime.datetime | None]
    revoked_at: Mapped[datetime.datetime | None]

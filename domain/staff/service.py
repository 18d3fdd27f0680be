"""Staff accounts and their roles at hotels."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.hotels.models import Hotel
from domain.staff.models import Membership, Role, StaffUser
from domain.staff.passwords import hash_password, needs_rehash, verify_password


async def create_or_update_staff(
    session: AsyncSession, *, email: str, name: str, password: str | None, hotel_id: UUID, role: Role
) -> StaffUser:
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise ValueError("a valid email address is required")
    staff = (await session.execute(select(StaffUser).where(StaffUser.email == email))).scalar_one_or_none()
    if staff is None:
        staff = StaffUser(email=email, name=name, is_active=True, is_superuser=False, language="en")
        session.add(staff)
    staff.name = name or staff.name
    if password:
        staff.password_hash = hash_password(password)
    await session.flush()
    membership = (
        await session.execute(
            select(Membership).where(Membership.staff_id == staff.id, Membership.hotel_id == hotel_id)
        )
    ).scalar_one_or_none()
    if membership is None:
        session.add(Membership(staff_id=staff.id, hotel_id=hotel_id, role=role))
    else:
        membership.role = role
    return staff


@dataclass(frozen=True, slots=True)
class HotelRole:
    hotel_id: UUID
    hotel_name: str
    slug: str
    role: Role


_DUMMY_HASH = hash_password("not-a-real-password-0000")


async def authenticate(session: AsyncSession, email: str, password: str) -> StaffUser | None:
    """The active staff member with these credentials; the same work whether or not the email exists."""
    staff = (
        await session.execute(select(StaffUser).where(StaffUser.email == email.strip().lower()))
    ).scalar_one_or_none()
    if staff is None or not staff.password_hash:
        verify_password(_DUMMY_HASH, password)
        return None
    if not verify_password(staff.password_hash, password) or not staff.is_active:
        return None
    if needs_rehash(staff.password_hash):
        staff.password_hash = hash_password(password)
    return staff


async def hotel_roles(session: AsyncSession, staff_id: UUID) -> list[HotelRole]:
    rows = await session.execute(
        select(Hotel.id, Hotel.name, Hotel.slug, Membership.role)
        .join(Membership, Membership.hotel_id == Hotel.id)
        .where(Membership.staff_id == staff_id)
        .order_by(Hotel.name)
    )
    return [HotelRole(row.id, row.name, row.slug, Role(row.role)) for row in rows]


async def set_active(session: AsyncSession, hotel_id: UUID, staff_id: UUID, *, active: bool) -> StaffUser:
    """Activate or deactivate a staff member of this hotel (only members of the acting hotel)."""
    staff = (
        await session.execute(
            select(StaffUser)
            .join(Membership, Membership.staff_id == StaffUser.id)
            .where(StaffUser.id == staff_id, Membership.hotel_id == hotel_id)
        )
    ).scalar_one_or_none()
    if staff is None:
        raise LookupError("no such staff member at this hotel")
    staff.is_active = active
    return staff

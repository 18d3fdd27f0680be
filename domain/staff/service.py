"""Staff accounts and their roles at hotels."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import NotFound
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


class StaffNotFound(NotFound):
    pass


async def may_sign_in(session: AsyncSession, staff: StaffUser) -> bool:
    """An account the operator has not disabled, with at least one hotel that still lets it in."""
    if not staff.is_active:
        return False
    active = await session.execute(
        select(Membership.id).where(Membership.staff_id == staff.id, Membership.is_active).limit(1)
    )
    return active.first() is not None


async def authenticate(session: AsyncSession, email: str, password: str) -> StaffUser | None:
    """The staff member with these credentials who may sign in; the same work whether or not the
    email exists."""
    staff = (
        await session.execute(select(StaffUser).where(StaffUser.email == email.strip().lower()))
    ).scalar_one_or_none()
    if staff is None or not staff.password_hash:
        verify_password(_DUMMY_HASH, password)
        return None
    if not verify_password(staff.password_hash, password) or not await may_sign_in(session, staff):
        return None
    if needs_rehash(staff.password_hash):
        staff.password_hash = hash_password(password)
    return staff


async def hotel_roles(session: AsyncSession, staff_id: UUID) -> list[HotelRole]:
    """The hotels where this staff member's membership is active."""
    rows = await session.execute(
        select(Hotel.id, Hotel.name, Hotel.slug, Membership.role)
        .join(Membership, Membership.hotel_id == Hotel.id)
        .where(Membership.staff_id == staff_id, Membership.is_active)
        .order_by(Hotel.name)
    )
    return [HotelRole(row.id, row.name, row.slug, Role(row.role)) for row in rows]


@dataclass(frozen=True, slots=True)
class StaffMember:
    """One row of a hotel's staff list."""

    id: UUID
    name: str
    email: str
    role: Role
    active_here: bool
    account_disabled: bool


async def hotel_staff(session: AsyncSession, hotel_id: UUID) -> list[StaffMember]:
    rows = await session.execute(
        select(StaffUser, Membership)
        .join(Membership, Membership.staff_id == StaffUser.id)
        .where(Membership.hotel_id == hotel_id)
        .order_by(StaffUser.name)
    )
    return [
        StaffMember(
            staff.id, staff.name, staff.email, membership.role, membership.is_active, not staff.is_active
        )
        for staff, membership in rows.tuples()
    ]


async def set_membership_active(
    session: AsyncSession, hotel_id: UUID, staff_id: UUID, *, active: bool
) -> Membership:
    """Let a staff member into this hotel again, or stop them; their other hotels are not touched."""
    membership = (
        await session.execute(
            select(Membership)
            .where(Membership.staff_id == staff_id, Membership.hotel_id == hotel_id)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if membership is None:
        raise StaffNotFound("no such staff member at this hotel")
    membership.is_active = active
    return membership


async def set_account_active(session: AsyncSession, email: str, *, active: bool) -> StaffUser:
    """The platform operator's switch: an account disabled here cannot sign in to any hotel."""
    staff = (
        await session.execute(
            select(StaffUser).where(StaffUser.email == email.strip().lower()).with_for_update()
        )
    ).scalar_one_or_none()
    if staff is None:
        raise StaffNotFound(f"no staff account with email {email.strip().lower()}")
    staff.is_active = active
    return staff


async def find_staff(session: AsyncSession, staff_id: UUID) -> StaffUser | None:
    return (await session.execute(select(StaffUser).where(StaffUser.id == staff_id))).scalar_one_or_none()

"""Staff accounts and their roles at hotels."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.staff.models import Membership, Role, StaffUser
from domain.staff.passwords import hash_password


async def create_or_update_staff(
    session: AsyncSession, *, email: str, name: str, password: str | None, hotel_id: object, role: Role
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

"""Who is acting: the signed-in staff member, for which hotel, in which role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from litestar.connection import ASGIConnection

from domain.staff.models import Role
from domain.staff.service import HotelRole, find_staff, hotel_roles
from observability.logs import bind
from web.resources import Resources
from web.sessions import StaffSession

ROLE_RANK = {Role.AGENT: 0, Role.MANAGER: 1, Role.ADMIN: 2}


class LoginRequired(Exception):
    pass


class Forbidden(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Actor:
    session: StaffSession
    staff_id: UUID
    name: str
    email: str
    hotel: HotelRole
    hotels: list[HotelRole]

    @property
    def hotel_id(self) -> UUID:
        return self.hotel.hotel_id

    @property
    def role(self) -> Role:
        return self.hotel.role

    def at_least(self, role: Role) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]

    def require(self, role: Role) -> None:
        if not self.at_least(role):
            raise Forbidden(f"this needs the {role.value} role")


def cookie_name(resources: Resources) -> str:
    return "__Host-hb_session" if resources.secure_cookies else "hb_session"


async def load_actor(connection: ASGIConnection[Any, Any, Any, Any], resources: Resources) -> Actor:
    """The acting staff member of an HTTP request or a websocket handshake."""
    session = await resources.session_store.load(connection.cookies.get(cookie_name(resources)))
    if session is None:
        raise LoginRequired
    async with resources.uow() as uow:
        staff = await find_staff(uow, session.staff_id)
        roles = await hotel_roles(uow, staff.id) if staff is not None and staff.is_active else []
    hotel = next((r for r in roles if r.hotel_id == session.hotel_id), None)
    if hotel is None and session.hotel_id is None and roles:
        hotel = roles[0]
    if staff is None or hotel is None:
        # The account was disabled, or the hotel this session acts for deactivated the membership
        # (a notice to end the session may have been missed): the session ends here.
        await resources.session_store.destroy(session.token)
        raise LoginRequired
    bind(hotel_id=hotel.hotel_id, staff_id=staff.id)  # every log line of this request says who and where
    return Actor(session, staff.id, staff.name, staff.email, hotel, roles)

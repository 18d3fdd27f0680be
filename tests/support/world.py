"""The world most web tests start from: two hotels and the staff who sign in to them, as real rows.

Aurora (webhook token hook-a) and Borealis (hook-b); the staff are always the same people, so a
test names who it needs and reads them back by name:

- Anna, an agent at Aurora (anna@aurora.example)
- Bob, an agent at Borealis (bob@borealis.example)
- Alex at Aurora, in the role the test gives (alex@aurora.example)
- Bella, an admin at Borealis (bella@borealis.example)
- Sam, an agent at both hotels (sam@hotels.example)
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.hotels.models import Hotel
from domain.staff.models import Role
from tests.support.factories import make_hotel
from tests.support.web import make_staff

SAM = "sam@hotels.example"


@dataclass(frozen=True, slots=True)
class World:
    """A staff member's id is None in a world built without them."""

    aurora: Hotel
    borealis: Hotel
    anna: UUID | None = None
    bob: UUID | None = None
    alex: UUID | None = None
    bella: UUID | None = None
    sam: UUID | None = None


async def build_world(
    sessions: async_sessionmaker[AsyncSession],
    *,
    anna: bool = True,
    bob: bool = True,
    alex: Role | None = None,
    bella: bool = False,
    sam: bool = False,
) -> World:
    """The two hotels with Anna and Bob, and Alex (in ``alex``'s role), Bella and Sam when asked."""
    aurora = await make_hotel(sessions, name="Hotel Aurora", webhook_token="hook-a")
    borealis = await make_hotel(sessions, name="Hotel Borealis", webhook_token="hook-b")
    staff: dict[str, UUID] = {}
    if sam:
        staff["sam"] = await make_staff(sessions, aurora.id, SAM, Role.AGENT, "Sam")
        await make_staff(sessions, borealis.id, SAM, Role.AGENT, "Sam")
    if anna:
        staff["anna"] = await make_staff(sessions, aurora.id, "anna@aurora.example", Role.AGENT)
    if alex is not None:
        staff["alex"] = await make_staff(sessions, aurora.id, "alex@aurora.example", alex)
    if bob:
        staff["bob"] = await make_staff(sessions, borealis.id, "bob@borealis.example", Role.AGENT)
    if bella:
        staff["bella"] = await make_staff(sessions, borealis.id, "bella@borealis.example", Role.ADMIN)
    return World(aurora=aurora, borealis=borealis, **staff)

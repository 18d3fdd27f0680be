"""Which hotels a manager's analytics cover, and which conversations a click-through asks for:
pure checks of the query string (the memberships come from the signed-in staff member)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from domain.analytics.conversations import Filter
from domain.analytics.rules import InvalidPeriod, Period
from domain.errors import NotFound
from domain.staff.models import Role

ALL = "all"
SEES_ANALYTICS = frozenset({Role.MANAGER, Role.ADMIN})
MAX_REASON = 60  # state_transitions.reason
MAX_LANGUAGE = 8  # guests.language


class UnknownHotel(NotFound):
    """Not a hotel this manager sees: the same answer for one that does not exist."""


@dataclass(frozen=True, slots=True)
class Managed:
    hotel_id: UUID
    name: str
    slug: str


@dataclass(frozen=True, slots=True)
class HotelChoice:
    """The hotels whose analytics the staff member may read (where they are manager or admin),
    the one they act for first."""

    hotels: tuple[Managed, ...]

    @classmethod
    def of(cls, acting: UUID, memberships: Sequence[tuple[UUID, str, str, Role]]) -> HotelChoice:
        managed = [Managed(i, name, slug) for i, name, slug, role in memberships if role in SEES_ANALYTICS]
        managed.sort(key=lambda h: (h.hotel_id != acting, h.name.casefold()))
        return cls(tuple(managed))

    @property
    def several(self) -> bool:
        return len(self.hotels) > 1


@dataclass(frozen=True, slots=True)
class Chosen:
    hotel_ids: tuple[UUID, ...]
    key: UUID | None  # the report's row: one hotel's, or None for the group
    param: str  # what ``hotel=`` says for it in links: a slug, or "all"
    name: str


def choose_hotels(choice: HotelChoice, hotel: str | None) -> Chosen:
    """``hotel`` is a slug (or id) of a hotel the manager sees, or ``all``; left out, all of them
    when there are several. Any other hotel is unknown, whether it exists or not."""
    if not choice.hotels:
        raise UnknownHotel("no hotel to show")
    if hotel is None:
        hotel = ALL if choice.several else choice.hotels[0].slug
    if hotel == ALL:
        ids = tuple(h.hotel_id for h in choice.hotels)
        return Chosen(ids, None if choice.several else ids[0], ALL, "All your hotels")
    for h in choice.hotels:
        if hotel in (h.slug, str(h.hotel_id)):
            return Chosen((h.hotel_id,), h.hotel_id, h.slug, h.name)
    raise UnknownHotel("no such hotel")


def _int(text: str, name: str, low: int, high: int) -> int:
    if not text.isdigit() or not low <= int(text) <= high:
        raise InvalidPeriod(f"{name} must be a whole number from {low} to {high}")
    return int(text)


def click_filter(
    period: Period,
    *,
    day: str | None = None,
    reason: str | None = None,
    weekday: str | None = None,
    hour: str | None = None,
    staff: str | None = None,
    language: str | None = None,
) -> Filter:
    """The conversations behind one mark of a chart, checked: a day inside the period, a heatmap
    cell (weekday 1-7, hour 0-23, both given), a staff id, a reason or a language of sane length."""
    if day is not None:
        try:
            when = datetime.date.fromisoformat(day)
        except ValueError:
            raise InvalidPeriod("day must be a date like 2026-03-29") from None
        if not period.first <= when <= period.last:
            raise InvalidPeriod("day must be inside the period")
        return Filter(day=when)
    if reason is not None:
        if not reason or len(reason) > MAX_REASON:
            raise InvalidPeriod("reason is not one a hand-off can have")
        return Filter(reason=reason)
    if weekday is not None or hour is not None:
        if weekday is None or hour is None:
            raise InvalidPeriod("a heatmap cell needs both weekday and hour")
        return Filter(weekday=_int(weekday, "weekday", 1, 7), hour=_int(hour, "hour", 0, 23))
    if staff is not None:
        try:
            return Filter(staff_id=UUID(staff))
        except ValueError:
            raise InvalidPeriod("staff must be a staff member's id") from None
    if language is not None:
        if len(language) > MAX_LANGUAGE:
            raise InvalidPeriod("language must be a language code")
        return Filter(language=language)
    return Filter()

"""What the analytics figures mean, as pure functions: the period a manager asks for, the hotel's
open hours as instants, what counts as an automated acknowledgement, the AI's cost and CSV cells.
docs/analytics.md defines every figure; the SQL in ``queries`` only aggregates."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from domain.conversations.guest_texts import HAND_OFF, HOLDING, RESEND_PLEASE
from domain.errors import Invalid
from domain.hotels import hours

DEFAULT_DAYS = 30
MAX_DAYS = 366  # a year (a leap year's too); longer ranges are refused, not silently cut
EARLIEST = datetime.date(2000, 1, 1)
LATEST = datetime.date(2100, 12, 31)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # ISO order: Monday is 1
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# What the product sends by itself (a holding message, the hand-off notice it adds when the model
# wrote none, "please send that again"): never a reply, neither the AI's nor a person's. Messages
# by the ``system`` author, or whose ``details`` carry an ``automated`` key, are the same.
ACKNOWLEDGEMENT_TEXTS: tuple[str, ...] = tuple(
    sorted({*HOLDING.values(), *HAND_OFF.values(), *RESEND_PLEASE.values()})
)


class InvalidPeriod(Invalid):
    pass


@dataclass(frozen=True, slots=True)
class Period:
    """From ``first`` to ``last``, both days included, as calendar days of each hotel's timezone."""

    first: datetime.date
    last: datetime.date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def dates(self) -> list[datetime.date]:
        return [self.first + datetime.timedelta(days=n) for n in range(self.days)]

    def window(self, timezone: str) -> tuple[datetime.datetime, datetime.datetime]:
        """The instants the period covers in ``timezone``: its first local midnight, inclusive, to
        the local midnight after its last day, exclusive (23 or 25 hours on a DST day)."""
        zone = hours.zone_of(timezone)
        start = datetime.datetime.combine(self.first, datetime.time(), zone)
        end = datetime.datetime.combine(self.last + datetime.timedelta(days=1), datetime.time(), zone)
        return start.astimezone(datetime.UTC), end.astimezone(datetime.UTC)


@dataclass(frozen=True, slots=True)
class LocalHour:
    """One hour of a hotel's clock during a period: the real instants [start, end) it covers."""

    day: datetime.date
    weekday: int  # ISO, Monday 1
    hour: int
    start: datetime.datetime
    end: datetime.datetime


def _offset_change(low: datetime.datetime, high: datetime.datetime, zone: ZoneInfo) -> datetime.datetime:
    """The instant in (low, high] when ``zone``'s UTC offset changes (the clocks jump at a whole
    second, and ``low`` is one), found by halving."""
    offset = low.astimezone(zone).utcoffset()
    while high - low > datetime.timedelta(seconds=1):
        middle = low + datetime.timedelta(seconds=(high - low) // datetime.timedelta(seconds=2))
        if middle.astimezone(zone).utcoffset() == offset:
            low = middle
        else:
            high = middle
    return high


def local_hours(timezone: str, period: Period) -> list[LocalHour]:
    """Every hour of the period on the hotel's clock with the instants it covers, so that a
    statement attributes a row to its local day and hour by comparing instants (the day and hour
    ``created_at AT TIME ZONE`` names, without converting every row). Together they cover
    ``period.window`` exactly, each instant once: the night the clocks go forward has no 02:00,
    the night they go back 02:00 covers two real hours (and an hour the clocks return into in
    the middle, as on the Chatham Islands, is listed once for each stretch)."""
    zone = hours.zone_of(timezone)
    at, end = period.window(timezone)
    here = at.astimezone(zone)
    spans: list[LocalHour] = []
    while at < end:
        rest = datetime.timedelta(
            minutes=60 - here.minute, seconds=-here.second, microseconds=-here.microsecond
        )
        until = min(at + rest, end)
        there = until.astimezone(zone)
        if there.utcoffset() != here.utcoffset():
            until = _offset_change(at, until, zone)
            there = until.astimezone(zone)
        last = spans[-1] if spans else None
        if last and (last.day, last.hour) == (here.date(), here.hour):
            spans[-1] = LocalHour(last.day, last.weekday, last.hour, last.start, until)
        else:
            spans.append(LocalHour(here.date(), here.isoweekday(), here.hour, at, until))
        at, here = until, there
    return spans


def _date(text: str, name: str) -> datetime.date:
    if len(text) != 10:
        raise InvalidPeriod(f"{name} must be a date like 2026-03-29")
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        raise InvalidPeriod(f"{name} must be a date like 2026-03-29") from None
    if not EARLIEST <= day <= LATEST:
        raise InvalidPeriod(f"{name} must be between {EARLIEST} and {LATEST}")
    return day


def parse_period(first: str | None, last: str | None, today: datetime.date) -> Period:
    """The period of a query string: ``from`` and ``to`` (either may be left out: the last
    DEFAULT_DAYS days up to today). Refuses a bad date, ``from`` after ``to`` and more than
    MAX_DAYS days."""
    end = _date(last, "to") if last else today
    start = _date(first, "from") if first else end - datetime.timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise InvalidPeriod("from must not be after to")
    period = Period(start, end)
    if period.days > MAX_DAYS:
        raise InvalidPeriod(f"a period can be at most {MAX_DAYS} days")
    return period


def open_intervals(
    business_hours: Mapping[str, Any] | None, timezone: str, period: Period
) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """When a person is on duty during the period, as UTC instants [start, end), read as the rest
    of the product reads business hours (``domain.hotels.hours``). None means staffed around the
    clock: the whole period (and the day before, whose late spans reach into it) is open."""
    start, end = period.window(timezone)
    if business_hours is None:
        return [(start - datetime.timedelta(days=1), end)]
    return hours.open_spans(business_hours, hours.zone_of(timezone), start - datetime.timedelta(days=1), end)


def is_acknowledgement(author: str, text: str | None, details: Mapping[str, Any] | None) -> bool:
    """An automated message: the ``system`` author, ``details.automated``, or one of the product's
    own texts (queries pass ACKNOWLEDGEMENT_TEXTS to SQL, which tests the same three things)."""
    return author == "system" or bool(details and "automated" in details) or text in ACKNOWLEDGEMENT_TEXTS


@dataclass(frozen=True, slots=True)
class Prices:
    """Per million tokens, in ``currency`` (the settings' LLM_PRICE_*)."""

    cache_hit: float
    cache_miss: float
    output: float
    currency: str = "USD"


def cost(prices: Prices, *, cache_hit_tokens: int, cache_miss_tokens: int, output_tokens: int) -> float:
    """What the tokens cost; linear, so the cost of summed tokens is the sum of the costs."""
    return (
        cache_hit_tokens * prices.cache_hit
        + cache_miss_tokens * prices.cache_miss
        + output_tokens * prices.output
    ) / 1_000_000


def rate(part: float, whole: int) -> float | None:
    """``part`` of ``whole`` (a share 0..1, or a cost per conversation), or None when there is
    nothing to divide by."""
    return part / whole if whole else None


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: one starting with = + - @ (or a tab or carriage return,
    OWASP's list) gets a leading apostrophe, so it is never run as a formula. Numbers we computed
    are written as they are."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return (f"{value:.6f}".rstrip("0").rstrip(".") or "0") if isinstance(value, float) else str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text

"""When the front desk is staffed: the hotel's business hours, as moments in time. Pure.

``business_hours`` is ``{"mon": [["07:00", "23:00"]], ...}`` in the hotel's own timezone; None means
staffed around the clock, and a day that is missing (or has no spans) is closed all day. A span
whose end is not after its start runs past midnight (``["22:00", "02:00"]``); ``"24:00"`` is the end
of the day. Local times are turned into instants by the zone's rules on that very date, so a desk
that opens at 7:00 opens at 7:00 on both sides of a DST change; a time the clocks skip is the end
of the gap. The one reading of business hours: the settings page's checks, the waiting-guest timers,
the holding message and analytics all use it.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")
_LOOK_AHEAD_DAYS = 8  # a week and a day: every weekly opening is found


def zone_of(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def _minutes(value: object) -> int | None:
    match = _TIME.match(str(value).strip())
    if match is None:
        return None
    minutes = int(match[1]) * 60 + int(match[2])
    return minutes if minutes <= 24 * 60 else None


def _spans(hours: Mapping[str, Any], day: str) -> Iterator[tuple[int, int]]:
    """The day's spans in minutes after its midnight; one past midnight ends the next day."""
    raw = hours.get(day) or ()
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        return
    for span in raw:
        if not isinstance(span, Sequence) or isinstance(span, str) or len(span) != 2:
            continue
        start, end = _minutes(span[0]), _minutes(span[1])
        if start is None or end is None or start >= 24 * 60:
            continue
        yield start, end if end > start else end + 24 * 60


def _at(date: datetime.date, minutes: int, zone: ZoneInfo) -> datetime.datetime:
    """The instant of ``minutes`` after local midnight of ``date`` (past 24:00: the next day)."""
    days, minutes = divmod(minutes, 24 * 60)
    wall = datetime.datetime.combine(
        date + datetime.timedelta(days=days), datetime.time(minutes // 60, minutes % 60), zone
    )
    instant = wall.astimezone(datetime.UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == wall.replace(tzinfo=None):
        return instant
    # The clocks skip this time: the end of the gap, the first minute the wall clock is past it.
    moment = wall.replace(fold=1).astimezone(datetime.UTC)
    while moment.astimezone(zone).replace(tzinfo=None) < wall.replace(tzinfo=None):
        moment += datetime.timedelta(minutes=1)
    return moment


def open_spans(
    hours: Mapping[str, Any], zone: ZoneInfo, start: datetime.datetime, end: datetime.datetime
) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """The desk's open spans that touch ``[start, end)``, as UTC instants, merged and in order."""
    first = start.astimezone(zone).date() - datetime.timedelta(days=1)
    last = end.astimezone(zone).date()
    spans: list[tuple[datetime.datetime, datetime.datetime]] = []
    date = first
    while date <= last:
        for begin, finish in _spans(hours, DAYS[date.weekday()]):
            opened, closed = _at(date, begin, zone), _at(date, finish, zone)
            if closed > start and opened < end:
                spans.append((opened, closed))
        date += datetime.timedelta(days=1)
    spans.sort()
    merged: list[tuple[datetime.datetime, datetime.datetime]] = []
    for opened, closed in spans:
        if merged and opened <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], closed))
        else:
            merged.append((opened, closed))
    return merged


def is_open(hours: Mapping[str, Any] | None, timezone: str | None, at: datetime.datetime) -> bool:
    if hours is None:
        return True
    return any(
        opened <= at < closed
        for opened, closed in open_spans(hours, zone_of(timezone), at, at + datetime.timedelta(seconds=1))
    )


def next_opening(
    hours: Mapping[str, Any] | None, timezone: str | None, at: datetime.datetime
) -> datetime.datetime | None:
    """``at`` itself when the desk is open then, else when it opens next; None if it never does."""
    if hours is None:
        return at
    horizon = at + datetime.timedelta(days=_LOOK_AHEAD_DAYS)
    for opened, closed in open_spans(hours, zone_of(timezone), at, horizon):
        if closed > at:
            return max(opened, at)
    return None


def staffed_seconds(
    hours: Mapping[str, Any] | None, timezone: str | None, start: datetime.datetime, end: datetime.datetime
) -> float:
    """How much of ``[start, end)`` the desk was open: the part of a guest's wait that counts."""
    if end <= start:
        return 0.0
    if hours is None:
        return (end - start).total_seconds()
    spans = open_spans(hours, zone_of(timezone), start, end)
    return sum(max(0.0, (min(closed, end) - max(opened, start)).total_seconds()) for opened, closed in spans)


def opening_label(opening: datetime.datetime, timezone: str | None, now: datetime.datetime) -> str:
    """How the holding message names the opening, in the hotel's time: ``7:00`` within a day,
    else with its date (``2026-12-07 7:00``), which reads the same in every language."""
    local = opening.astimezone(zone_of(timezone))
    clock = f"{local.hour}:{local.minute:02d}"
    if opening - now < datetime.timedelta(hours=24):
        return clock
    return f"{local.date().isoformat()} {clock}"

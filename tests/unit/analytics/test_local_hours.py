"""The local hours the volume and heatmap statements read messages by: every instant of a period
in exactly one hour, named as the hotel's clock names it (what ``AT TIME ZONE`` would say)."""

from __future__ import annotations

import datetime
import itertools
from zoneinfo import ZoneInfo

import pytest

from domain.analytics.rules import Period, local_hours

UTC = datetime.UTC


@pytest.mark.parametrize(
    "zone",
    [
        "Europe/Rome",  # forward 02:00 -> 03:00 on 2026-03-29, back 03:00 -> 02:00 on 2026-10-25
        "America/New_York",
        "America/Havana",  # the clocks jump at midnight
        "Australia/Lord_Howe",  # half-hour jumps
        "Pacific/Chatham",  # back from 03:45 to 02:45: hour 3 comes, goes and comes again
        "Asia/Kathmandu",  # +05:45, no DST
        "UTC",
    ],
)
def test_every_instant_of_the_year_is_in_the_hour_its_clock_shows(zone: str) -> None:
    period = Period(datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
    hours = local_hours(zone, period)
    start, end = period.window(zone)
    assert (hours[0].start, hours[-1].end) == (start, end)
    assert all(a.end == b.start for a, b in itertools.pairwise(hours))
    clock = ZoneInfo(zone)
    instant, i = start, 0
    while instant < end:
        while not hours[i].start <= instant < hours[i].end:
            i += 1  # the hours are in order and touch: the one holding it is ahead
        local, hour = instant.astimezone(clock), hours[i]
        assert (hour.day, hour.weekday, hour.hour) == (local.date(), local.isoweekday(), local.hour)
        instant += datetime.timedelta(minutes=15)


def test_a_dst_night_has_no_2_oclock_in_spring_and_a_long_one_in_autumn() -> None:
    spring = local_hours("Europe/Rome", Period(datetime.date(2026, 3, 29), datetime.date(2026, 3, 29)))
    assert [h.hour for h in spring] == [0, 1, *range(3, 24)]
    autumn = local_hours("Europe/Rome", Period(datetime.date(2026, 10, 25), datetime.date(2026, 10, 25)))
    two = autumn[2]
    assert (two.hour, two.start, two.end) == (
        2,
        datetime.datetime(2026, 10, 25, 0, 0, tzinfo=UTC),
        datetime.datetime(2026, 10, 25, 2, 0, tzinfo=UTC),
    )
    assert len(autumn) == 24


def test_an_unknown_zone_is_utc() -> None:
    hours = local_hours("Mars/Olympus", Period(datetime.date(2026, 3, 29), datetime.date(2026, 3, 29)))
    assert [(h.hour, h.start.hour) for h in hours] == [(n, n) for n in range(24)]

"""When the desk is staffed: ``is_open`` and ``next_opening`` by the hotel's own clock, DST included."""

from __future__ import annotations

import datetime

from domain.hotels.rules import is_open, next_opening

BERLIN = "Europe/Berlin"
UTC = datetime.UTC
DAILY_7_TO_23 = {day: [["07:00", "23:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def utc(*parts: int) -> datetime.datetime:
    return datetime.datetime(*parts, tzinfo=UTC)


def test_around_the_clock_is_always_open() -> None:
    assert is_open(None, BERLIN, utc(2026, 12, 1, 3, 0))
    assert next_opening(None, BERLIN, utc(2026, 12, 1, 3, 0)) == utc(2026, 12, 1, 3, 0)


def test_open_by_the_hotels_wall_clock() -> None:
    # Tuesday 1 December 2026: Berlin is UTC+1.
    assert not is_open(DAILY_7_TO_23, BERLIN, utc(2026, 12, 1, 5, 59))  # 06:59 in Berlin
    assert is_open(DAILY_7_TO_23, BERLIN, utc(2026, 12, 1, 6, 0))  # 07:00: the start is included
    assert is_open(DAILY_7_TO_23, BERLIN, utc(2026, 12, 1, 21, 59))
    assert not is_open(DAILY_7_TO_23, BERLIN, utc(2026, 12, 1, 22, 0))  # 23:00: the end is not
    # The same instant is a different hour in another zone.
    assert is_open(DAILY_7_TO_23, "America/New_York", utc(2026, 12, 1, 13, 0))
    assert not is_open(DAILY_7_TO_23, "America/New_York", utc(2026, 12, 1, 5, 0))


def test_several_ranges_and_closed_days() -> None:
    hours = {"tue": [["07:00", "12:00"], ["14:00", "24:00"]]}
    assert not is_open(hours, BERLIN, utc(2026, 12, 1, 12, 0))  # 13:00, the lunch gap
    assert is_open(hours, BERLIN, utc(2026, 12, 1, 22, 59))  # 23:59 on Tuesday
    assert not is_open(hours, BERLIN, utc(2026, 12, 1, 23, 0))  # 00:00 Wednesday: closed
    assert next_opening(hours, BERLIN, utc(2026, 12, 1, 12, 0)) == utc(2026, 12, 1, 13, 0)
    # After Tuesday's last range, the next opening is next Tuesday at 07:00.
    assert next_opening(hours, BERLIN, utc(2026, 12, 1, 23, 0)) == utc(2026, 12, 8, 6, 0)


def test_next_opening_is_now_while_open_and_none_when_never() -> None:
    now = utc(2026, 12, 1, 10, 0)
    assert next_opening(DAILY_7_TO_23, BERLIN, now) == now
    assert next_opening({}, BERLIN, now) is None
    assert next_opening(DAILY_7_TO_23, BERLIN, utc(2026, 12, 1, 23, 30)) == utc(2026, 12, 2, 6, 0)


def test_next_opening_across_the_spring_change() -> None:
    # Sunday 29 March 2026: at 02:00 Berlin clocks jump to 03:00 (UTC+1 becomes UTC+2).
    # Asked at midnight (CET), the desk opens at 07:00 CEST, 05:00 UTC.
    assert next_opening(DAILY_7_TO_23, BERLIN, utc(2026, 3, 28, 23, 0)) == utc(2026, 3, 29, 5, 0)
    # The day before, 07:00 was 06:00 UTC.
    assert next_opening(DAILY_7_TO_23, BERLIN, utc(2026, 3, 27, 23, 0)) == utc(2026, 3, 28, 6, 0)
    # A desk opening at 02:30, a time that does not exist that night, opens when the clocks jump.
    night = {"sun": [["02:30", "05:00"]]}
    assert next_opening(night, BERLIN, utc(2026, 3, 28, 23, 0)) == utc(2026, 3, 29, 1, 0)
    assert is_open(night, BERLIN, utc(2026, 3, 29, 1, 0))  # 03:00 CEST
    assert not is_open(night, BERLIN, utc(2026, 3, 29, 0, 59))  # 01:59 CET


def test_next_opening_across_the_autumn_change() -> None:
    # Sunday 25 October 2026: at 03:00 CEST clocks go back to 02:00 (UTC+2 becomes UTC+1).
    assert next_opening(DAILY_7_TO_23, BERLIN, utc(2026, 10, 24, 22, 0)) == utc(2026, 10, 25, 6, 0)
    # 02:30 happens twice that night: the desk opens at the first.
    night = {"sun": [["02:30", "04:00"]]}
    assert next_opening(night, BERLIN, utc(2026, 10, 24, 22, 0)) == utc(2026, 10, 25, 0, 30)
    assert is_open(night, BERLIN, utc(2026, 10, 25, 0, 30))  # 02:30 CEST
    assert is_open(night, BERLIN, utc(2026, 10, 25, 1, 45))  # 02:45 CET, the repeated hour
    assert not is_open(night, BERLIN, utc(2026, 10, 25, 1, 15))  # 02:15 CET: by the clock, before 02:30
    assert not is_open(night, BERLIN, utc(2026, 10, 25, 3, 0))  # 04:00 CET


def test_a_desk_staffed_overnight_in_two_ranges() -> None:
    hours = {"fri": [["22:00", "24:00"]], "sat": [["00:00", "06:00"]]}
    # Friday 4 December 2026, 23:30 in Berlin, then Saturday 01:00: open across midnight.
    assert is_open(hours, BERLIN, utc(2026, 12, 4, 22, 30))
    assert is_open(hours, BERLIN, utc(2026, 12, 5, 0, 0))
    assert next_opening(hours, BERLIN, utc(2026, 12, 5, 6, 0)) == utc(2026, 12, 11, 21, 0)

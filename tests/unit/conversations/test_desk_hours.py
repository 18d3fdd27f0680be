"""Business hours as moments in time: open or not, the next opening, staffed time, across DST."""

from __future__ import annotations

import datetime

from domain.conversations.desk_hours import is_open, next_opening, opening_label, staffed_seconds

UTC = datetime.UTC
BERLIN = "Europe/Berlin"
EVERY_DAY = {day: [["07:00", "23:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
WEEKDAYS = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def at(*parts: int) -> datetime.datetime:
    return datetime.datetime(*parts, tzinfo=UTC)


def test_no_business_hours_means_staffed_around_the_clock() -> None:
    assert is_open(None, BERLIN, at(2026, 12, 1, 3, 0))
    assert next_opening(None, BERLIN, at(2026, 12, 1, 3, 0)) == at(2026, 12, 1, 3, 0)
    assert staffed_seconds(None, BERLIN, at(2026, 12, 1, 3, 0), at(2026, 12, 1, 3, 10)) == 600


def test_open_in_the_hotels_own_time() -> None:
    # Berlin is UTC+1 in December: 7:00 there is 6:00 UTC.
    assert not is_open(EVERY_DAY, BERLIN, at(2026, 12, 1, 5, 59))
    assert is_open(EVERY_DAY, BERLIN, at(2026, 12, 1, 6, 0))
    assert not is_open(EVERY_DAY, BERLIN, at(2026, 12, 1, 22, 0))


def test_next_opening_after_closing_is_the_next_morning() -> None:
    assert next_opening(EVERY_DAY, BERLIN, at(2026, 12, 1, 23, 30)) == at(2026, 12, 2, 6, 0)
    assert next_opening(EVERY_DAY, BERLIN, at(2026, 12, 1, 10, 0)) == at(2026, 12, 1, 10, 0)


def test_next_opening_skips_a_closed_weekend() -> None:
    # Friday 4 December 2026, 18:00 in Berlin: closed until Monday 9:00 (8:00 UTC).
    assert next_opening(WEEKDAYS, BERLIN, at(2026, 12, 4, 17, 0)) == at(2026, 12, 7, 8, 0)


def test_a_desk_that_never_opens_has_no_next_opening() -> None:
    assert next_opening({}, BERLIN, at(2026, 12, 1, 10, 0)) is None
    assert staffed_seconds({}, BERLIN, at(2026, 12, 1, 10, 0), at(2026, 12, 1, 12, 0)) == 0


def test_the_opening_stays_at_seven_across_the_spring_dst_change() -> None:
    # 29 March 2026: Berlin moves from UTC+1 to UTC+2 at 2:00. 7:00 is 5:00 UTC that day, 6:00 before.
    assert next_opening(EVERY_DAY, BERLIN, at(2026, 3, 28, 23, 0)) == at(2026, 3, 29, 5, 0)
    assert next_opening(EVERY_DAY, BERLIN, at(2026, 3, 27, 23, 0)) == at(2026, 3, 28, 6, 0)


def test_the_autumn_dst_change_night_is_an_hour_longer_and_not_staffed() -> None:
    # 25 October 2026: back to UTC+1. Closed 23:00 (21:00 UTC) to 7:00 (6:00 UTC): nine hours.
    assert staffed_seconds(EVERY_DAY, BERLIN, at(2026, 10, 24, 21, 0), at(2026, 10, 25, 6, 0)) == 0
    assert next_opening(EVERY_DAY, BERLIN, at(2026, 10, 24, 21, 0)) == at(2026, 10, 25, 6, 0)


def test_only_open_time_counts() -> None:
    # From 5:00 to 7:30 UTC in December: the desk opened at 6:00 UTC, so 90 minutes count.
    assert staffed_seconds(EVERY_DAY, BERLIN, at(2026, 12, 1, 5, 0), at(2026, 12, 1, 7, 30)) == 90 * 60


def test_a_span_past_midnight_belongs_to_the_day_it_starts() -> None:
    night = {"fri": [["22:00", "02:00"]]}
    # Saturday 5 December 2026, 1:00 in Berlin (0:00 UTC): still Friday's night shift.
    assert is_open(night, BERLIN, at(2026, 12, 5, 0, 0))
    assert not is_open(night, BERLIN, at(2026, 12, 5, 1, 30))


def test_malformed_hours_are_ignored_not_fatal() -> None:
    hours = {"mon": [["7", "23:00"], ["bad"], "x", ["25:00", "26:00"]], "tue": "nope"}
    assert next_opening(hours, BERLIN, at(2026, 12, 1, 10, 0)) is None
    assert is_open({}, "Not/AZone", at(2026, 12, 1, 10, 0)) is False


def test_the_label_is_the_time_within_a_day_else_with_the_date() -> None:
    now = at(2026, 12, 1, 23, 30)
    assert opening_label(at(2026, 12, 2, 6, 0), BERLIN, now) == "7:00"
    assert opening_label(at(2026, 12, 7, 8, 0), BERLIN, now) == "2026-12-07 9:00"

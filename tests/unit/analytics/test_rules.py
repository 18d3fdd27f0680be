"""The pure definitions behind the analytics figures: periods, open hours across DST, what is no
reply, the AI's cost, CSV cells and chart geometry."""

from __future__ import annotations

import datetime
from uuid import UUID

import pytest

from domain.analytics import charts, formats
from domain.analytics.report import Day
from domain.analytics.rules import (
    MAX_DAYS,
    InvalidPeriod,
    Period,
    Prices,
    cost,
    csv_cell,
    is_acknowledgement,
    open_intervals,
    parse_period,
)
from domain.analytics.scope import ALL, HotelChoice, UnknownHotel, choose_hotels, click_filter
from domain.conversations.guest_texts import hand_off_message, holding_message
from domain.staff.models import Role

UTC = datetime.UTC
TODAY = datetime.date(2026, 3, 30)


def utc(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_the_default_period_is_the_last_thirty_days_up_to_today() -> None:
    period = parse_period(None, None, TODAY)
    assert (period.first, period.last, period.days) == (datetime.date(2026, 3, 1), TODAY, 30)
    assert parse_period("2026-03-29", "2026-03-29", TODAY).days == 1


@pytest.mark.parametrize(
    ("first", "last", "why"),
    [
        ("2026-03-31", "2026-03-30", "after"),
        ("2026-02-30", None, "date like"),
        ("29.03.2026", None, "date like"),
        ("2026-3-1", None, "date like"),
        ("1999-12-31", "2000-01-01", "between"),
        ("2025-01-01", "2026-03-30", f"at most {MAX_DAYS}"),
    ],
)
def test_bad_periods_are_refused_saying_why(first: str, last: str | None, why: str) -> None:
    with pytest.raises(InvalidPeriod, match=why):
        parse_period(first, last, TODAY)


def test_a_year_is_allowed() -> None:
    assert parse_period("2024-01-01", "2024-12-31", TODAY).days == MAX_DAYS


def test_the_window_of_a_dst_day_has_23_hours_in_rome() -> None:
    start, end = Period(datetime.date(2026, 3, 29), datetime.date(2026, 3, 29)).window("Europe/Rome")
    assert (start, end) == (utc("2026-03-28 23:00"), utc("2026-03-29 22:00"))
    start, end = Period(datetime.date(2026, 10, 25), datetime.date(2026, 10, 25)).window("Europe/Rome")
    assert end - start == datetime.timedelta(hours=25)


def test_open_hours_follow_the_hotels_clock_across_the_dst_change() -> None:
    hours = {"sat": [["08:00", "20:00"]], "sun": [["08:00", "20:00"]]}
    period = Period(datetime.date(2026, 3, 28), datetime.date(2026, 3, 29))
    assert open_intervals(hours, "Europe/Rome", period) == [
        (utc("2026-03-28 07:00"), utc("2026-03-28 19:00")),  # CET
        (utc("2026-03-29 06:00"), utc("2026-03-29 18:00")),  # CEST
    ]


def test_open_hours_past_midnight_and_until_24_00() -> None:
    period = Period(datetime.date(2026, 6, 2), datetime.date(2026, 6, 2))  # a Tuesday
    hours = {"mon": [["22:00", "02:00"]], "tue": [["07:00", "12:00"], ["18:00", "24:00"]], "wed": "bad"}
    assert open_intervals(hours, "UTC", period) == [
        (utc("2026-06-01 22:00"), utc("2026-06-02 02:00")),  # Monday's late span reaches Tuesday
        (utc("2026-06-02 07:00"), utc("2026-06-02 12:00")),
        (utc("2026-06-02 18:00"), utc("2026-06-03 00:00")),
    ]


def test_a_hotel_without_hours_is_open_all_the_time() -> None:
    period = Period(datetime.date(2026, 6, 2), datetime.date(2026, 6, 3))
    [(start, end)] = open_intervals(None, "UTC", period)
    assert start <= utc("2026-06-02 00:00")
    assert end == utc("2026-06-04 00:00")


def test_automated_messages_are_no_reply() -> None:
    assert is_acknowledgement("ai", holding_message("de"), {})
    assert is_acknowledgement("ai", hand_off_message("fr"), {})
    assert is_acknowledgement("system", "anything", {})
    assert is_acknowledgement("ai", "We answer from 7:00", {"automated": "out_of_hours"})
    assert not is_acknowledgement("ai", "Breakfast is from 7:00.", {})
    assert not is_acknowledgement("staff", "On my way", None)


def test_cost_is_linear_in_the_tokens() -> None:
    prices = Prices(cache_hit=0.006, cache_miss=0.30, output=1.20)
    assert cost(prices, cache_hit_tokens=1_000_000, cache_miss_tokens=0, output_tokens=0) == pytest.approx(
        0.006
    )
    assert cost(prices, cache_hit_tokens=800, cache_miss_tokens=200, output_tokens=100) == pytest.approx(
        (800 * 0.006 + 200 * 0.30 + 100 * 1.20) / 1e6
    )


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+49 170", "'+49 170"),
        ("-1", "'-1"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("Giulia", "Giulia"),
        (None, ""),
        (3, "3"),
        (0.25, "0.25"),
        (120.0, "120"),
        (True, "yes"),
    ],
)
def test_csv_cells_never_start_a_formula(value: object, cell: str) -> None:
    assert csv_cell(value) == cell


def test_durations_and_shares_as_the_page_writes_them() -> None:
    assert [formats.duration(s) for s in (None, 35, 120, 3600, 5430)] == [
        formats.DASH,
        "35 s",
        "2 min",
        "1 h",
        "1 h 30 min",
    ]
    assert formats.share(2 / 3) == "66.7 %"
    assert formats.money(0.0092, "USD") == "0.0092 USD"


A = UUID("00000000-0000-7000-8000-00000000000a")
B = UUID("00000000-0000-7000-8000-00000000000b")


def test_a_manager_sees_the_hotels_they_manage_and_no_other() -> None:
    choice = HotelChoice.of(
        A, [(A, "Aurora", "aurora", Role.MANAGER), (B, "Borealis", "borealis", Role.AGENT)]
    )
    assert [h.slug for h in choice.hotels] == ["aurora"]
    chosen = choose_hotels(choice, None)
    assert (chosen.hotel_ids, chosen.key, chosen.param) == ((A,), A, "aurora")
    with pytest.raises(UnknownHotel):
        choose_hotels(choice, "borealis")
    with pytest.raises(UnknownHotel):
        choose_hotels(choice, str(B))


def test_a_manager_of_two_hotels_starts_with_the_group() -> None:
    choice = HotelChoice.of(
        B, [(A, "Aurora", "aurora", Role.ADMIN), (B, "Borealis", "borealis", Role.MANAGER)]
    )
    group = choose_hotels(choice, None)
    assert (set(group.hotel_ids), group.key, group.param) == ({A, B}, None, ALL)
    assert choose_hotels(choice, str(A)).key == A


def test_click_filters_are_checked() -> None:
    period = Period(datetime.date(2026, 3, 28), datetime.date(2026, 3, 30))
    assert click_filter(period, day="2026-03-29").day == datetime.date(2026, 3, 29)
    assert (
        click_filter(period, weekday="7", hour="3").weekday,
        click_filter(period, weekday="7", hour="3").hour,
    ) == (7, 3)
    for bad in (
        {"day": "2026-03-31"},
        {"weekday": "0", "hour": "1"},
        {"hour": "1"},
        {"staff": "x"},
        {"reason": ""},
    ):
        with pytest.raises(InvalidPeriod):
            click_filter(period, **bad)


def test_day_bars_link_to_their_day_and_scale_to_the_busiest() -> None:
    days = [
        Day(datetime.date(2026, 3, 28), conversations=1),
        Day(datetime.date(2026, 3, 29), conversations=4),
    ]
    chart = charts.day_columns(days, messages=False, base={"hotel": "aurora"})
    low, high = chart.bars
    assert high.query == {"hotel": "aurora", "day": "2026-03-29"}
    assert high.segments[0].height == 4 * low.segments[0].height
    assert low.label == "2026-03-28: 1 conversations"


def test_the_heatmap_has_a_cell_for_every_hour_of_the_week() -> None:
    heat = charts.heatmap({(7, 10): 4, (1, 9): 1}, base={})
    assert len(heat.cells) == 7 * 24
    busiest = next(c for c in heat.cells if c.value == 4)
    assert (busiest.level, busiest.query) == (4, {"weekday": "7", "hour": "10"})
    assert heat.table[6][1][10] == 4

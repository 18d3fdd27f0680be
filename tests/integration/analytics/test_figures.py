"""Every analytics figure against the hand-built history of tests/support/analytics_data.py, with
the values worked out by hand (docs/analytics.md defines them). Real PostgreSQL."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from domain.analytics.report import Category, Day, Report, load_report
from domain.analytics.rules import Period, Prices
from domain.staff.models import Role
from tests.support.analytics_data import FIRST, LAST, OPEN_8_TO_20, build_history
from tests.support.factories import make_hotel
from tests.support.web import make_staff

PRICES = Prices(cache_hit=1.0, cache_miss=2.0, output=4.0)  # per million tokens: round numbers


@pytest.fixture
async def history(sessions: Any) -> dict[str, Any]:
    aurora = await make_hotel(
        sessions, name="Hotel Aurora", timezone="Europe/Rome", business_hours=OPEN_8_TO_20, knowledge=[]
    )
    borealis = await make_hotel(sessions, name="Hotel Borealis", timezone="UTC", knowledge=[])
    anna = await make_staff(sessions, aurora.id, "anna@aurora.example", Role.AGENT, "Anna")
    bob = await make_staff(sessions, borealis.id, "bob@borealis.example", Role.AGENT, "Bob")
    story = await build_history(sessions, aurora.id, borealis.id, anna=anna, bob=bob)
    return {"aurora": aurora, "borealis": borealis, "anna": anna, "bob": bob, "story": story}


async def report_for(
    sessions: Any, *hotels: Any, first: datetime.date = FIRST, last: datetime.date = LAST
) -> Report:
    async with sessions() as db:
        return await load_report(db, [h.id for h in hotels], Period(first, last), PRICES)


async def test_volume_per_local_day_across_midnight_and_the_dst_change(sessions, history) -> None:
    aurora = history["aurora"]
    report = await report_for(sessions, aurora)
    assert report.days[aurora.id] == [
        # Giulia's conversation spans midnight: a conversation on both days, once in the total.
        Day(datetime.date(2026, 3, 28), conversations=1, guest=1, ai=1, staff=0, system=0),
        # The 23-hour Sunday: Giulia after midnight, Hans across the DST jump, Marie.
        Day(datetime.date(2026, 3, 29), conversations=3, guest=7, ai=3, staff=5, system=1),
        Day(datetime.date(2026, 3, 30), conversations=1, guest=2, ai=2, staff=0, system=0),
    ]
    f = report.figures[aurora.id]
    assert (f.conversations, f.guest_messages, f.ai_messages, f.staff_messages, f.system_messages) == (
        4,
        10,
        6,
        5,
        1,
    )
    assert f.messages == 22


async def test_automation_and_hand_offs(sessions, history) -> None:
    aurora = history["aurora"]
    f = (await report_for(sessions, aurora)).figures[aurora.id]
    # Resolved: Giulia (AI alone), Hans (a person), John's first story (AI alone).
    assert (f.resolved, f.automated) == (3, 2)
    assert f.automation_rate == pytest.approx(2 / 3)
    # Hans, Marie, John handed off; four conversations a guest wrote in.
    assert (f.handoffs, f.handed_off, f.conversations) == (3, 3, 4)
    assert f.handoff_rate == pytest.approx(0.75)
    report = await report_for(sessions, aurora)
    assert report.reasons[aurora.id] == [("guest_asked", 2), ("restricted_topic", 1)]


async def test_ai_first_response_skips_acknowledgements_and_counts_a_reopened_story(
    sessions, history
) -> None:
    aurora = history["aurora"]
    f = (await report_for(sessions, aurora)).figures[aurora.id]
    # Stories: Giulia, Hans, Marie, John, John again. The AI answered first in four: 20, 40, 60 and
    # 30 seconds; Hans got only the hand-off notice (no reply), then Anna.
    assert (f.stories, f.ai_first.answered) == (5, 4)
    assert f.ai_first.median == pytest.approx(35)
    assert f.ai_first.p90 == pytest.approx(54)  # 40 + 0.7 * (60 - 40)


async def test_human_first_reply_starts_at_the_hand_off_and_keeps_out_of_hours_apart(
    sessions, history
) -> None:
    aurora = history["aurora"]
    w = (await report_for(sessions, aurora)).figures[aurora.id].first_reply
    # Marie waited 120 s in hours (not since her message: the AI's time is not the staff's);
    # Hans waited one real hour across the DST jump, out of hours; John's wait is unanswered.
    assert (w.total, w.answered, w.median, w.p90) == (3, 1, pytest.approx(120), pytest.approx(120))
    assert (w.answered_out_of_hours, w.median_out_of_hours) == (1, pytest.approx(3600))
    assert w.unanswered == 1


async def test_next_reply(sessions, history) -> None:
    aurora = history["aurora"]
    w = (await report_for(sessions, aurora)).figures[aurora.id].next_reply
    # Marie: 360 s and 60 s in hours; Hans: 300 s at 03:40, out of hours.
    assert (w.answered, w.median, w.p90) == (2, pytest.approx(210), pytest.approx(330))
    assert (w.answered_out_of_hours, w.median_out_of_hours) == (1, pytest.approx(300))


async def test_sla_csat_and_service_requests(sessions, history) -> None:
    aurora = history["aurora"]
    report = await report_for(sessions, aurora)
    f = report.figures[aurora.id]
    assert f.sla == {"first_reply": 1, "next_reply": 1}
    assert (f.sla_breaches, f.sla_escalated, f.sla_unanswered) == (2, 1, 1)
    ai, staff = f.csat["ai"], f.csat["staff"]
    assert (ai.asked, ai.answered, ai.average, ai.distribution) == (2, 2, pytest.approx(4.0), (0, 0, 1, 0, 1))
    assert (staff.asked, staff.answered, staff.average, staff.distribution) == (1, 1, 4.0, (0, 0, 0, 1, 0))
    assert report.categories[aurora.id] == [
        Category("housekeeping", raised=1, done=1, cancelled=0, median_to_close=pytest.approx(1800)),
        Category("maintenance", raised=1, done=0, cancelled=0, median_to_close=None),
    ]


async def test_busiest_hours_on_the_hotels_clock(sessions, history) -> None:
    aurora = history["aurora"]
    cells = (await report_for(sessions, aurora)).heatmap[aurora.id]
    # ISO weekdays: Saturday 6, Sunday 7, Monday 1. Hans's 03:40 is hour 3: there is no 02:00 that night.
    assert cells == {(6, 23): 1, (7, 0): 1, (7, 1): 1, (7, 3): 1, (7, 10): 4, (1, 9): 1, (1, 18): 1}


async def test_guest_languages_and_staff(sessions, history) -> None:
    aurora = history["aurora"]
    report = await report_for(sessions, aurora)
    assert report.languages[aurora.id] == [("de", 1), ("en", 1), ("fr", 1), ("it", 1)]
    [anna] = report.staff[aurora.id]
    assert (anna.name, anna.conversations, anna.replies) == ("Anna", 2, 5)
    # First replies in the hotel's hours only (Marie's 120 s; Hans's night wait is apart).
    assert (anna.first_replies, anna.median_first_reply) == (1, pytest.approx(120))
    assert (anna.rated, anna.csat) == (1, pytest.approx(4.0))


async def test_ai_cost(sessions, history) -> None:
    aurora = history["aurora"]
    c = (await report_for(sessions, aurora)).figures[aurora.id].cost
    assert (c.calls, c.prompt_tokens, c.completion_tokens) == (4, 4500, 450)
    assert (c.cache_hit_tokens, c.cache_miss_tokens) == (1600, 2900)
    assert c.cache_hit_rate == pytest.approx(1600 / 4500)
    # 1600 x 1 + 2900 x 2 + 450 x 4 per million; per conversation only the calls of Giulia's and
    # Marie's: (1600 + 2400 x 2 + 400 x 4) / 1e6 over two conversations.
    assert c.total == pytest.approx(0.0092)
    assert c.conversations == 2
    assert c.per_conversation == pytest.approx(0.004)


async def test_the_group_rolls_both_hotels_up(sessions, history) -> None:
    aurora, borealis = history["aurora"], history["borealis"]
    report = await report_for(sessions, aurora, borealis)
    group, b = report.figures[None], report.figures[borealis.id]
    assert (b.conversations, b.handoffs, b.first_reply.median) == (1, 1, pytest.approx(120))
    assert (group.conversations, group.guest_messages, group.staff_messages) == (5, 11, 6)
    assert (group.handoffs, group.handed_off, group.resolved, group.automated) == (4, 4, 3, 2)
    assert report.reasons[None] == [("guest_asked", 3), ("restricted_topic", 1)]
    # Medians of the group are over the group's waits, not an average of the hotels' medians.
    assert (group.ai_first.answered, group.ai_first.median) == (5, pytest.approx(30))
    assert (group.first_reply.answered, group.first_reply.median) == (2, pytest.approx(120))
    assert report.days[None][1] == Day(
        datetime.date(2026, 3, 29), conversations=4, guest=8, ai=4, staff=6, system=1
    )
    assert report.heatmap[None][(7, 12)] == 1
    assert [s.name for s in report.staff[None]] == ["Anna", "Bob"]
    assert group.cost.per_conversation == pytest.approx((0.008 + (100 * 2 + 10 * 4) / 1e6) / 3)


async def test_a_period_around_nothing_is_empty(sessions, history) -> None:
    aurora = history["aurora"]
    report = await report_for(
        sessions, aurora, first=datetime.date(2026, 1, 1), last=datetime.date(2026, 1, 2)
    )
    f = report.figures[None]
    assert (f.conversations, f.messages, f.handoffs, f.resolved) == (0, 0, 0, 0)
    assert (f.automation_rate, f.ai_first.median, f.cost.per_conversation) == (None, None, None)
    assert report.days[aurora.id] == [Day(datetime.date(2026, 1, 1)), Day(datetime.date(2026, 1, 2))]

"""The product's own words to a guest are no replies in analytics: a hand-off while the desk is
closed sends the text that says when it opens (authored by the AI, with a time in it, so no fixed
text to recognise), marked ``details.automated``. Through the real AI turn and the LLM simulator."""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import update

from domain.analytics.report import load_report
from domain.analytics.rules import Period, Prices
from domain.conversations.models import Author, Direction
from domain.hotels.models import Hotel
from tests.support.stack import Stack, running_stack

OTHER_GUEST = "491709999999@c.us"


@pytest.fixture
async def stack(settings: Any, sessions: Any) -> AsyncIterator[Stack]:
    async with running_stack(settings, sessions, start_workers=False) as running:
        yield running


async def closed_for_three_hours(stack: Stack) -> int:
    opens = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=3)).hour
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    hours = {day: [[f"{opens:02d}:00", f"{opens:02d}:30"]] for day in days}
    async with stack.sessions() as db, db.begin():
        await db.execute(
            update(Hotel).where(Hotel.id == stack.hotel.id).values(business_hours=hours, timezone="UTC")
        )
    return opens


async def test_the_closed_desks_text_is_not_the_ais_first_response(stack: Stack) -> None:
    opens = await closed_for_three_hours(stack)
    await stack.guest_writes("I would like a refund")  # a restricted topic: no model call
    # The model hands off a restricted topic the word check missed: our words, not the model's.
    await stack.guest_writes("I was charged twice for the minibar", chat_id=OTHER_GUEST)
    await stack.workers.drain()

    sent = [m for m in await stack.messages() if m.direction is Direction.OUT]
    assert len(sent) == 2
    for message in sent:
        assert f"Our team answers from {opens}:00" in (message.text or "")
        assert message.author is Author.AI
        assert message.details == {"automated": "desk_closed"}

    today = datetime.datetime.now(datetime.UTC).date()
    period = Period(today - datetime.timedelta(days=1), today + datetime.timedelta(days=1))
    async with stack.sessions() as db:
        report = await load_report(db, [stack.hotel.id], period, Prices(0.0, 0.0, 0.0))
    figures = report.figures[stack.hotel.id]
    assert figures.stories == 2
    assert figures.ai_first.answered == 0, "a holding text is no answer"
    assert figures.ai_first.median is None
    assert figures.handoffs == 2

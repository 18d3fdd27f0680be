"""A manager opens analytics for a period with history, sees the charts, follows a day's bar to the
conversations behind it and opens one; both pages pass the WCAG 2.1 AA check. Screenshots to
test-artifacts/screenshots/ (analytics.png, analytics-conversations.png)."""

from __future__ import annotations

import pytest
from playwright.async_api import expect
from sqlalchemy import update

from domain.db import create_engine, session_factory
from domain.hotels.models import Hotel
from domain.settings import Settings
from domain.staff.models import Role
from tests.browser.axe import violations
from tests.browser.harness import SCREENSHOTS, Agent, Harness, Tabs, World, secret_key
from tests.support.analytics_data import OPEN_8_TO_20, build_history
from tests.support.factories import make_hotel
from tests.support.web import make_staff

pytestmark = pytest.mark.browser


async def test_a_manager_opens_analytics_and_follows_a_chart(
    harness: Harness, world: World, tabs: Tabs
) -> None:
    manager = Agent(f"mara-{world.hotel_id.hex[:6]}@aurora.example", "Mara Rossi")
    engine = create_engine(Settings(database_url=harness.database_url).sqlalchemy_url, pool_size=2)
    try:
        sessions = session_factory(engine)
        async with sessions() as db, db.begin():  # the history's clock: Rome, staffed 08:00-20:00
            await db.execute(
                update(Hotel)
                .where(Hotel.id == world.hotel_id)
                .values(timezone="Europe/Rome", business_hours=OPEN_8_TO_20)
            )
        with secret_key(harness.secret_key):  # the processes' key: its token must stay readable
            other = await make_hotel(sessions, name="Hotel Elsewhere", knowledge=[])
        await make_staff(sessions, world.hotel_id, manager.email, Role.MANAGER, manager.name)
        anna = await make_staff(
            sessions, world.hotel_id, f"anna-{world.hotel_id.hex[:6]}@x.example", Role.AGENT
        )
        bob = await make_staff(sessions, other.id, f"bob-{world.hotel_id.hex[:6]}@x.example", Role.AGENT)
        story = await build_history(sessions, world.hotel_id, other.id, anna=anna, bob=bob)
    finally:
        await engine.dispose()

    mara = await tabs.sign_in(harness.web_urls[0], manager)
    page = mara.page
    await page.get_by_role("link", name="Analytics").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Analytics")
    await page.locator("#from").fill("2026-03-28")
    await page.locator("#to").fill("2026-03-30")
    await page.get_by_role("button", name="Show").click()

    await expect(page.locator("svg.chart-svg")).to_have_count(5)
    sunday = page.locator("#chart-conversations a[aria-label^='2026-03-29:']")
    await expect(sunday).to_have_count(1)
    await expect(page.locator("#chart-reasons")).to_contain_text("guest_asked")
    await expect(page.locator("#chart-heatmap a.mark")).not_to_have_count(0)
    assert "Hotel Elsewhere" not in await page.content()
    assert await violations(page) == []
    await page.screenshot(path=SCREENSHOTS / "analytics.png", full_page=True)

    await sunday.click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Conversations")
    rows = page.locator("table.table tbody tr")
    await expect(rows).to_have_count(3)
    for guest in ("Giulia", "Hans", "Marie"):
        await expect(page.get_by_role("link", name=guest)).to_be_visible()
    assert await violations(page) == []
    await page.screenshot(path=SCREENSHOTS / "analytics-conversations.png", full_page=True)

    await page.get_by_role("link", name="Hans").click()
    await expect(page).to_have_url(f"{mara.base_url}/conversations/{story.conversations['Hans']}")
    assert mara.errors == []

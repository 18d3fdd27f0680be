"""A guest who has waited past the hotel's target: the desk's open tab shows an alert it can read
aloud (role=alert), marks its title and links to the conversation; the real worker's timers raise it."""

from __future__ import annotations

import re

import asyncpg
import pytest
from playwright.async_api import expect

from tests.browser.harness import Harness, Tabs, World, eventually, guest_chat

pytestmark = pytest.mark.browser


async def _waiting(world: World) -> bool:
    conn = await asyncpg.connect(world.harness.database_url)
    try:
        return bool(
            await conn.fetchval(
                "SELECT count(*) FROM conversations WHERE hotel_id = $1 AND state = 'needs_human'",
                world.hotel_id,
            )
        )
    finally:
        await conn.close()


async def _seven_minutes_ago(world: World) -> None:
    """As if the guest had asked for a person seven minutes ago (the target is five)."""
    conn = await asyncpg.connect(world.harness.database_url)
    try:
        await conn.execute(
            "UPDATE conversations SET needs_human_since = needs_human_since - interval '7 minutes'"
            " WHERE hotel_id = $1 AND state = 'needs_human'",
            world.hotel_id,
        )
        await conn.execute(
            "UPDATE state_transitions SET created_at = created_at - interval '7 minutes' WHERE hotel_id = $1",
            world.hotel_id,
        )
    finally:
        await conn.close()


@pytest.mark.timeout(240)
async def test_a_guest_waiting_past_the_target_is_announced_in_the_open_tab(
    harness: Harness, world: World, tabs: Tabs
) -> None:
    anna = await tabs.sign_in(harness.web_urls[0], world.agents[0])
    await anna.page.goto("/inbox")
    await anna.wait_live()
    await world.guest_writes("Can I talk to a person please?", guest_chat(), "Marco Rossi")
    await eventually(lambda: _waiting(world), timeout=20, what="the hand-off")
    await _seven_minutes_ago(world)
    # The worker's timers run once a minute.
    alert = anna.page.locator('#notices .notice-late[role="alert"]')
    await expect(alert).to_contain_text("Marco Rossi has waited 7 min for a first reply", timeout=90_000)
    await expect(anna.page).to_have_title(re.compile("^\u26a0 \\(1\\) "))
    await alert.locator(".notice-link").click()
    await expect(anna.page.locator("#conversation-header h1")).to_have_text("Marco Rossi")
    assert anna.errors == []

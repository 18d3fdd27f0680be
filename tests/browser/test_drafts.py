"""Draft mode in the browser: the AI's draft waits above the composer (the inbox says so, live, and
filters to it); one click approves it, and only then does it arrive on the guest's phone (the Green
API simulator's guest phone page). The conversation with a draft meets WCAG 2.1 AA. Screenshots:
inbox-drafts.png, conversation-draft.png, guest-phone-approved-draft.png."""

from __future__ import annotations

import re

import asyncpg
import pytest
from playwright.async_api import Page, expect

from tests.browser.axe import violations
from tests.browser.harness import PHONE, SCREENSHOTS, Harness, Tabs, World, guest_chat

pytestmark = pytest.mark.browser


async def drafting(harness: Harness, world: World) -> None:
    conn = await asyncpg.connect(harness.database_url)
    try:
        await conn.execute("UPDATE hotels SET ai_mode = 'draft' WHERE id = $1", world.hotel_id)
    finally:
        await conn.close()


async def open_guest_phone(page: Page, harness: Harness, world: World, chat: str) -> None:
    await page.goto(f"{harness.green_url}/")
    await page.locator("#instance").select_option(str(world.instance_id))
    await page.locator("#phone").fill(chat.split("@", maxsplit=1)[0])
    await page.locator("#phone").dispatch_event("change")


async def test_approving_a_draft_sends_it_to_the_guests_phone(
    harness: Harness, world: World, tabs: Tabs
) -> None:
    await drafting(harness, world)
    anna = await tabs.sign_in(harness.web_urls[0], world.agents[0])
    ben = await tabs.sign_in(harness.web_urls[1], world.agents[1])  # another web process
    chat = guest_chat()
    await world.guest_writes("What time is breakfast?", chat, "Olivia Chen")

    # Live, in every staff browser: the row says a draft waits, and the filter counts it.
    for tab in (anna, ben):
        row = tab.page.locator(".inbox-row", has_text="Olivia Chen")
        await expect(row.locator(".draft-tag")).to_have_text("draft waiting", timeout=15_000)
        await expect(tab.page.locator("#drafts-count")).to_have_text("1")
    await anna.page.get_by_role("link", name=re.compile("Drafts waiting")).click()
    await expect(anna.page).to_have_url(re.compile(r"/inbox\?filter=drafts$"))
    await anna.wait_live()
    await expect(anna.page.locator(".inbox-row")).to_have_count(1)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await anna.page.screenshot(path=SCREENSHOTS / "inbox-drafts.png", full_page=True)

    await anna.page.locator(".inbox-row .row-link", has_text="Olivia Chen").click()
    await expect(anna.page.locator("#live-status")).to_have_attribute("data-state", "live")
    panel = anna.page.locator("#draft")
    await expect(panel).to_contain_text("AI draft, waiting for approval")
    await expect(panel.locator(".draft-text")).to_contain_text("7:00 to 10:30")
    await expect(panel.locator(".source")).to_have_text("Breakfast")
    assert await violations(anna.page) == []
    await anna.page.screenshot(path=SCREENSHOTS / "conversation-draft.png")

    phone_context = await tabs.browser.new_context(viewport=PHONE)
    try:
        phone = await phone_context.new_page()
        await open_guest_phone(phone, harness, world, chat)
        await expect(phone.locator(".bubble.guest")).to_contain_text("What time is breakfast?")
        await expect(phone.locator(".bubble.hotel")).to_have_count(0)  # nothing before approval

        await panel.get_by_role("button", name="Approve and send").click()
        await expect(phone.locator(".bubble.hotel")).to_contain_text("7:00 to 10:30", timeout=15_000)
        await expect(phone.locator(".bubble.hotel")).to_have_count(1)
        await phone.screenshot(path=SCREENSHOTS / "guest-phone-approved-draft.png")
    finally:
        await phone_context.close()

    await expect(anna.page.locator("#draft")).to_have_class(re.compile("draft-none"))
    await expect(anna.page.locator("#timeline")).to_contain_text("approved by Anna Berger")
    await expect(ben.page.locator(".inbox-row", has_text="Olivia Chen").locator(".draft-tag")).to_have_count(
        0
    )
    await expect(ben.page.locator("#drafts-count")).to_have_text("0")
    assert anna.errors == ben.errors == []

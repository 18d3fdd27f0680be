"""Keyboard shortcuts on a conversation, and a hostile guest name and text shown as plain text."""

from __future__ import annotations

import asyncio
import re

import pytest
from playwright.async_api import expect

from tests.browser.harness import Harness, Tabs, World, guest_chat

pytestmark = pytest.mark.browser


async def test_t_takes_the_conversation_over_and_slash_focuses_the_reply_box(
    harness: Harness, world: World, tabs: Tabs
) -> None:
    anna = await tabs.sign_in(harness.web_urls[0], world.agents[0])
    page = anna.page

    # On the inbox, "/" goes to the search box.
    await page.keyboard.press("/")
    await expect(page.locator("#q")).to_be_focused()
    await expect(page.locator("#q")).to_have_value("")
    await page.locator("#q").blur()

    await world.guest_writes("Hi, what time is check-out?", guest_chat(), "Olivia Chen")
    await page.locator(".inbox-row .row-link", has_text="Olivia Chen").click()
    await expect(page).to_have_url(re.compile(r"/conversations/[0-9a-f-]{36}$"))
    await anna.wait_live()
    header = page.locator("#conversation-header")
    await expect(header).not_to_have_attribute("data-state", "human")

    await page.keyboard.press("t")
    await expect(header).to_have_attribute("data-state", "human", timeout=5_000)
    await expect(header).to_contain_text("with Anna Berger")
    await expect(header.get_by_role("button", name="Take over")).to_have_count(0)

    reply = page.locator("#reply")
    await expect(reply).not_to_be_focused()
    await page.keyboard.press("/")
    await expect(reply).to_be_focused()
    await expect(reply).to_have_value("", timeout=1_000)  # the "/" itself is not typed into the box
    typed = "Check-out is until 11:00; we hold your bags for free."
    await page.keyboard.type(typed)
    await expect(reply).to_have_value(typed)
    # Letters typed in the box are text, not shortcuts: "h" (hand back), "r" (resolve) did nothing.
    await expect(header).to_have_attribute("data-state", "human")
    assert anna.errors == []


async def test_a_hostile_guest_name_and_text_are_shown_literally_and_run_nothing(
    harness: Harness, world: World, tabs: Tabs
) -> None:
    anna = await tabs.sign_in(harness.web_urls[0], world.agents[0])
    page = anna.page
    name = "<img src=x onerror=alert(1)>"
    text = "<script>alert(2)</script>"

    await world.guest_writes(text, guest_chat(), name)
    row = page.locator("#inbox-list .inbox-row")
    await expect(row.locator(".guest-name")).to_have_text(name, timeout=5_000)

    await row.locator(".row-link").click()
    await expect(page).to_have_url(re.compile(r"/conversations/[0-9a-f-]{36}$"))
    await anna.wait_live()
    await expect(page.locator("#conversation-header h1")).to_have_text(name)
    await expect(page.locator("#timeline .msg-guest .text")).to_have_text([text])
    await expect(page.locator("#timeline .msg-guest .who")).to_have_text([name])
    await expect(page.locator("#guest-panel")).to_contain_text(name)
    # literally, after the count of guests waiting once the AI hands this one off: "(1) <img ...> · ..."
    await expect(page).to_have_title(
        re.compile(r"^(\(\d+\) )?" + re.escape(f"{name} · {world.hotel_name}") + "$")
    )

    # The AI answers too (possibly by name); its reply is pushed over the websocket and must be inert as well.
    await expect(page.locator("#timeline .msg-ai")).to_have_count(1, timeout=10_000)
    await asyncio.sleep(1)
    assert anna.dialogs == [], "a script ran"
    assert await page.locator("img[src='x']").count() == 0
    assert await page.evaluate("() => document.querySelectorAll('script:not([src])').length") == 0
    assert anna.errors == []

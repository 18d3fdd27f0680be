"""Screenshots of a busy inbox and of conversations, for a reviewer to look at.

Written to test-artifacts/screenshots/ (git-ignored): inbox.png, conversation.png,
conversation-needs-person.png, conversation-service-request.png, requests.png and login.png.
"""

from __future__ import annotations

import asyncio
import re
from functools import partial

import pytest
from playwright.async_api import Page, expect

from tests.browser.harness import SCREENSHOTS, VIEWPORT, Harness, Tabs, World, eventually, guest_chat

pytestmark = pytest.mark.browser


async def _open(page: Page, guest: str) -> None:
    await page.locator(".inbox-row .row-link", has_text=guest).click()
    await expect(page).to_have_url(re.compile(r"/conversations/[0-9a-f-]{36}$"))
    await expect(page.locator("#live-status")).to_have_attribute("data-state", "live")


async def test_screenshots_of_the_inbox_and_a_conversation(
    harness: Harness, world: World, tabs: Tabs
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    anna = await tabs.sign_in(harness.web_urls[0], world.agents[0])
    ben = await tabs.sign_in(harness.web_urls[1], world.agents[1])

    chats = {
        "Olivia Chen": (guest_chat(), "When is breakfast served?"),
        "Lukas Weber": (guest_chat(), "Wann gibt es Frühstück?"),
        "Sofia García": (guest_chat(), "Could you bring two fresh towels to room 312?"),
        "Yuki Tanaka": (guest_chat(), "Is there parking at the hotel?"),
        "Marco Rossi": (guest_chat(), "Can I talk to a person please?"),
    }
    for guest, (chat, text) in chats.items():
        await world.guest_writes(text, chat, guest)
    for guest, (chat, _) in chats.items():
        await eventually(partial(world.outgoing, chat), timeout=15, what=f"an answer to {guest}")
    await expect(anna.page.locator(".section-needs_human")).to_contain_text("Marco Rossi", timeout=10_000)

    # Ben takes Yuki over (a colleague's conversation for Anna); Anna takes Lukas and answers.
    await _open(ben.page, "Yuki Tanaka")
    await ben.page.get_by_role("button", name="Take over").click()
    await expect(ben.page.locator("#conversation-header")).to_have_attribute("data-state", "human")
    await ben.page.goto("/inbox")

    await _open(anna.page, "Lukas Weber")
    await anna.page.get_by_role("button", name="Take over").click()
    await expect(anna.page.locator("#conversation-header")).to_have_attribute("data-state", "human")
    reply = "Guten Morgen Herr Weber! Frühstück gibt es bis 10:30, ich reserviere Ihnen gern einen Tisch."
    await anna.page.locator("#reply").fill(reply)
    await anna.page.locator("#reply").press("Enter")
    await anna.page.locator("#note").fill("Regular guest, prefers a window table.")
    await anna.page.locator("#note").press("Enter")
    lukas = chats["Lukas Weber"][0]
    await eventually(
        lambda: _phone_has(world, lukas, reply), timeout=10, what="Anna's reply on Lukas's phone"
    )
    timeline = anna.page.locator("#timeline")
    await expect(timeline).to_contain_text(reply)
    await expect(timeline).to_contain_text("prefers a window table")
    await expect(timeline.locator(".msg-staff .ticks-read")).to_have_count(1, timeout=10_000)
    await _open(ben.page, "Lukas Weber")  # Anna sees Ben looking at the same conversation
    await expect(anna.page.locator("#presence")).to_contain_text("Ben Okafor", timeout=10_000)
    await anna.page.locator("#reply").focus()
    await asyncio.sleep(2.1)  # the page sends "typing" at most every 2 s; filling the reply was one
    await anna.page.keyboard.type("Ich")  # Ben sees Anna typing
    await expect(ben.page.locator("#presence")).to_contain_text("typing", timeout=5_000)
    await anna.page.screenshot(path=SCREENSHOTS / "conversation.png")

    await anna.page.goto("/inbox")
    await anna.wait_live()
    await expect(anna.page.locator(".section-mine")).to_contain_text("Lukas Weber")
    await expect(anna.page.locator(".section-others")).to_contain_text("Yuki Tanaka")
    await expect(anna.page.locator(".section-needs_human")).to_contain_text("Marco Rossi")
    await anna.page.screenshot(path=SCREENSHOTS / "inbox.png", full_page=True)

    await _open(anna.page, "Marco Rossi")
    await expect(anna.page.locator("#conversation-header")).to_contain_text("waiting")
    await anna.page.screenshot(path=SCREENSHOTS / "conversation-needs-person.png")

    await anna.page.goto("/inbox")
    await _open(anna.page, "Sofia García")
    await expect(anna.page.locator("#guest-panel .request")).to_contain_text("312")
    await anna.page.screenshot(path=SCREENSHOTS / "conversation-service-request.png")

    await anna.page.goto("/requests")
    await expect(anna.page.locator("#requests-board .board-item")).to_contain_text("Room 312")
    await anna.page.screenshot(path=SCREENSHOTS / "requests.png")

    context = await tabs.browser.new_context(viewport=VIEWPORT)
    try:
        login = await context.new_page()
        await login.goto(f"{harness.web_urls[0]}/login")
        await login.screenshot(path=SCREENSHOTS / "login.png")
    finally:
        await context.close()

    for name in (
        "inbox",
        "conversation",
        "conversation-needs-person",
        "conversation-service-request",
        "requests",
        "login",
    ):
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 10_000, name
    assert anna.errors == ben.errors == []


async def _phone_has(world: World, chat: str, text: str) -> bool:
    return any(m["text"] == text for m in await world.outgoing(chat))

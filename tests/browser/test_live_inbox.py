"""Two front-desk agents, each signed in on a different web process, watch the same hotel live."""

from __future__ import annotations

import asyncio
import re
import time

import pytest
from playwright.async_api import expect

from tests.browser.harness import Harness, Tabs, World, eventually, guest_chat, record_timing

pytestmark = pytest.mark.browser


async def test_a_guest_message_and_a_takeover_reach_both_web_processes_live(
    harness: Harness, world: World, tabs: Tabs
) -> None:
    anna_agent, ben_agent = world.agents
    anna = await tabs.sign_in(harness.web_urls[0], anna_agent)
    ben = await tabs.sign_in(harness.web_urls[1], ben_agent)
    for tab in (anna, ben):
        await tab.mark_document()

    # 1. A guest writes: the conversation appears in both inboxes, without a reload.
    chat = guest_chat()
    text = "Hello! Is breakfast included in my room rate?"
    for tab in (anna, ben):
        await tab.watch_inbox_for(text)
    sent_at = time.time()
    await world.guest_writes(text, chat, "Olivia Chen")
    latencies = {}
    for tab in (anna, ben):
        latencies[tab.label] = round(await tab.seen_at(text, timeout=3_000) - sent_at, 3)
        await expect(tab.page.locator("#inbox-list .inbox-row .guest-name")).to_have_text(["Olivia Chen"])
        assert await tab.same_document(), f"{tab.label}'s tab reloaded"
    record_timing("guest message appears in the inbox (s, per tab: web1 anna, web2 ben)", latencies)
    print(f"guest message appeared after {latencies} s")

    # The AI answers the guest first; from here on, anything the guest receives is counted.
    ai_answer = await eventually(lambda: world.outgoing(chat), timeout=15, what="the AI's answer")
    last_seq = max(m["seq"] for m in ai_answer)

    # 2. Both open the conversation; Anna takes it over; Ben sees that at once.
    for tab in (anna, ben):
        await tab.page.locator(".inbox-row .row-link", has_text="Olivia Chen").click()
        await expect(tab.page).to_have_url(re.compile(r"/conversations/[0-9a-f-]{36}$"))
        await tab.wait_live()
        await expect(tab.page.locator("#timeline")).to_contain_text(text)
    assert anna.page.url.rsplit("/", 1)[1] == ben.page.url.rsplit("/", 1)[1]
    await ben.mark_document()

    await anna.page.get_by_role("button", name="Take over").click()
    ben_header = ben.page.locator("#conversation-header")
    await expect(ben_header).to_have_attribute("data-state", "human", timeout=5_000)
    await expect(ben_header).to_contain_text("with Anna Berger")
    await expect(ben_header.locator(".state")).to_have_text("Staff")
    anna_header = anna.page.locator("#conversation-header")
    await expect(anna_header).to_have_attribute("data-state", "human")
    await expect(anna_header.get_by_role("button", name="Take over")).to_have_count(0)

    reply = "Good morning Olivia, Anna from the front desk here: yes, breakfast is included."
    await anna.page.locator("#reply").press_sequentially(reply)
    await anna.page.locator("#reply").press("Enter")
    await expect(anna.page.locator("#reply")).to_have_value("")

    async def staff_reply_on_phone() -> list[str]:
        return [m["text"] for m in await world.outgoing(chat) if m["seq"] > last_seq]

    on_phone = await eventually(staff_reply_on_phone, timeout=10, what="the reply on the guest's phone")
    assert on_phone == [reply]
    await expect(ben.page.locator("#timeline")).to_contain_text(reply)

    # The guest writes again: it shows up, and the AI stays silent (only Anna's reply went out).
    follow_up = "Thank you! Can I also park my car there?"
    await world.guest_writes(follow_up, chat, "Olivia Chen")
    for tab in (anna, ben):
        await expect(tab.page.locator("#timeline")).to_contain_text(follow_up)
    await asyncio.sleep(2)
    assert await staff_reply_on_phone() == [reply], "the AI must not talk over a person"
    await expect(ben_header).to_have_attribute("data-state", "human")
    assert await ben.same_document(), "Ben's tab reloaded"
    assert anna.errors == ben.errors == [], "JavaScript errors in the page"


async def test_a_guest_asking_for_a_person_raises_the_alert_in_both_tabs(
    harness: Harness, world: World, tabs: Tabs
) -> None:
    anna_agent, ben_agent = world.agents
    anna = await tabs.sign_in(harness.web_urls[0], anna_agent)
    ben = await tabs.sign_in(harness.web_urls[1], ben_agent)
    for tab in (anna, ben):
        await expect(tab.page.locator("body")).not_to_have_class(re.compile(r"\bhas-waiting\b"))
        await expect(tab.page).not_to_have_title(re.compile(r"^\(\d+\)"))
        await tab.mark_document()

    await world.guest_writes("Can I talk to a person please?", guest_chat(), "Marco Rossi")

    for tab in (anna, ben):
        waiting = tab.page.locator(".section-needs_human")
        await expect(waiting.locator(".inbox-row")).to_have_count(1, timeout=10_000)
        await expect(waiting.locator(".guest-name")).to_have_text("Marco Rossi")
        await expect(waiting.locator(".state")).to_have_text("Needs a person")
        await expect(tab.page).to_have_title(re.compile(r"^\(1\) Inbox"))
        await expect(tab.page.locator("body")).to_have_class(re.compile(r"\bhas-waiting\b"))
        await expect(tab.page.locator("#waiting-badge")).to_have_text("1")
        assert await tab.same_document(), f"{tab.label}'s tab reloaded"
        assert tab.errors == []

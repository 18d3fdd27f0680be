"""Live pushes carry only what changed; the page they build must be the page a reload shows."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.browser.harness import Harness, Tabs, World, guest_chat

pytestmark = pytest.mark.browser

LIST_SHAPE = """() => {
    const list = document.getElementById("inbox-list");
    const ids = [...document.querySelectorAll("[id]")].map(e => e.id);
    return {
        sections: [...list.querySelectorAll(".inbox-section")].map(section => ({
            name: section.classList[1],
            count: section.querySelector(".count").textContent,
            rows: [...section.querySelectorAll(".inbox-row")].map(row => [
                row.id, row.className, row.querySelector(".row-preview").textContent,
            ]),
            empty_note_shown: [...section.querySelectorAll(".empty")].some(p => p.offsetParent !== null),
        })),
        duplicate_ids: ids.filter((id, i) => ids.indexOf(id) !== i),
        badge: document.getElementById("waiting-badge").getAttribute("data-waiting"),
    };
}"""


async def list_shape(page: Page) -> dict[str, Any]:
    return dict(await page.evaluate(LIST_SHAPE))


async def matches_a_reload(live: Page, fresh: Page, timeout: float = 15.0) -> dict[str, Any]:
    """Wait until the live tab's list equals what a fresh load of the inbox shows."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        await fresh.reload()
        expected, shown = await list_shape(fresh), await list_shape(live)
        if shown == expected:
            return shown
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"the live list drifted from the page:\nlive:   {shown}\nreload: {expected}")
        await asyncio.sleep(0.3)


async def test_updates_build_the_same_list_a_reload_shows(harness: Harness, world: World, tabs: Tabs) -> None:
    anna_agent, _ = world.agents
    live = await tabs.sign_in(harness.web_urls[0], anna_agent, "live")
    fresh = await tabs.sign_in(harness.web_urls[1], anna_agent, "fresh")
    await live.mark_document()
    chats = {name: guest_chat() for name in ("Olivia Chen", "Marco Rossi", "Yuki Tanaka", "Sofia García")}

    # New conversations, one after another: each arrives at the top of the AI's section.
    for name, chat in list(chats.items())[:3]:
        await world.guest_writes(f"Hello, this is {name}. Is there parking?", chat, name)
        await expect(live.page.locator("#inbox-list")).to_contain_text(name)
    await matches_a_reload(live.page, fresh.page)

    # An older conversation comes back to life: it moves to the top, the others keep their order.
    await world.guest_writes("One more thing: can I bring my dog?", chats["Olivia Chen"], "Olivia Chen")
    await expect(live.page.locator("#live-rows-ai .inbox-row").first).to_contain_text("Olivia Chen")
    await matches_a_reload(live.page, fresh.page)

    # A guest asks for a person: the row moves to the waiting section, counts and badge follow.
    await world.guest_writes("I want to speak to a person, please", chats["Sofia García"], "Sofia García")
    await expect(live.page.locator(".section-needs_human")).to_contain_text("Sofia García", timeout=10_000)
    shown = await matches_a_reload(live.page, fresh.page)
    waiting = next(s for s in shown["sections"] if s["name"] == "section-needs_human")
    assert (waiting["count"], len(waiting["rows"]), waiting["empty_note_shown"]) == ("1", 1, False)
    assert shown["badge"] == "1"
    assert shown["duplicate_ids"] == []
    assert await live.same_document(), "the live tab reloaded"


async def test_after_a_search_the_list_is_whole_and_current(
    harness: Harness, world: World, tabs: Tabs
) -> None:
    """Messages that arrive while a search shows its results are in the list once it is cleared."""
    anna_agent, _ = world.agents
    live = await tabs.sign_in(harness.web_urls[0], anna_agent, "live")
    fresh = await tabs.sign_in(harness.web_urls[1], anna_agent, "fresh")
    olivia, marco = guest_chat(), guest_chat()
    await world.guest_writes("Hello, is there parking?", olivia, "Olivia Chen")
    await expect(live.page.locator("#inbox-list")).to_contain_text("Olivia Chen")

    search = live.page.locator("#q")
    await search.fill("Olivia")
    await expect(live.page.locator("#inbox-results")).to_contain_text("Olivia Chen")
    await world.guest_writes("Good evening, a table for two?", marco, "Marco Rossi")
    await world.guest_writes("And can I bring my dog?", olivia, "Olivia Chen")
    await asyncio.sleep(1.5)  # both pushed while the live list is not on the page
    await search.fill("")
    await expect(live.page.locator("#inbox-list")).to_contain_text("Marco Rossi", timeout=5_000)
    shown = await matches_a_reload(live.page, fresh.page)
    assert shown["duplicate_ids"] == []

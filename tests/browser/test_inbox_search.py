"""A search that finds nothing says so, offers the way back, and stays said while guests write."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.browser.harness import Harness, Tabs, World, guest_chat

pytestmark = pytest.mark.browser


async def test_a_search_with_no_result_says_so_while_live_updates_arrive(
    harness: Harness, world: World, tabs: Tabs
) -> None:
    anna = await tabs.sign_in(harness.web_urls[0], world.agents[0])
    page = anna.page
    await world.guest_writes("Hello, is there parking?", guest_chat(), "Olivia Chen")
    await expect(page.locator("#inbox-list")).to_contain_text("Olivia Chen")
    await anna.mark_document()

    # Typed into the box: the htmx fragment says it.
    await page.locator("#q").fill("Gustav")
    results = page.locator("#inbox-results")
    no_match = results.locator(".no-match")
    await expect(no_match).to_have_text("No conversation matches “Gustav”. Clear the search")
    await expect(results.locator(".inbox-section")).to_have_count(0)

    # A guest asks for a person meanwhile: the push reaches the page (badge, notice), the answer
    # to the search stays as it was.
    await world.guest_writes("Can I talk to a person please?", guest_chat(), "Marco Rossi")
    await expect(page.locator("#waiting-badge")).to_have_text("1", timeout=15_000)
    await expect(page.locator("#notices .notice")).to_contain_text("Marco Rossi")
    await expect(no_match).to_have_text("No conversation matches “Gustav”. Clear the search")
    await expect(results.locator(".inbox-row")).to_have_count(0)
    await expect(page.locator("#inbox-list")).to_have_count(0)
    assert await anna.same_document()

    # The way back: the whole inbox, current, and an empty search box.
    await no_match.get_by_role("link", name="Clear the search").click()
    await expect(page).to_have_url(re.compile(r"/inbox$"))
    await expect(page.locator("#q")).to_have_value("")
    await expect(page.locator("#inbox-list .section-needs_human")).to_contain_text("Marco Rossi")
    await expect(page.locator("#inbox-list .section-ai")).to_contain_text("Olivia Chen")
    await expect(page.locator(".no-match")).to_have_count(0)

    # A search that finds someone lists them, without the message.
    await page.locator("#q").fill("Olivia")
    await expect(page.locator("#inbox-results")).to_contain_text("Olivia Chen")
    await expect(page.locator(".no-match")).to_have_count(0)
    assert anna.errors == []


async def test_the_inbox_page_for_a_search_with_no_result_says_so(
    harness: Harness, world: World, tabs: Tabs
) -> None:
    """The same words on the page a link or a reload opens, and the query shown as typed."""
    anna = await tabs.sign_in(harness.web_urls[0], world.agents[0])
    await world.guest_writes("Hello, is there parking?", guest_chat(), "Olivia Chen")
    query = "<b>Gustav</b>"
    await anna.page.goto(f"/inbox?q={query}")
    no_match = anna.page.locator("#inbox-results .no-match")
    await expect(no_match).to_have_text(f"No conversation matches “{query}”. Clear the search")
    await expect(anna.page.locator("#q")).to_have_value(query)
    assert await anna.page.locator("#inbox-results b").count() == 0
    await no_match.get_by_role("link", name="Clear the search").click()
    await expect(anna.page.locator("#inbox-list")).to_contain_text("Olivia Chen")

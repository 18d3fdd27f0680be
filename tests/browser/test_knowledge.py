"""The knowledge base in a real browser: an admin adds an entry and sees the playground cite it,
edits one in place, writes the entry a guest's question was missing from the knowledge gaps; every
knowledge page passes the WCAG 2.1 AA check. Screenshots: knowledge-*.png in
test-artifacts/screenshots/."""

from __future__ import annotations

import re
from functools import partial

import pytest
from playwright.async_api import Page, expect

from tests.browser.axe import violations
from tests.browser.harness import SCREENSHOTS, Harness, Tabs, World, eventually, guest_chat

pytestmark = pytest.mark.browser


async def no_violations(page: Page, name: str) -> None:
    found = await violations(page)
    assert not found, f"{name}: " + "\n".join(found)


async def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=SCREENSHOTS / f"knowledge-{name}.png")


async def test_add_an_entry_and_the_playground_cites_it(harness: Harness, world: World, tabs: Tabs) -> None:
    clara = await tabs.sign_in(harness.web_urls[0], world.admin)
    page = clara.page
    await page.get_by_role("link", name="Knowledge").click()
    await expect(page.get_by_role("heading", name="Knowledge", exact=True)).to_be_visible()
    await no_violations(page, "entries")

    await page.get_by_role("link", name="New entry").click()
    await no_violations(page, "new entry")
    await page.get_by_label("Title").fill("Rooftop bar")
    await page.get_by_label("Text").fill("Our bar on the 8th floor mixes cocktails from 18:00 to 01:00.")
    await page.get_by_label("Tags").fill("food, evening")
    await page.get_by_role("button", name="Save entry").click()
    card = page.locator(".kb-entry", has_text="Rooftop bar")
    await expect(card).to_contain_text("#evening")
    await screenshot(page, "entries")

    # Edited in place: the card becomes its form and back, without leaving the page.
    await clara.mark_document()
    await card.get_by_role("link", name="Edit Rooftop bar").click()
    form = page.locator("form.kb-form")
    await expect(form.get_by_label("Text")).to_have_value(re.compile("cocktails"))
    await no_violations(page, "inline edit")
    await form.get_by_label("Text").fill("Our bar on the 8th floor mixes cocktails from 17:00 to 01:00.")
    await form.get_by_role("button", name="Save").click()
    await expect(card).to_contain_text("from 17:00 to 01:00")
    assert await clara.same_document()

    await page.get_by_role("link", name="Try the bot").click()
    await no_violations(page, "playground")
    await page.get_by_label("Question").fill("Where can I get cocktails tonight?")
    await page.get_by_role("button", name="Ask").click()
    answer = page.locator("#answer")
    # One real LLM round trip (the simulator), on a machine that may be busy: give it time.
    await expect(answer).to_contain_text("mixes cocktails from 17:00 to 01:00", timeout=30_000)
    await expect(answer).to_contain_text("No, the AI answers this itself")
    source = answer.get_by_role("link", name="Rooftop bar")
    await expect(source).to_be_visible()
    await no_violations(page, "playground answer")
    await screenshot(page, "playground")
    await source.click()
    await expect(page.locator(".kb-entry")).to_contain_text("8th floor")
    await no_violations(page, "entry")


async def test_write_the_missing_entry_from_the_knowledge_gaps(
    harness: Harness, world: World, tabs: Tabs
) -> None:
    chat = guest_chat()
    await world.guest_writes("Do you rent out kayaks?", chat, "Noah Smith")
    await eventually(partial(world.outgoing, chat), timeout=15, what="the hand-off notice to the guest")
    clara = await tabs.sign_in(harness.web_urls[0], world.admin)
    page = clara.page
    await page.goto("/admin/knowledge/gaps")
    row = page.locator("tr", has_text="Do you rent out kayaks?")
    await expect(row).to_contain_text("1\N{MULTIPLICATION SIGN}")
    await no_violations(page, "knowledge gaps")
    await screenshot(page, "gaps")

    await row.get_by_role("link", name=re.compile("Write the missing entry")).click()
    await expect(page.get_by_label("Title")).to_have_value("Do you rent out kayaks?")
    await no_violations(page, "missing entry")
    await page.get_by_label("Text").fill("Kayaks are for rent at the river dock, 15 EUR an hour.")
    await page.get_by_role("button", name="Save entry").click()
    await expect(page.locator(".notice-ok")).to_contain_text("Entry saved")
    await expect(page.locator("tr", has_text="Do you rent out kayaks?")).to_have_count(0)

    # The next guest who asks gets the answer.
    other = guest_chat()
    await world.guest_writes("Do you rent out kayaks?", other, "Emma Brown")
    replies = await eventually(partial(world.outgoing, other), timeout=15, what="the AI's answer")
    assert "river dock" in (replies[0].get("textMessage") or replies[0].get("text") or "")


async def test_import_preview_and_the_delete_confirmation_pass_the_check(
    harness: Harness, world: World, tabs: Tabs, tmp_path
) -> None:
    clara = await tabs.sign_in(harness.web_urls[0], world.admin)
    page = clara.page
    await page.goto("/admin/knowledge")
    source = tmp_path / "more.md"
    source.write_text(
        "## Kayaks\nKayaks at the dock.\n\n## Parking\nNo parking.\n\n## Bad\n", encoding="utf-8"
    )
    await page.get_by_text("Import from a file").click()
    await page.get_by_label(re.compile("^Markdown")).set_input_files(source)
    await page.get_by_role("button", name="Preview the import").click()
    await expect(page.get_by_role("heading", name=re.compile("preview"))).to_be_visible()
    await expect(page.locator(".kb-problems")).to_contain_text("Entry 3")
    await no_violations(page, "import preview")
    await screenshot(page, "import-preview")

    await page.goto("/admin/knowledge?q=pets")
    await page.locator(".kb-entry", has_text="Pets").get_by_role("link", name="Delete Pets").click()
    await no_violations(page, "delete confirmation")
    await page.get_by_role("button", name="Delete the entry").click()
    await expect(page.locator(".kb-count")).to_contain_text("entries")
    await page.goto("/admin/knowledge?q=pets")
    await expect(page.locator(".kb-entry")).to_have_count(0)

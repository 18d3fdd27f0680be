"""What staff see as conversations change hands and guests need them: notices in every tab, a
composer that says who has the conversation, the header's actions, the live requests board."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.browser.harness import SCREENSHOTS, Harness, Tabs, World, guest_chat

pytestmark = pytest.mark.browser


async def open_conversation(page: Page, guest: str) -> None:
    await page.locator(".inbox-row .row-link", has_text=guest).first.click()
    await expect(page).to_have_url(re.compile(r"/conversations/[0-9a-f-]{36}$"))
    await expect(page.locator("#live-status")).to_have_attribute("data-state", "live")


async def test_taking_over_from_a_colleague_tells_them_and_their_composer_says_who_has_it(
    harness: Harness, quiet_world: World, tabs: Tabs
) -> None:
    anna_agent, ben_agent = quiet_world.agents
    anna = await tabs.sign_in(harness.web_urls[0], anna_agent)
    anna_inbox = await tabs.sign_in(harness.web_urls[1], anna_agent, "anna-inbox")
    ben = await tabs.sign_in(harness.web_urls[1], ben_agent)
    await anna_inbox.wait_live()  # a notice reaches the sockets open when it happens
    await quiet_world.guest_writes("Hello, I need help with my booking", guest_chat(), "Olivia Chen")
    for tab in (anna, ben):
        await open_conversation(tab.page, "Olivia Chen")
    await anna.page.locator("#conversation-header").get_by_role("button", name="Take over").click()
    ben_status = ben.page.locator("#composer-status")
    await expect(ben_status).to_contain_text("Anna Berger is handling this conversation")
    await anna.mark_document()

    # Ben takes it over from Anna, from his composer.
    await ben_status.get_by_role("button", name="Take over from Anna Berger").click()
    await expect(ben_status).to_contain_text("You are handling this conversation")

    # Anna is told, in both her tabs, and her composer says who has it now.
    for tab in (anna, anna_inbox):
        notice = tab.page.locator("#notices .notice")
        await expect(notice).to_have_count(1)
        await expect(notice).to_contain_text("Ben Okafor took over Olivia Chen's conversation from you")
    status = anna.page.locator("#composer-status")
    await expect(status).to_contain_text("Ben Okafor is handling this conversation")
    await expect(status).to_contain_text("Sending a reply takes it over from Ben Okafor")
    await expect(status.get_by_role("button", name="Take over from Ben Okafor")).to_be_visible()
    header = anna.page.locator("#conversation-header")
    await expect(header).to_contain_text("with Ben Okafor")
    await expect(header.get_by_role("button", name="Take over")).to_be_visible()
    await expect(anna.page.locator("#timeline")).to_contain_text("Ben Okafor took over from Anna Berger")
    assert await anna.same_document(), "Anna's tab reloaded"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await anna.page.screenshot(path=SCREENSHOTS / "conversation-taken-over.png")

    # One click on the notice in her inbox tab opens the conversation; she dismisses the other.
    await anna_inbox.page.locator("#notices .notice-link").click()
    await expect(anna_inbox.page).to_have_url(re.compile(r"/conversations/[0-9a-f-]{36}$"))
    await expect(anna_inbox.page.locator("#conversation-header h1")).to_have_text("Olivia Chen")
    await anna.page.locator("#notices .notice-close").click()
    await expect(anna.page.locator("#notices .notice")).to_have_count(0)
    assert anna.errors == ben.errors == anna_inbox.errors == []


async def test_a_guest_who_needs_a_person_is_announced_on_every_page(
    harness: Harness, world: World, tabs: Tabs
) -> None:
    admin = await tabs.sign_in(harness.web_urls[0], world.admin)
    await admin.page.goto("/admin/staff")
    await admin.wait_live()
    anna = await tabs.sign_in(harness.web_urls[1], world.agents[0])
    await anna.page.goto("/requests")
    await anna.wait_live()

    # A page that was navigated to may not play sound before a click on it (Chromium's autoplay
    # policy): until it may, a small control offers it in one click.
    sound = admin.page.locator("#enable-sound")
    await expect(sound).to_be_visible()
    await sound.click()
    await expect(sound).to_be_hidden()

    await world.guest_writes("Can I talk to a person please?", guest_chat(), "Marco Rossi")
    for tab in (admin, anna):
        notice = tab.page.locator("#notices .notice-waiting")
        await expect(notice).to_contain_text(
            "Marco Rossi is waiting for a person: guest asked for a person", timeout=15_000
        )
        await expect(tab.page).to_have_title(re.compile(r"^\(1\) "))
        await expect(tab.page.locator("#waiting-badge")).to_have_text("1")
    await expect(admin.page).to_have_title(re.compile(r"^\(1\) Staff · "))

    # One click opens the conversation; a waiting guest is not offered back to the AI.
    await admin.page.locator("#notices .notice-link").click()
    await expect(admin.page.locator("#conversation-header h1")).to_have_text("Marco Rossi")
    await admin.wait_live()
    header = admin.page.locator("#conversation-header")
    await expect(header).to_have_attribute("data-state", "needs_human")
    await expect(header.get_by_role("button", name="Take over")).to_be_visible()
    await expect(header.get_by_role("button", name="Hand back to AI")).to_have_count(0)

    # Resolved, it offers Reopen (live), which gives it back to the AI. Nobody waits any more: the
    # notice calling for Marco goes from Anna's tab too, and so does the count in its title.
    await header.get_by_role("button", name="Resolve").click()
    await expect(header).to_have_attribute("data-state", "resolved")
    await expect(anna.page.locator("#notices .notice-waiting")).to_have_count(0)
    await expect(anna.page).not_to_have_title(re.compile(r"^\(1\) "))
    await expect(header.get_by_role("button", name="Resolve")).to_have_count(0)
    await header.get_by_role("button", name="Reopen").click()
    await expect(header).to_have_attribute("data-state", "ai")
    await expect(admin.page.locator("#timeline")).to_contain_text("Clara Novak reopened the conversation")
    assert admin.errors == anna.errors == []


async def test_housekeeping_works_from_the_live_requests_board(
    harness: Harness, world: World, tabs: Tabs
) -> None:
    anna = await tabs.sign_in(harness.web_urls[0], world.agents[0])
    ben = await tabs.sign_in(harness.web_urls[1], world.agents[1])
    await anna.page.goto("/requests")
    await anna.wait_live()
    await expect(anna.page.locator("#requests-board")).to_contain_text("No open requests")
    await anna.mark_document()

    await world.guest_writes("Could you bring two fresh towels to room 312?", guest_chat(), "Sofia García")
    item = anna.page.locator("#requests-board .board-item")
    await expect(item).to_have_count(1, timeout=15_000)
    await expect(anna.page.locator("#requests-board .board-section h2")).to_contain_text("housekeeping")
    await expect(item).to_contain_text("Room 312")
    await expect(item).to_contain_text("Sofia García")
    row = ben.page.locator(".inbox-row", has_text="Sofia García")
    await expect(row.locator(".request-tag")).to_have_text("housekeeping · room 312")
    await expect(row.locator(".row-preview")).to_have_text("Could you bring two fresh towels to room 312?")

    await item.get_by_label("Status").select_option("in_progress")
    await expect(item).to_have_class(re.compile(r"status-in_progress"))
    await anna.page.locator("#requests-board .board-item").get_by_label("Status").select_option("done")
    await expect(anna.page.locator("#requests-board")).to_contain_text("No open requests")
    await expect(row.locator(".request-tag")).to_have_count(0)
    assert await anna.same_document(), "the board reloaded"
    assert anna.errors == ben.errors == []

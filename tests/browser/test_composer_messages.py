"""A reply or a note the server refuses says why, beside its button, with or without JavaScript;
an assignment to nobody says so too."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.harness import SCREENSHOTS, VIEWPORT, Harness, Tabs, World, eventually, guest_chat
from tests.support.web import PASSWORD

pytestmark = pytest.mark.browser


async def open_conversation(page: Page, guest: str) -> None:
    await page.locator(".inbox-row .row-link", has_text=guest).first.click()
    await expect(page).to_have_url(re.compile(r"/conversations/[0-9a-f-]{36}$"))


async def test_an_empty_reply_or_note_is_refused_beside_its_button(
    harness: Harness, quiet_world: World, tabs: Tabs
) -> None:
    anna = await tabs.sign_in(harness.web_urls[0], quiet_world.agents[0])
    page = anna.page
    chat = guest_chat()
    await quiet_world.guest_writes("Hello, is the spa open tonight?", chat, "Olivia Chen")
    await open_conversation(page, "Olivia Chen")
    await anna.wait_live()
    reply_form = page.locator("#composer .reply-form")
    message = reply_form.locator("#reply-error")
    await expect(message).to_be_empty()

    # Send with nothing written: the server says no (400, with its reason) and the composer says why.
    async with page.expect_response(re.compile(r"/reply$")) as answer:
        await reply_form.get_by_role("button", name="Send").click()
    assert (await answer.value).status == 400
    await expect(message).to_have_text("Write a reply first")
    await expect(message).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=SCREENSHOTS / "conversation-reply-refused.png")
    await expect(page.locator("#reply")).to_have_attribute("aria-describedby", "reply-error")

    # Typing answers it; spaces only and Enter are refused the same way.
    await page.locator("#reply").fill("   ")
    await expect(message).to_be_empty()
    await page.locator("#reply").press("Enter")
    await expect(message).to_have_text("Write a reply first")

    note_form = page.locator("#composer .note-form")
    await note_form.get_by_role("button", name="Add note").click()
    await expect(note_form.locator("#note-error")).to_have_text("Write a note first")
    await expect(message).to_be_empty()  # one answer, one message: the reply's went

    # No toast with a JSON body, nothing reached the guest, the conversation stayed where it was.
    await expect(page.locator("#toasts .toast")).to_have_count(0)
    assert await quiet_world.outgoing(chat) == []
    await expect(page.locator("#conversation-header")).not_to_have_attribute("data-state", "human")

    # A real reply goes, and the message with it.
    await page.locator("#reply").fill("   ")
    await page.locator("#reply").press("Enter")
    await expect(message).to_have_text("Write a reply first")
    await page.locator("#reply").fill("Yes, until 22:00. Shall I book you a slot?")
    await page.locator("#reply").press("Enter")
    await eventually(lambda: quiet_world.outgoing(chat), timeout=10, what="the reply on the guest's phone")
    await expect(message).to_be_empty()
    await expect(page.locator("#reply")).to_have_value("")
    sent = [m["text"] for m in await quiet_world.outgoing(chat)]
    assert sent == ["Yes, until 22:00. Shall I book you a slot?"]
    assert anna.errors == []


async def test_without_javascript_an_empty_reply_comes_back_with_the_message(
    harness: Harness, quiet_world: World, browser: Browser
) -> None:
    """A plain form post (no htmx): the conversation again, answered 400, the message in the composer."""
    await quiet_world.guest_writes("Hello, is the spa open tonight?", guest_chat(), "Olivia Chen")
    context = await browser.new_context(
        base_url=harness.web_urls[0], viewport=VIEWPORT, java_script_enabled=False
    )
    try:
        page = await context.new_page()
        await page.goto("/login")
        await page.locator("#email").fill(quiet_world.agents[0].email)
        await page.locator("#password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        await expect(page).to_have_url(re.compile(r"/inbox$"))
        await open_conversation(page, "Olivia Chen")

        async with page.expect_navigation() as navigation:
            await page.locator("#composer").get_by_role("button", name="Send").click()
        answer = await navigation.value
        assert answer is not None
        assert answer.status == 400
        await expect(page.locator("#reply-error")).to_have_text("Write a reply first")
        await expect(page.locator("#reply")).to_have_attribute("aria-invalid", "true")
        await expect(page.locator("#conversation-header h1")).to_have_text("Olivia Chen")

        async with page.expect_navigation() as navigation:
            await page.locator("#composer").get_by_role("button", name="Add note").click()
        assert (await navigation.value) is not None
        await expect(page.locator("#note-error")).to_have_text("Write a note first")
        await expect(page.locator("#reply-error")).to_be_empty()
    finally:
        await context.close()


async def test_assign_without_choosing_a_colleague_says_so(
    harness: Harness, quiet_world: World, tabs: Tabs
) -> None:
    anna = await tabs.sign_in(harness.web_urls[0], quiet_world.agents[0])
    page = anna.page
    await quiet_world.guest_writes("Hello, is the spa open tonight?", guest_chat(), "Olivia Chen")
    await open_conversation(page, "Olivia Chen")
    await anna.wait_live()
    header = page.locator("#conversation-header")
    async with page.expect_response(re.compile(r"/assign$")) as answer:
        await header.get_by_role("button", name="Assign").click()
    assert (await answer.value).status == 400
    await expect(page.locator("#toasts .toast")).to_have_text("choose a colleague to assign")
    await expect(header).not_to_have_attribute("data-state", "human")

"""axe-core finds no WCAG 2.1 A or AA violation on any staff page, as staff see it with real data:
sign-in, the inbox (every section filled, a live notice showing, a search without result), the
conversation (a photo, a location, a file, the AI's answer, a staff reply, a note, a service
request, the composer's message), the requests board, the admin pages, guest feedback and the error
pages."""

from __future__ import annotations

import re
import uuid
from functools import partial

import pytest
from playwright.async_api import Page, expect

from tests.browser.axe import violations
from tests.browser.harness import VIEWPORT, Harness, Tabs, World, eventually, guest_chat

pytestmark = pytest.mark.browser


async def open_conversation(page: Page, guest: str) -> None:
    await page.goto("/inbox")
    await page.locator(".inbox-row .row-link", has_text=guest).first.click()
    await expect(page.locator("#conversation-header h1")).to_have_text(guest)
    await expect(page.locator("#live-status")).to_have_attribute("data-state", "live")


# Every page with real data, the guest feedback included (a rating asked, answered and commented
# through the simulator): more than the suite's default two minutes on a busy machine.
@pytest.mark.timeout(300)
async def test_every_page_meets_wcag_21_aa(harness: Harness, world: World, tabs: Tabs) -> None:
    found: dict[str, list[str]] = {}

    async def check(page: Page, name: str) -> None:
        found[name] = await violations(page)

    # Signed out: sign-in, a failed sign-in, a page that does not exist.
    context = await tabs.browser.new_context(base_url=harness.web_urls[0], viewport=VIEWPORT)
    try:
        page = await context.new_page()
        await page.goto("/login")
        await check(page, "sign-in")
        await page.locator("#email").fill(world.admin.email)
        await page.locator("#password").fill("not the password")
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.locator(".alert")).to_be_visible()
        await check(page, "sign-in, refused")
        answer = await page.goto("/no-such-page")
        assert answer is not None
        assert answer.status == 404
        await check(page, "not found, signed out")
    finally:
        await context.close()

    clara = await tabs.sign_in(harness.web_urls[0], world.admin)
    anna = await tabs.sign_in(harness.web_urls[1], world.agents[0])
    page = clara.page
    files = f"{harness.green_url}/files"
    first_words = {
        "Olivia Chen": "Hi! There is a stain on the carpet, photo below.",
        "Sofia García": "Could you bring two fresh towels to room 312?",
        "Yuki Tanaka": "Is there parking at the hotel?",
        "Lukas Weber": "Wann gibt es Frühstück?",
    }
    chats = {name: guest_chat() for name in first_words}
    for name, text in first_words.items():
        await world.guest_writes(text, chats[name], name)
    olivia = partial(world.guest_sends, chats["Olivia Chen"], "Olivia Chen")
    await olivia(typeMessage="imageMessage", downloadUrl=f"{files}/stain.jpg", caption="the stain")
    await olivia(typeMessage="documentMessage", downloadUrl=f"{files}/booking.pdf", fileName="booking.pdf")
    await olivia(typeMessage="locationMessage", nameLocation="Café Einstein", latitude=52.5, longitude=13.35)
    for guest, chat in chats.items():
        await eventually(partial(world.outgoing, chat), timeout=15, what=f"an answer to {guest}")

    # Every section of the inbox gets a row: Clara's own, a colleague's, the AI's, resolved.
    await open_conversation(page, "Olivia Chen")
    await page.get_by_role("button", name="Take over").click()
    await expect(page.locator("#conversation-header")).to_have_attribute("data-state", "human")
    await page.locator("#reply").fill("So sorry! Housekeeping is on the way.")
    await page.locator("#reply").press("Enter")
    await page.locator("#note").fill("Offer a late check-out as an apology.")
    await page.locator("#note").press("Enter")
    await expect(page.locator("#timeline .msg-staff")).to_have_count(1)
    await expect(page.locator("#timeline .note")).to_have_count(1)
    await open_conversation(page, "Yuki Tanaka")
    await page.get_by_role("button", name="Resolve").click()
    await expect(page.locator("#conversation-header")).to_have_attribute("data-state", "resolved")
    await open_conversation(anna.page, "Lukas Weber")
    await anna.page.get_by_role("button", name="Take over").click()
    await expect(anna.page.locator("#conversation-header")).to_have_attribute("data-state", "human")

    # The inbox, as a guest who asks for a person is announced on it.
    await page.goto("/inbox")
    await clara.wait_live()
    await world.guest_writes("Can I talk to a person please?", guest_chat(), "Marco Rossi")
    await expect(page.locator("#notices .notice")).to_contain_text("Marco Rossi", timeout=15_000)
    for section in ("needs_human", "mine", "others", "ai", "resolved"):
        await expect(page.locator(f"#inbox-list .section-{section} .inbox-row").first).to_be_visible()
    await check(page, "inbox, with a notice")
    await page.locator("#q").fill("Gustav")
    await expect(page.locator(".no-match")).to_be_visible()
    await check(page, "inbox, a search without result")

    await open_conversation(page, "Olivia Chen")
    timeline = page.locator("#timeline")
    for kind in (".thumb", ".media.file", "a.media[href*=openstreetmap]", ".msg-ai", ".msg-staff", ".note"):
        await expect(timeline.locator(kind).first).to_be_visible()
    await check(page, "conversation: photo, file, location, answers, a note")
    await page.locator("#composer").get_by_role("button", name="Send").click()
    await expect(page.locator("#reply-error")).to_have_text("Write a reply first")
    await check(page, "conversation, an empty reply refused")
    await open_conversation(page, "Sofia García")
    await expect(page.locator("#guest-panel .request")).to_contain_text("312")
    await check(page, "conversation with a service request")
    await open_conversation(page, "Marco Rossi")
    await expect(page.locator("#conversation-header")).to_contain_text("waiting")
    await check(page, "conversation, the guest waiting for a person")

    await page.goto("/requests")
    await expect(page.locator("#requests-board .board-item")).to_contain_text("Room 312")
    await check(page, "requests board")
    await page.goto("/admin/saved-replies")
    await page.locator("#shortcut").fill("wifi")
    await page.locator("#text").fill("The Wi-Fi is Aurora-Guest, password sunrise2026.")
    await page.get_by_role("button", name="Save").click()
    await expect(page.locator(".table")).to_contain_text("/wifi")
    await check(page, "saved replies")
    await page.goto("/admin/staff")
    await check(page, "staff admin")

    # Yuki was asked to rate when Clara resolved the conversation: a low rating and its comment.
    yuki = chats["Yuki Tanaka"]

    async def said(words: str) -> bool:
        return any(words in (m.get("textMessage") or m.get("text") or "") for m in await world.outgoing(yuki))

    await eventually(partial(said, "from 1 (poor) to 5"), timeout=15, what="the rating question")
    await world.guest_writes("1", yuki, "Yuki Tanaka")
    await eventually(partial(said, "What went wrong?"), timeout=15, what="the follow-up")
    await world.guest_writes("The parking answer came too late", yuki, "Yuki Tanaka")
    await page.goto("/feedback")
    await expect(page.locator(".feedback-table")).to_contain_text("The parking answer came too late")
    await check(page, "guest feedback")

    # Error pages, signed in: not found, and not open to an agent.
    answer = await page.goto(f"/conversations/{uuid.uuid4()}")
    assert answer is not None
    assert answer.status == 404
    await check(page, "not found")
    answer = await anna.page.goto("/admin/staff")
    assert answer is not None
    assert answer.status == 403
    await expect(anna.page.locator("h1")).to_have_text(re.compile("Not open to you"))
    await check(anna.page, "forbidden")

    failing = {name: found for name, found in found.items() if found}
    assert not failing, "WCAG 2.1 AA violations:\n" + "\n".join(
        f"- {name}:\n    " + "\n    ".join(lines) for name, lines in failing.items()
    )
    assert clara.errors == anna.errors == []

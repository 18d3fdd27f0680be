"""The staff screens on a phone (390 px wide) and a tablet (820 px): nothing cut off or on top of
something else, a top bar that holds everything, a composer to tap and send from, the way back to
the inbox from a conversation, and no WCAG 2.1 AA violation at either size. Screenshots of each
screen at both sizes for a reviewer, in test-artifacts/screenshots/:
{phone,tablet}-{inbox,conversation,requests}.png.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

import pytest
from playwright.async_api import Page, ViewportSize, expect

from tests.browser.axe import violations
from tests.browser.harness import PHONE, SCREENSHOTS, TABLET, Harness, Tabs, World, eventually, guest_chat

pytestmark = pytest.mark.browser

# Every element that reaches past the viewport's edges, and the page's own width.
OVERFLOW = """() => {
    const width = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll("body *")].filter(el => {
        const box = el.getBoundingClientRect();
        return box.width > 0 && box.height > 0 && (box.left < -1 || box.right > width + 1);
    });
    return {
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
        wide: wide.map(el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
            (typeof el.className === "string" ? "." + el.className.trim().replace(/ +/g, ".") : "")),
    };
}"""

# The top bar's pieces: each shown whole, inside the bar and the viewport, none on top of another
# nor under a notice.
TOP_BAR = """() => {
    const bar = document.querySelector(".topbar").getBoundingClientRect();
    const width = document.documentElement.clientWidth;
    const shown = selectors => selectors
        .flatMap(selector => [...document.querySelectorAll(selector)])
        .filter(el => el.getClientRects().length > 0)
        .map(el => ({ name: (el.id || el.className || el.tagName) + " " + el.textContent.trim().slice(0, 24),
                      box: el.getBoundingClientRect() }));
    const pieces = shown([".brand", ".topnav a", "#live-status", "#enable-sound", ".hotel-switch select",
                          ".topbar .who", ".signout button"]);
    const problems = [];
    for (const { name, box } of pieces) {
        if (box.left < bar.left - 1 || box.right > Math.min(bar.right, width) + 1 ||
            box.top < bar.top - 1 || box.bottom > bar.bottom + 1) problems.push("outside the bar: " + name);
    }
    const all = [...pieces, ...shown(["#notices .notice"])];
    all.forEach((a, i) => all.slice(i + 1).forEach(b => {
        const x = Math.min(a.box.right, b.box.right) - Math.max(a.box.left, b.box.left);
        const y = Math.min(a.box.bottom, b.box.bottom) - Math.max(a.box.top, b.box.top);
        if (x > 1 && y > 1) problems.push("overlap: " + a.name + " / " + b.name);
    }));
    return { shown: pieces.map(p => p.name), problems };
}"""

# Whether the element is in the viewport and the one a tap at its centre reaches.
TAPPABLE = """el => {
    const box = el.getBoundingClientRect();
    const x = box.left + box.width / 2, y = box.top + box.height / 2;
    const hit = document.elementFromPoint(x, y);
    const inView = box.top >= 0 && box.bottom <= innerHeight && box.left >= 0 && box.right <= innerWidth;
    return { height: box.height, width: box.width, inView, reached: hit === el || el.contains(hit) };
}"""

SIZES: dict[str, ViewportSize] = {"phone": PHONE, "tablet": TABLET}


async def fits(page: Page, where: str) -> None:
    shape: dict[str, Any] = await page.evaluate(OVERFLOW)
    width = page.viewport_size["width"] if page.viewport_size else 0
    assert shape["innerWidth"] == width, f"{where}: the page zoomed out to {shape['innerWidth']} px"
    assert shape["scrollWidth"] <= width, f"{where}: wider than the screen: {shape}"
    assert shape["wide"] == [], f"{where}: past the screen's edge: {shape}"
    bar: dict[str, Any] = await page.evaluate(TOP_BAR)
    assert bar["problems"] == [], f"{where}: {bar}"
    assert len(bar["shown"]) >= 9, f"{where}: the top bar lost pieces: {bar['shown']}"
    assert await violations(page) == [], f"{where}: WCAG 2.1 AA violations at this size"


async def tappable(page: Page, selector: str, min_size: float) -> None:
    seen: list[dict[str, Any]] = []

    async def check() -> dict[str, Any] | None:
        seen.append(await page.locator(selector).evaluate(TAPPABLE))
        return seen[-1] if seen[-1]["inView"] and seen[-1]["reached"] else None

    # Polled: the first live push after a page load replaces its live regions (this one with them).
    try:
        found = await eventually(check, timeout=5)
    except AssertionError:
        raise AssertionError(f"{selector} cannot be tapped where it is: {seen[-1]}") from None
    assert min(found["height"], found["width"]) >= min_size, f"{selector} is too small to tap: {found}"


@pytest.mark.parametrize("size", ["phone", "tablet"])
async def test_the_staff_screens_fit_and_work_on_a_phone_and_a_tablet(
    harness: Harness, world: World, tabs: Tabs, size: str
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # The top bar at its fullest: an admin (every menu) of two hotels (the switch).
    await world.add_hotel("Hotel Aurora Potsdam Lakeside Resort & Spa", world.admin)  # listed second
    clara = await tabs.sign_in(harness.web_urls[0], world.admin, viewport=SIZES[size])
    page = clara.page
    await clara.wait_live()  # notices reach the sockets open when the guest is handed off
    chats = {
        "Sofia García": (guest_chat(), "Could you bring two fresh towels to room 312?"),
        "Olivia Chen": (guest_chat(), "When is breakfast served?"),
        "Marco Rossi": (guest_chat(), "Can I talk to a person please?"),
    }
    for guest, (chat, text) in chats.items():
        await world.guest_writes(text, chat, guest)
    for guest, (chat, _) in chats.items():
        await eventually(partial(world.outgoing, chat), timeout=15, what=f"an answer to {guest}")
    await expect(page.locator(".section-needs_human")).to_contain_text("Marco Rossi", timeout=10_000)

    # The inbox, with a notice showing: under the top bar's pieces, not over the navigation.
    notice = page.locator("#notices .notice")
    await expect(notice).to_contain_text("Marco Rossi is waiting for a person", timeout=15_000)
    await fits(page, "inbox")
    await page.screenshot(path=SCREENSHOTS / f"{size}-inbox.png", full_page=True)
    await notice.get_by_role("button", name="Dismiss").tap()
    await expect(notice).to_have_count(0)

    # Sofia's conversation: messages, the composer in view, the guest panel and her request below.
    await page.locator(".inbox-row .row-link", has_text="Sofia García").tap()
    await expect(page).to_have_url(re.compile(r"/conversations/[0-9a-f-]{36}$"))
    await clara.wait_live()
    await expect(page.locator("#timeline .msg-ai")).to_have_count(1)
    await expect(page.locator("#timeline .msg-guest .who")).to_have_text(["Sofia García"])
    await fits(page, "conversation")
    await page.screenshot(path=SCREENSHOTS / f"{size}-conversation.png")
    request = page.locator("#guest-panel .request")
    await request.scroll_into_view_if_needed()
    await expect(request.get_by_label("Status")).to_be_in_viewport()
    await expect(request).to_contain_text("room 312")

    # The way back to the inbox from a conversation, then Marco's: a reply typed and sent by touch.
    await page.locator("#conversation-header").get_by_role("link", name="Inbox").tap()
    await expect(page).to_have_url(re.compile(r"/inbox$"))
    await page.locator(".inbox-row .row-link", has_text="Marco Rossi").tap()
    await expect(page.locator("#conversation-header h1")).to_have_text("Marco Rossi")
    await clara.wait_live()
    min_tap = 44 if size == "phone" else 38
    await tappable(page, "#reply", min_tap)
    await tappable(page, "#composer button[type=submit] >> nth=0", min_tap)
    await tappable(page, "#note", min_tap)
    await page.locator("#reply").tap()
    await expect(page.locator("#reply")).to_be_focused()
    reply = "Hello Marco, this is Clara at the front desk. How can I help?"
    await page.keyboard.type(reply)
    await page.locator("#composer").get_by_role("button", name="Send").tap()
    marco = chats["Marco Rossi"][0]
    await eventually(lambda: _phone_has(world, marco, reply), timeout=10, what="the reply on Marco's phone")
    await expect(page.locator("#timeline .msg-staff")).to_contain_text(reply)
    await expect(page.locator("#conversation-header")).to_have_attribute("data-state", "human")
    await page.locator("#composer").get_by_role("button", name="Send").tap()
    await expect(page.locator("#reply-error")).to_have_text("Write a reply first")
    await fits(page, "conversation after a reply")

    # The requests board, and the admin pages, fit as well.
    await page.goto("/requests")
    await expect(page.locator("#requests-board .board-item")).to_contain_text("Room 312")
    await fits(page, "requests")
    await tappable(page, "#requests-board .board-item select", min_tap)
    await page.screenshot(path=SCREENSHOTS / f"{size}-requests.png", full_page=True)
    admin_pages = ("/admin", "/admin/settings", "/admin/whatsapp", "/admin/ai", "/admin/staff")
    for path in (*admin_pages, "/admin/saved-replies"):
        await page.goto(path)
        await fits(page, path)
    assert clara.errors == []


async def _phone_has(world: World, chat: str, text: str) -> bool:
    return any(m["text"] == text for m in await world.outgoing(chat))


async def test_the_guest_phone_of_the_simulator_fits_a_phone(harness: Harness, browser: Any) -> None:
    """The demo's guest phone is what a newcomer opens on their own phone: it fits at 390 px."""
    context = await browser.new_context(viewport=PHONE)
    try:
        page = await context.new_page()
        await page.goto(f"{harness.green_url}/")
        await expect(page.locator("#phone")).to_be_visible()
        layout = await page.evaluate(OVERFLOW)
        assert layout["scrollWidth"] <= layout["innerWidth"], layout
        assert layout["wide"] == [], layout
    finally:
        await context.close()

"""An admin configures the hotel in the browser: from the top bar's Admin link to the settings
(persona and business hours saved and seen back, a refused range explained), the WhatsApp
connection checked and the AI provider tested. axe-core finds no WCAG 2.1 AA violation on any of
the four admin pages; at 1280 px the top bar is one line on each; screenshots go to
test-artifacts/screenshots/ (admin-*.png, laptop-*.png)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import Page, ViewportSize, expect

from tests.browser.axe import violations
from tests.browser.harness import SCREENSHOTS, Harness, Tabs, World

pytestmark = pytest.mark.browser

PERSONA = "Lena, the Aurora's concierge: warm, brief, and fond of Berlin's parks."

# A common laptop window: the admin's top bar (every link of the role) still fits in one line.
LAPTOP: ViewportSize = {"width": 1280, "height": 800}

# The top bar's height, and whether its pieces share one line (some vertical band crosses all).
TOP_BAR_LINE = """() => {
    const bar = document.querySelector(".topbar");
    const boxes = [...bar.querySelectorAll(".brand, .topnav a, .topbar-right > *")]
        .filter(el => el.getClientRects().length > 0)
        .map(el => el.getBoundingClientRect());
    const lowestTop = Math.max(...boxes.map(box => box.top));
    const highestBottom = Math.min(...boxes.map(box => box.bottom));
    return { height: bar.getBoundingClientRect().height, oneLine: lowestTop < highestBottom };
}"""


# The harness starts inside the first browser test's time, and axe runs eight times here.
@pytest.mark.timeout(300)
async def test_an_admin_configures_the_hotel(harness: Harness, world: World, tabs: Tabs) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # Clara runs a second hotel of the group: the top bar holds the hotel switch too.
    await world.add_hotel("Hotel Aurora Potsdam Lakeside Resort & Spa", world.admin)  # listed second
    clara = await tabs.sign_in(harness.web_urls[0], world.admin)
    page: Page = clara.page
    found: dict[str, list[str]] = {}

    async def check(name: str) -> None:
        found[name] = await violations(page)

    await page.set_viewport_size(LAPTOP)
    await expect(page).to_have_url(re.compile(r"/inbox"))
    await clara.wait_live()
    await page.screenshot(path=SCREENSHOTS / "laptop-inbox.png")
    inbox_bar = await page.evaluate(TOP_BAR_LINE)
    assert inbox_bar["oneLine"], f"the inbox's top bar wraps at 1280 px: {inbox_bar}"
    bars: dict[str, Any] = {}

    async def check_bar(name: str) -> None:
        await clara.wait_live()  # "connecting…" and "live" differ in width
        bars[name] = await page.evaluate(TOP_BAR_LINE)

    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    await expect(page).to_have_url(re.compile(r"/admin$"))
    await expect(page.locator("h1")).to_have_text(f"Administration of {world.hotel_name}")
    await check("/admin")
    await check_bar("/admin")
    await page.screenshot(path=SCREENSHOTS / "admin-home.png", full_page=True)

    admin_nav = page.get_by_role("navigation", name="Administration")
    await admin_nav.get_by_role("link", name="Hotel settings").click()
    await expect(page).to_have_url(re.compile(r"/admin/settings$"))
    await check("/admin/settings")
    await check_bar("/admin/settings")

    # A range that ends before it starts is refused beside its field, and nothing is lost.
    await page.get_by_label("Persona").fill(PERSONA)
    await page.get_by_label("Staffed around the clock").uncheck()
    await page.get_by_label("Monday").fill("07:00-12:00, 14:00-23:00")
    await page.get_by_label("Tuesday").fill("23:00-07:00")
    await page.get_by_role("button", name="Save settings").click()
    await expect(page.locator("#hours_tue-error")).to_contain_text("ends before it starts")
    await expect(page.locator("#form-errors")).to_contain_text("Nothing was saved.")
    await expect(page.get_by_label("Persona")).to_have_value(PERSONA)
    await check("/admin/settings, refused")

    await page.get_by_label("Tuesday").fill("07:00-23:00")
    await page.get_by_label("Saturday").fill("08:00-20:00")
    await page.get_by_role("button", name="Save settings").click()
    await expect(page.locator("#outcome")).to_have_text("Settings saved.")
    await page.reload()
    await expect(page.get_by_label("Persona")).to_have_value(PERSONA)
    await expect(page.get_by_label("Monday")).to_have_value("07:00-12:00, 14:00-23:00")
    await expect(page.get_by_label("Tuesday")).to_have_value("07:00-23:00")
    await expect(page.get_by_label("Saturday")).to_have_value("08:00-20:00")
    await expect(page.get_by_label("Sunday")).to_have_value("")
    await expect(page.get_by_label("Staffed around the clock")).not_to_be_checked()
    await page.screenshot(path=SCREENSHOTS / "admin-settings.png", full_page=True)

    await admin_nav.get_by_role("link", name="WhatsApp").click()
    await expect(page.locator("#api-token-state")).to_have_text("Set")
    await check("/admin/whatsapp")
    await check_bar("/admin/whatsapp")
    await page.get_by_role("button", name="Check connection").click()
    await expect(page.locator("#state-now")).to_have_text("authorized")
    await check("/admin/whatsapp, checked")
    await page.screenshot(path=SCREENSHOTS / "admin-whatsapp.png", full_page=True)

    await admin_nav.get_by_role("link", name="AI provider").click()
    await check("/admin/ai")
    await check_bar("/admin/ai")
    await page.get_by_role("button", name="Test the provider").click()
    await expect(page.locator("#outcome")).to_contain_text("It works.")
    await expect(page.locator("#latency")).to_have_text(re.compile(r"^\d+ ms$"))
    await check("/admin/ai, tested")
    await page.screenshot(path=SCREENSHOTS / "admin-ai.png", full_page=True)

    # A page opened by its address may not play sound before a click: the bar offers it too, and
    # is at its fullest (every link, the live state, the sound, the hotel switch, who, sign out).
    await page.goto("/admin/staff")
    await expect(page.locator("#enable-sound")).to_be_visible()
    await check_bar("/admin/staff, sound not yet allowed")
    await page.screenshot(path=SCREENSHOTS / "laptop-admin-staff.png")
    # The saved replies are an admin's under Admin (the bar does not repeat the sub-navigation).
    main_nav = page.get_by_role("navigation", name="Main")
    await expect(main_nav.get_by_role("link", name="Saved replies")).to_have_count(0)
    await admin_nav.get_by_role("link", name="Saved replies").click()
    await expect(page).to_have_url(re.compile(r"/admin/saved-replies$"))
    await expect(main_nav.get_by_role("link", name="Admin")).to_have_attribute("aria-current", "page")
    await check_bar("/admin/saved-replies")

    # At 1280 px the admin pages' top bar is one line, as tall as the inbox's.
    wrapped = {
        name: bar for name, bar in bars.items() if not bar["oneLine"] or bar["height"] != inbox_bar["height"]
    }
    assert not wrapped, f"the top bar wraps at 1280 px (inbox: {inbox_bar}): {wrapped}"
    failing = {name: lines for name, lines in found.items() if lines}
    assert not failing, "WCAG 2.1 AA violations:\n" + "\n".join(
        f"- {name}:\n    " + "\n    ".join(lines) for name, lines in failing.items()
    )
    assert clara.errors == []

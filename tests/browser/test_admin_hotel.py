"""An admin configures the hotel in the browser: from the top bar's Admin link to the settings
(persona and business hours saved and seen back, a refused range explained), the WhatsApp
connection checked and the AI provider tested. axe-core finds no WCAG 2.1 AA violation on any of
the four admin pages; screenshots go to test-artifacts/screenshots/ (admin-*.png)."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.browser.axe import violations
from tests.browser.harness import SCREENSHOTS, Harness, Tabs, World

pytestmark = pytest.mark.browser

PERSONA = "Lena, the Aurora's concierge: warm, brief, and fond of Berlin's parks."


# The harness starts inside the first browser test's time, and axe runs eight times here.
@pytest.mark.timeout(300)
async def test_an_admin_configures_the_hotel(harness: Harness, world: World, tabs: Tabs) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    clara = await tabs.sign_in(harness.web_urls[0], world.admin)
    page: Page = clara.page
    found: dict[str, list[str]] = {}

    async def check(name: str) -> None:
        found[name] = await violations(page)

    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    await expect(page).to_have_url(re.compile(r"/admin$"))
    await expect(page.locator("h1")).to_have_text(f"Administration of {world.hotel_name}")
    await check("/admin")
    await page.screenshot(path=SCREENSHOTS / "admin-home.png", full_page=True)

    admin_nav = page.get_by_role("navigation", name="Administration")
    await admin_nav.get_by_role("link", name="Hotel settings").click()
    await expect(page).to_have_url(re.compile(r"/admin/settings$"))
    await check("/admin/settings")

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
    await page.get_by_role("button", name="Check connection").click()
    await expect(page.locator("#state-now")).to_have_text("authorized")
    await check("/admin/whatsapp, checked")
    await page.screenshot(path=SCREENSHOTS / "admin-whatsapp.png", full_page=True)

    await admin_nav.get_by_role("link", name="AI provider").click()
    await check("/admin/ai")
    await page.get_by_role("button", name="Test the provider").click()
    await expect(page.locator("#outcome")).to_contain_text("It works.")
    await expect(page.locator("#latency")).to_have_text(re.compile(r"^\d+ ms$"))
    await check("/admin/ai, tested")
    await page.screenshot(path=SCREENSHOTS / "admin-ai.png", full_page=True)

    failing = {name: lines for name, lines in found.items() if lines}
    assert not failing, "WCAG 2.1 AA violations:\n" + "\n".join(
        f"- {name}:\n    " + "\n    ".join(lines) for name, lines in failing.items()
    )
    assert clara.errors == []

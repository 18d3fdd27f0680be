"""An admin invites a staff member, who opens the link in a browser of their own, sets a password and
lands in the inbox signed in; a password reset link does the same for a colleague; every one of the
new pages (staff with a link shown, the invite and reset forms, a spent link, the audit log) passes
the WCAG 2.1 AA check. Screenshots go to test-artifacts/screenshots."""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlparse

import pytest
from playwright.async_api import Page, expect

from tests.browser.axe import violations
from tests.browser.harness import SCREENSHOTS, VIEWPORT, Harness, Tabs, World

pytestmark = pytest.mark.browser

PASSWORD = "a good long passphrase"


async def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


async def test_invite_a_staff_member_who_signs_in_through_the_link(
    harness: Harness, world: World, tabs: Tabs
) -> None:
    found: dict[str, list[str]] = {}
    clara = await tabs.sign_in(harness.web_urls[0], world.admin)
    page = clara.page
    await page.goto("/admin/staff")
    email = f"maria-{secrets.token_hex(3)}@aurora.example"
    await page.locator("#invite-email").fill(email)
    await page.locator("#invite-name").fill("Maria Rossi")
    await page.locator("#invite-role").select_option("manager")
    await page.get_by_role("button", name="Create invite link").click()
    await expect(page.locator("#link-title")).to_have_text(f"Invite link for {email}")
    await expect(page.locator(".table").nth(1)).to_contain_text(email)  # pending, with "Revoke"
    found["staff, an invite link shown"] = await violations(page)
    await shot(page, "staff-invite-link")
    link = await page.locator("#new-link").input_value()
    path = urlparse(link).path
    assert re.fullmatch(r"/invite/[A-Za-z0-9_-]{40,}", path)

    # Maria, in a browser of her own, on the other web process.
    context = await tabs.browser.new_context(base_url=harness.web_urls[1], viewport=VIEWPORT)
    try:
        maria = await context.new_page()
        await maria.goto(path)
        await expect(maria.locator("h1")).to_have_text(f"Join {world.hotel_name}")
        await expect(maria.locator("#name")).to_have_value("Maria Rossi")
        found["invite form"] = await violations(maria)
        await shot(maria, "invite-form")
        await maria.locator("#password").fill(PASSWORD)
        await maria.locator("#confirm").fill(PASSWORD + "!")
        await maria.get_by_role("button", name="Create my account").click()
        await expect(maria.locator(".alert")).to_have_text("The two passwords differ.")
        found["invite form, refused"] = await violations(maria)
        await maria.locator("#password").fill(PASSWORD)
        await maria.locator("#confirm").fill(PASSWORD)
        await maria.get_by_role("button", name="Create my account").click()
        await expect(maria).to_have_url(re.compile(r"/inbox$"))
        await expect(maria.locator(".who")).to_have_text("Maria Rossi · manager")
        await expect(maria.locator("#live-status")).to_have_attribute("data-state", "live")
        await shot(maria, "invite-accepted-inbox")

        # The link is spent: opened again, it says so.
        answer = await maria.goto(path)
        assert answer is not None
        assert answer.status == 410
        await expect(maria.locator("main")).to_contain_text("This link has already been used")
        found["spent link"] = await violations(maria)
    finally:
        await context.close()

    # A reset link for Anna, opened in a browser of her own.
    await page.goto("/admin/staff")
    await page.get_by_role("button", name=f"Password reset link for {world.agents[0].name}").click()
    await expect(page.locator("#link-title")).to_have_text("Password reset link")
    reset_path = urlparse(await page.locator("#new-link").input_value()).path
    context = await tabs.browser.new_context(base_url=harness.web_urls[0], viewport=VIEWPORT)
    try:
        anna = await context.new_page()
        await anna.goto(reset_path)
        await expect(anna.locator("h1")).to_have_text("Set a new password")
        found["reset form"] = await violations(anna)
        await shot(anna, "reset-form")
        await anna.locator("#password").fill(PASSWORD)
        await anna.locator("#confirm").fill(PASSWORD)
        await anna.get_by_role("button", name="Set password and sign in").click()
        await expect(anna).to_have_url(re.compile(r"/inbox$"))
        await expect(anna.locator(".who")).to_have_text(f"{world.agents[0].name} · agent")
    finally:
        await context.close()

    await page.goto("/admin/audit")
    table = page.locator("#audit-table")
    for label in ("Invite created", "Invite accepted", "Password reset link made", "Password reset by link"):
        await expect(table).to_contain_text(label)
    found["audit log"] = await violations(page)
    await shot(page, "audit-log")
    await page.locator("#audit-action").select_option("staff.invite_accepted")
    await page.get_by_role("button", name="Filter").click()
    await expect(page.locator(".audit-row")).to_have_count(1)
    await expect(page.locator(".audit-row")).to_contain_text(email)

    failing = {name: v for name, v in found.items() if v}
    assert not failing, "WCAG 2.1 AA violations:\n" + "\n".join(f"{name}: {v}" for name, v in failing.items())
    assert clara.errors == []

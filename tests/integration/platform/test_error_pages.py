"""A browser that lands on something missing or forbidden gets a page it can read and leave;
htmx and API calls get the same answer as JSON."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from domain.settings import Settings
from domain.staff.models import Role
from tests.support.factories import make_hotel
from tests.support.web import make_staff, sign_in
from web.app import create_app

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
MISSING = "/conversations/0190f0c4-0000-7000-8000-00000000abcd"


@pytest.mark.parametrize(
    ("path", "status", "says"),
    [
        (MISSING, 404, "Not found"),
        ("/conversations/not-a-uuid", 404, "Not found"),
        ("/no/such/page", 404, "Not found"),
        ("/admin/staff", 403, "this needs the admin role"),
    ],
)
async def test_a_browser_gets_a_page_htmx_gets_json(
    settings: Settings, sessions: Any, path: str, status: int, says: str
) -> None:
    hotel = await make_hotel(sessions)
    await make_staff(sessions, hotel.id, "anna@aurora.example", Role.AGENT)
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "anna@aurora.example")
        page = await client.get(path, headers=BROWSER)
        fragment = await client.get(path, headers={"HX-Request": "true"})
    assert page.status_code == status
    assert page.headers["content-type"].startswith("text/html")
    assert says in page.text
    assert '<h1 id="error-title">' in page.text
    assert 'href="/inbox"' in page.text, "a way back"
    assert fragment.status_code == status
    assert fragment.headers["content-type"].startswith("application/json")
    assert "detail" in fragment.json()


@pytest.mark.parametrize(("path", "status"), [(MISSING, 404), ("/admin/staff", 403)])
async def test_a_signed_in_staff_member_keeps_the_top_bar_on_an_error_page(
    settings: Settings, sessions: Any, path: str, status: int
) -> None:
    hotel = await make_hotel(sessions)
    await make_staff(sessions, hotel.id, "anna@aurora.example", Role.AGENT, name="Anna Berg")
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "anna@aurora.example")
        page = await client.get(path, headers=BROWSER)
    assert page.status_code == status
    assert '<header class="topbar">' in page.text
    assert "Anna Berg" in page.text

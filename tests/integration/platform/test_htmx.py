"""One URL, the page or its fragment (contact.app's rule): the answer names the header it depends on,
so a cache between the browser and us never hands a fragment to a navigation, or the reverse."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from domain.settings import Settings
from domain.staff.models import Role
from tests.support.factories import make_hotel
from tests.support.web import make_staff, sign_in
from web.app import create_app


@pytest.mark.parametrize(
    ("path", "fragment_root"), [("/inbox", 'id="inbox-list"'), ("/requests", 'id="requests-board"')]
)
async def test_a_page_that_serves_its_fragment_varies_on_hx_request(
    settings: Settings, sessions: Any, path: str, fragment_root: str
) -> None:
    hotel = await make_hotel(sessions)
    await make_staff(sessions, hotel.id, "anna@aurora.example", Role.AGENT)
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "anna@aurora.example")
        page = await client.get(path)
        fragment = await client.get(path, headers={"HX-Request": "true"})
        boosted = await client.get(path, headers={"HX-Request": "true", "HX-Boosted": "true"})
    for answer in (page, fragment, boosted):
        assert answer.status_code == 200
        assert "hx-request" in answer.headers.get("vary", "").lower()
    assert "<html" in page.text
    assert "<html" in boosted.text, "a boosted link navigates: the whole page"
    assert "<html" not in fragment.text
    assert fragment_root in fragment.text

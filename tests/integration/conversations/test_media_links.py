"""A guest's media arrives with a download URL from the network: only web addresses become links
or images on the staff screen; anything else (``javascript:``, ``data:``) is shown as text."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from domain.conversations.models import Conversation
from domain.settings import Settings
from domain.staff.models import Role
from tests.support.factories import incoming, make_hotel
from tests.support.web import make_staff, sign_in
from web.app import create_app

HOSTILE_URLS = [
    ("imageMessage", "javascript:alert(document.cookie)"),
    ("imageMessage", "data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+"),
    ("documentMessage", "data:text/html,<script>alert(1)</script>"),
    ("videoMessage", " JavaScript:alert(1)"),
    ("audioMessage", "java\tscript:alert(1)"),
    ("documentMessage", "vbscript:msgbox(1)"),
]
SAFE_IMAGE = "https://do-media.green-api.example/4930123456/photo.jpg"


@pytest.fixture
async def client(settings: Settings, sessions: Any) -> AsyncIterator[AsyncTestClient[Any]]:
    async with AsyncTestClient(app=create_app(settings)) as test_client:
        yield test_client


def media(kind: str, url: str) -> dict[str, Any]:
    return {
        "typeMessage": kind,
        "fileMessageData": {"downloadUrl": url, "caption": "", "fileName": "file", "mimeType": "image/jpeg"},
    }


async def conversation_page(
    client: AsyncTestClient[Any], sessions: Any, messages: list[dict[str, Any]]
) -> str:
    hotel = await make_hotel(sessions, webhook_token="hook-a")
    await make_staff(sessions, hotel.id, "anna@aurora.example", Role.AGENT, "Anna")
    for data in messages:
        body = incoming(hotel.green_api_instance_id, message_data=data)
        response = await client.post(
            "/webhooks/green-api", json=body, headers={"Authorization": "Bearer hook-a"}
        )
        assert response.status_code == 200
    async with sessions() as db:
        conversation = (await db.execute(select(Conversation))).scalar_one()
    await sign_in(client, "anna@aurora.example")
    page = await client.get(f"/conversations/{conversation.id}")
    assert page.status_code == 200
    return page.text


def links_and_images(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="([^"]*)"', html)


async def test_media_urls_that_are_not_web_addresses_are_shown_as_text(client, sessions) -> None:
    html = await conversation_page(client, sessions, [media(kind, url) for kind, url in HOSTILE_URLS])
    targets = links_and_images(html)
    for _, url in HOSTILE_URLS:
        assert url.strip() not in " ".join(targets)
    assert not [t for t in targets if re.match(r"\s*(java|vb)\s*script:|\s*data:", t, re.IGNORECASE)]
    assert html.count("Attachment (not a web link)") == len(HOSTILE_URLS)
    assert "javascript:alert(document.cookie)" in html  # there, as text, for staff to see
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


async def test_web_addresses_stay_links_and_pictures(client, sessions) -> None:
    html = await conversation_page(
        client,
        sessions,
        [media("imageMessage", SAFE_IMAGE), media("documentMessage", "http://files.example/menu.pdf")],
    )
    targets = links_and_images(html)
    assert targets.count(SAFE_IMAGE) == 2  # the link and the picture
    assert "http://files.example/menu.pdf" in targets
    assert "Attachment (not a web link)" not in html

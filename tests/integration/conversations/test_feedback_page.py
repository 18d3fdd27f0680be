"""/feedback: the managers' list of low ratings, for their own hotel only, and not for agents."""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from domain.conversations.models import Conversation, CsatSurvey
from domain.hotels.models import Hotel
from domain.settings import Settings
from domain.staff.models import Role
from tests.support.factories import incoming
from tests.support.web import sign_in
from tests.support.world import World, build_world
from web.app import create_app

HOSTILE = "<script>alert(1)</script> the shower was broken"


@pytest.fixture
async def client(settings: Settings, sessions: Any) -> AsyncIterator[AsyncTestClient[Any]]:
    async with AsyncTestClient(app=create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
async def world(sessions: Any) -> World:
    return await build_world(sessions, alex=Role.MANAGER, bella=True)


async def rated(
    client: AsyncTestClient[Any],
    sessions: Any,
    hotel: Hotel,
    token: str,
    name: str,
    rating: int,
    comment: str,
) -> Conversation:
    """A guest of ``hotel`` who rated ``rating`` and said ``comment``."""
    body = incoming(hotel.green_api_instance_id, text="Hello", sender_name=name)
    response = await client.post(
        "/webhooks/green-api", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    now = datetime.datetime.now(datetime.UTC)
    async with sessions() as db, db.begin():
        conversation = (
            await db.execute(select(Conversation).where(Conversation.hotel_id == hotel.id))
        ).scalar_one()
        db.add(
            CsatSurvey(
                hotel_id=hotel.id,
                conversation_id=conversation.id,
                asked_at=now,
                language="en",
                attributed_to="ai",
                rating=rating,
                answered_at=now,
                comment=comment,
                comment_at=now,
            )
        )
    return conversation


async def test_managers_see_their_hotels_low_ratings_escaped_and_linked(client, world, sessions) -> None:
    aurora = await rated(client, sessions, world.aurora, "hook-a", "Lucia", 1, HOSTILE)
    await rated(client, sessions, world.borealis, "hook-b", "Bjorn", 2, "Borealis private complaint")
    await sign_in(client, "alex@aurora.example")
    page = await client.get("/feedback")
    assert page.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt; the shower was broken" in page.text
    assert "<script>alert(1)" not in page.text
    assert f'href="/conversations/{aurora.id}"' in page.text
    assert "Lucia" in page.text
    assert "the AI" in page.text
    assert "Borealis private complaint" not in page.text
    assert "Bjorn" not in page.text
    for secret in ("hook-a", "hook-b", "api-token"):  # the hotels' stored tokens
        assert secret not in page.text
    inbox = await client.get("/inbox")
    assert 'href="/feedback"' in inbox.text, "managers find it in the top bar"


async def test_an_admin_of_the_other_hotel_sees_only_theirs(client, world, sessions) -> None:
    await rated(client, sessions, world.aurora, "hook-a", "Lucia", 1, "Aurora private complaint")
    await rated(client, sessions, world.borealis, "hook-b", "Bjorn", 2, "Borealis complaint")
    await sign_in(client, "bella@borealis.example")
    page = await client.get("/feedback")
    assert page.status_code == 200
    assert "Borealis complaint" in page.text
    assert "Aurora private complaint" not in page.text


async def test_high_ratings_are_not_on_the_list(client, world, sessions) -> None:
    await rated(client, sessions, world.aurora, "hook-a", "Lucia", 5, "lovely")
    await sign_in(client, "alex@aurora.example")
    page = await client.get("/feedback")
    assert "lovely" not in page.text
    assert "No low ratings" in page.text


async def test_agents_may_not_open_it(client, world, sessions) -> None:
    await rated(client, sessions, world.aurora, "hook-a", "Lucia", 1, "Aurora private complaint")
    await sign_in(client, "anna@aurora.example")
    page = await client.get("/feedback")
    assert page.status_code == 403
    assert "Aurora private complaint" not in page.text
    inbox = await client.get("/inbox")
    assert 'href="/feedback"' not in inbox.text


async def test_signed_out_it_asks_to_sign_in(client, world) -> None:
    response = await client.get("/feedback", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")

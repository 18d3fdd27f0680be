"""Rotating SECRET_KEY with SECRET_KEY_FALLBACKS signs nobody out, breaks no open form, loses no secret."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import select, text

from domain.conversations.models import Conversation, State
from domain.hotels.models import Hotel
from domain.hotels.secrets import reencrypt_hotel_secrets
from domain.settings import Settings
from domain.staff.models import Role
from tests.support.factories import incoming, make_hotel
from tests.support.uow import unit_of_work
from tests.support.web import make_staff, sign_in
from web.app import create_app


async def test_rotation_keeps_sessions_forms_and_secrets(
    settings: Settings, sessions: Any, keys: Any
) -> None:
    keys("old-key-0000000000")
    hotel = await make_hotel(sessions, webhook_token="hook-a", api_token="green-api-token")
    await make_staff(sessions, hotel.id, "anna@aurora.example", Role.AGENT, "Anna")
    old = settings.model_copy(update={"secret_key": "old-key-0000000000"})
    async with AsyncTestClient(app=create_app(old)) as client:
        body = incoming(hotel.green_api_instance_id, text="Hi")
        assert (
            await client.post("/webhooks/green-api", json=body, headers={"Authorization": "Bearer hook-a"})
        ).status_code == 200
        csrf = await sign_in(client, "anna@aurora.example")
        cookies = dict(client.cookies.items())

    keys("new-key-1111111111", "old-key-0000000000")
    new = settings.model_copy(
        update={"secret_key": "new-key-1111111111", "secret_key_fallbacks": ("old-key-0000000000",)}
    )
    async with AsyncTestClient(app=create_app(new)) as client:
        for name, value in cookies.items():
            client.cookies.set(name, value, domain="testserver.local")
        assert (await client.get("/inbox")).status_code == 200, "still signed in after the rotation"
        async with sessions() as db:
            conversation = (await db.execute(select(Conversation))).scalar_one()
        # The form opened before the rotation still submits.
        response = await client.post(
            f"/conversations/{conversation.id}/take-over",
            headers={"X-CSRF-Token": csrf, "HX-Request": "true"},
        )
        assert response.status_code == 204
        body = incoming(hotel.green_api_instance_id, text="Still there?")
        assert (
            await client.post("/webhooks/green-api", json=body, headers={"Authorization": "Bearer hook-a"})
        ).status_code == 200
    async with sessions() as db:
        assert (await db.execute(select(Conversation))).scalar_one().state is State.HUMAN
        before = (await db.execute(text("SELECT green_api_token FROM hotels"))).scalar_one()
    async with unit_of_work(sessions) as uow:
        assert await reencrypt_hotel_secrets(uow) == 1
    async with sessions() as db:
        after = (await db.execute(text("SELECT green_api_token FROM hotels"))).scalar_one()
    assert after != before, "re-encrypted with the new key"
    keys("new-key-1111111111")  # the fallback can go now
    async with sessions() as db:
        stored = (await db.execute(select(Hotel))).scalar_one()
        assert stored.green_api_token == "green-api-token"
        assert stored.webhook_token == "hook-a"

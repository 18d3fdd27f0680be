"""Staff tools on a conversation: the AI draft and service request status."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from domain.conversations.models import Conversation, State
from domain.service_requests.models import ServiceRequest
from domain.settings import Settings
from domain.staff.models import Role
from sim.llm import create_app as llm_app
from tests.support.factories import incoming
from tests.support.servers import serve_app
from tests.support.web import make_staff, sign_in
from web.app import create_app


@pytest.fixture
def llm_url() -> Iterator[str]:
    with serve_app(llm_app()) as url:
        yield url


@pytest.fixture
async def client(settings: Settings, sessions: Any, llm_url: str) -> AsyncIterator[AsyncTestClient[Any]]:
    app = create_app(settings.model_copy(update={"deepseek_api_url": llm_url + "/v1"}))
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


async def conversation_with(client: Any, sessions: Any, hotel: Any, text: str) -> Conversation:
    body = incoming(hotel.green_api_instance_id, text=text)
    assert (
        await client.post("/webhooks/green-api", json=body, headers={"Authorization": "Bearer hook-a"})
    ).status_code == 200
    async with sessions() as db:
        return (await db.execute(select(Conversation))).scalar_one()


async def test_ai_draft_fills_the_composer_without_sending(client, world, sessions) -> None:
    conversation = await conversation_with(client, sessions, world.aurora, "Wann gibt es Frühstück?")
    csrf = await sign_in(client, "anna@aurora.example")
    response = await client.post(
        f"/conversations/{conversation.id}/suggest", headers={"X-CSRF-Token": csrf, "HX-Request": "true"}
    )
    assert response.status_code == 200
    assert 'id="reply"' in response.text
    assert "7:00" in response.text
    assert "[kb:" not in response.text
    async with sessions() as db:
        after = (await db.execute(select(Conversation))).scalar_one()
    assert after.state is State.AI, "a draft takes nothing over and sends nothing"


async def test_ai_draft_when_the_llm_is_down_says_so(client, world, sessions, llm_url) -> None:
    conversation = await conversation_with(client, sessions, world.aurora, "When is breakfast?")
    csrf = await sign_in(client, "anna@aurora.example")
    async with httpx.AsyncClient() as http:
        await http.post(f"{llm_url}/sim/faults", json={"mode": "503", "count": -1})
    response = await client.post(
        f"/conversations/{conversation.id}/suggest", headers={"X-CSRF-Token": csrf, "HX-Request": "true"}
    )
    assert response.status_code == 503
    assert "could not draft" in response.json()["detail"]


async def test_ai_draft_of_another_hotels_conversation_is_404(client, world, sessions) -> None:
    conversation = await conversation_with(client, sessions, world.aurora, "When is breakfast?")
    csrf = await sign_in(client, "bob@borealis.example")
    response = await client.post(
        f"/conversations/{conversation.id}/suggest", headers={"X-CSRF-Token": csrf, "HX-Request": "true"}
    )
    assert response.status_code == 404
    assert "7:00" not in response.text


async def _request(sessions: Any, conversation: Conversation) -> ServiceRequest:
    async with sessions() as db, db.begin():
        request = ServiceRequest(
            hotel_id=conversation.hotel_id,
            conversation_id=conversation.id,
            guest_id=conversation.guest_id,
            category="housekeeping",
            details="Two towels",
            room="312",
            status="open",
            created_by="ai",
        )
        db.add(request)
    return request


async def test_staff_move_a_service_request_along(client, world, sessions) -> None:
    conversation = await conversation_with(client, sessions, world.aurora, "Towels please")
    request = await _request(sessions, conversation)
    csrf = await sign_in(client, "anna@aurora.example")
    page = await client.get(f"/conversations/{conversation.id}")
    assert "Two towels" in page.text
    url = f"/conversations/{conversation.id}/requests/{request.id}/status"
    headers = {"X-CSRF-Token": csrf, "HX-Request": "true"}
    assert (await client.post(url, data={"status": "done"}, headers=headers)).status_code == 204
    bad = await client.post(url, data={"status": "exploded"}, headers=headers)
    assert bad.status_code == 400
    async with sessions() as db:
        assert (await db.get(ServiceRequest, request.id)).status == "done"


async def test_service_request_of_another_hotel_cannot_be_changed(client, world, sessions) -> None:
    conversation = await conversation_with(client, sessions, world.aurora, "Towels please")
    request = await _request(sessions, conversation)
    csrf = await sign_in(client, "bob@borealis.example")
    response = await client.post(
        f"/conversations/{conversation.id}/requests/{request.id}/status",
        data={"status": "cancelled"},
        headers={"X-CSRF-Token": csrf, "HX-Request": "true"},
    )
    assert response.status_code == 404
    async with sessions() as db:
        assert (await db.get(ServiceRequest, request.id)).status == "open"


async def test_managers_keep_saved_replies_and_staff_see_them_in_the_composer(
    client, world, sessions
) -> None:
    await make_staff(sessions, world.aurora.id, "maria@aurora.example", Role.MANAGER, "Maria")
    conversation = await conversation_with(client, sessions, world.aurora, "Hi")
    csrf = await sign_in(client, "maria@aurora.example")
    form = {"_csrf": csrf, "shortcut": "wifi", "language": "de", "text": "Das WLAN heißt Aurora-Guest."}
    assert (await client.post("/admin/saved-replies", data=form, follow_redirects=False)).status_code == 303
    bad = await client.post("/admin/saved-replies", data={**form, "shortcut": "no spaces!"})
    assert bad.status_code == 400
    assert "short code" in bad.json()["detail"]
    page = await client.get(f"/conversations/{conversation.id}")
    assert 'data-shortcut-code="wifi"' in page.text
    assert "Das WLAN heißt Aurora-Guest." in page.text


async def test_agents_cannot_edit_saved_replies_and_other_hotels_cannot_delete_them(
    client, world, sessions
) -> None:
    from domain.saved_replies.service import save_reply
    from tests.support.uow import unit_of_work

    async with unit_of_work(sessions) as uow:
        reply = await save_reply(uow, world.aurora.id, "late", "en", "Late check-out is free until 14:00.")
    csrf = await sign_in(client, "anna@aurora.example")
    response = await client.post(
        "/admin/saved-replies", data={"_csrf": csrf, "shortcut": "x", "language": "en", "text": "y"}
    )
    assert response.status_code == 403
    await make_staff(sessions, world.borealis.id, "boris@borealis.example", Role.MANAGER, "Boris")
    client.cookies.clear()
    csrf = await sign_in(client, "boris@borealis.example")
    response = await client.post(f"/admin/saved-replies/{reply.id}/delete", data={"_csrf": csrf})
    assert response.status_code == 404
    page = await client.get("/admin/saved-replies")
    assert "Late check-out" not in page.text

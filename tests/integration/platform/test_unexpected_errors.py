"""An unexpected failure is never silent: logged once with its traceback, the route template, the
request id and the hotel and conversation ids; the answer is a 500 that names the request id."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
from litestar import get
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from structlog.contextvars import merge_contextvars
from structlog.testing import capture_logs

from domain.settings import Settings
from domain.staff.models import Role
from tests.support.factories import incoming, make_hotel
from tests.support.processes import json_records, serve_process
from tests.support.web import make_staff, sign_in
from web.app import create_app
from web.auth import Actor

ROOT = Path(__file__).resolve().parents[3]


class KitchenOnFire(RuntimeError):
    pass


@get("/conversations/{conversation_id:uuid}/fails")
async def failing_route(actor: Actor, conversation_id: UUID) -> str:
    raise KitchenOnFire(f"cannot render {conversation_id}")


async def test_an_unhandled_exception_is_logged_once_with_route_request_hotel_and_conversation(
    settings: Settings, sessions: Any
) -> None:
    hotel = await make_hotel(sessions)
    await make_staff(sessions, hotel.id, "anna@aurora.example", Role.AGENT)
    app = create_app(settings)
    app.register(failing_route)
    conversation = "0190f0c4-0000-7000-8000-000000000001"
    async with AsyncTestClient(app=app) as client:
        await sign_in(client, "anna@aurora.example")
        with capture_logs(processors=[merge_contextvars]) as logged:
            answer = await client.get(
                f"/conversations/{conversation}/fails", headers={"X-Request-ID": "req-kitchen-1"}
            )
            page = await client.get(
                f"/conversations/{conversation}/fails",
                headers={"Accept": "text/html", "X-Request-ID": "req-2"},
            )
    assert answer.status_code == 500
    assert answer.json()["request_id"] == "req-kitchen-1"
    assert page.status_code == 500
    assert "<html" in page.text, "a browser gets a page"
    assert "req-2" in page.text, "with the reference to quote"
    errors = [entry for entry in logged if entry["log_level"] in ("error", "critical", "exception")]
    first = [entry for entry in errors if entry.get("request_id") == "req-kitchen-1"]
    assert len(first) == 1, errors
    entry = first[0]
    assert entry["event"] == "unhandled error"
    assert entry["route"] == "/conversations/{conversation_id}/fails"
    assert entry["conversation_id"] == conversation
    assert entry["hotel_id"] == str(hotel.id)
    assert isinstance(entry["exc_info"], KitchenOnFire)


async def test_a_real_failure_reaches_the_log_with_its_traceback(
    settings: Settings, sessions: Any, tmp_path: Path
) -> None:
    """A database that lost a table (a botched migration): the real serve process logs it as JSON."""
    hotel = await make_hotel(sessions, webhook_token="hook-t")
    log_file = tmp_path / "web.log"
    body = {**incoming(hotel.green_api_instance_id), "typeWebhook": "stateInstanceChanged"}
    body["stateInstance"] = "authorized"
    async with serve_process(settings, log_file) as base, httpx.AsyncClient(base_url=base) as http:
        async with sessions() as db, db.begin():
            await db.execute(text("ALTER TABLE instance_events RENAME TO instance_events_lost"))
        try:
            answer = await http.post(
                "/webhooks/green-api",
                json=body,
                headers={"Authorization": "Bearer hook-t", "X-Request-ID": "req-lost-table"},
            )
        finally:
            async with sessions() as db, db.begin():
                await db.execute(text("ALTER TABLE instance_events_lost RENAME TO instance_events"))
    assert answer.status_code in (500, 503), "a server-side failure, never a 200 that hides it"
    failures = [r for r in json_records(log_file) if r.get("request_id") == "req-lost-table"]
    failures = [r for r in failures if r["level"] == "error"]
    assert len(failures) == 1, log_file.read_text()[-3000:]
    assert failures[0]["route"] == "/webhooks/green-api"
    assert failures[0]["hotel_id"] == str(hotel.id)
    assert "UndefinedTable" in failures[0]["exception"], "the traceback is in the log line"

"""When handling a webhook fails: an outage of the database is a 503 Green API retries; anything
else is a bug, answered 500 and logged with its traceback. Real app, real PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy import func, select

from domain.conversations.models import Message
from domain.settings import Settings
from tests.support.factories import incoming, make_hotel
from tests.support.processes import json_records, serve_process
from tests.support.servers import serve_app
from web.app import create_app

ROOT = Path(__file__).resolve().parents[3]
HOOK = "/webhooks/green-api"
AUTH = {"Authorization": "Bearer hook-secret"}


async def count_messages(sessions: Any) -> int:
    async with sessions() as session:
        return int((await session.execute(select(func.count()).select_from(Message))).scalar_one())


async def blocked_ingest(admin: asyncpg.Connection) -> int:
    """The backend of the webhook now waiting on a row lock, once it waits."""
    for _ in range(500):
        pid = await admin.fetchval(
            "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            " AND query LIKE '%ingest_guest_message%' AND datname = current_database()"
        )
        if pid:
            return int(pid)
        await asyncio.sleep(0.01)
    raise AssertionError("the webhook never waited on the lock")


async def test_a_statement_the_database_cancels_is_503_and_the_retry_is_stored(
    settings: Settings, sessions: Any
) -> None:
    """An operator's cancel (or a statement timeout) is the database saying "not now"."""
    hotel = await make_hotel(sessions, webhook_token="hook-secret")
    iid = hotel.green_api_instance_id
    admin = await asyncpg.connect(settings.asyncpg_dsn)
    try:
        with serve_app(create_app(settings)) as url:
            async with httpx.AsyncClient(base_url=url, timeout=30) as http:
                first = await http.post(HOOK, json=incoming(iid, text="first"), headers=AUTH)
                assert first.status_code == 200
                second = incoming(iid, text="second")
                locker = admin.transaction()
                await locker.start()
                await admin.execute("SELECT id FROM conversations FOR UPDATE")
                answer = asyncio.create_task(http.post(HOOK, json=second, headers=AUTH))
                await admin.fetchval("SELECT pg_cancel_backend($1)", await blocked_ingest(admin))
                response = await answer
                await locker.rollback()
                assert response.status_code == 503
                assert "database unavailable" in response.json()["detail"]
                assert response.headers["retry-after"] == "5"
                # Green API resends what was not answered 200.
                assert (await http.post(HOOK, json=second, headers=AUTH)).status_code == 200
    finally:
        await admin.close()
    assert await count_messages(sessions) == 2


async def test_a_bug_is_answered_500_and_logged_with_its_traceback(
    settings: Settings, sessions: Any, tmp_path: Path
) -> None:
    """The database refuses the row for a reason the code does not know: here, a CHECK constraint
    the test adds. That is no outage: the log must say what broke, and where."""
    hotel = await make_hotel(sessions, webhook_token="hook-secret")
    refused = "a text this database refuses"
    admin = await asyncpg.connect(settings.asyncpg_dsn)
    await admin.execute(
        "ALTER TABLE messages ADD CONSTRAINT test_refuses"
        f" CHECK (text IS DISTINCT FROM '{refused}') NOT VALID"
    )
    log_file = tmp_path / "web.log"
    try:
        async with serve_process(settings, log_file) as base, httpx.AsyncClient(base_url=base) as http:
            body = incoming(hotel.green_api_instance_id, text=refused)
            response = await http.post(HOOK, json=body, headers=AUTH)
            fine = await http.post(
                HOOK, json=incoming(hotel.green_api_instance_id, text="fine"), headers=AUTH
            )
    finally:
        await admin.execute("ALTER TABLE messages DROP CONSTRAINT test_refuses")
        await admin.close()
    assert response.status_code == 500
    [failed] = [r for r in json_records(log_file) if r.get("event") == "webhook failed"]
    assert failed["level"] == "error"
    assert failed["hotel_id"] == str(hotel.id)
    assert "Traceback" in failed["exception"]
    assert "CheckViolationError" in failed["exception"]
    assert "receive_guest_message" in failed["exception"], "the traceback shows where it broke"
    assert response.json() == {"detail": "internal error"}
    everything = log_file.read_text()
    assert refused not in everything, "the guest's words stay out of the log, traceback included"
    assert "491701234567" not in everything, "and so does their number"
    assert fine.status_code == 200, "one bad message does not stop the others"

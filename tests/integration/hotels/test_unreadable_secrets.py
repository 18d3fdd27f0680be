"""A SECRET_KEY that cannot read the hotels' stored secrets is loud, never a silent 500, and loses
nothing: the webhook answers 503 (Green API delivers again), readiness names the problem, the
start-up log names the hotels, the hotel's admins see it, and once the key is fixed the guest's
message that waited is answered."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
from litestar.testing import AsyncTestClient
from structlog.testing import capture_logs

from domain.conversations.models import Direction
from domain.settings import Settings
from domain.staff.models import Role
from tests.support.factories import incoming, make_hotel
from tests.support.servers import free_port
from tests.support.stack import eventually, running_stack
from tests.support.web import make_staff, sign_in
from web.app import create_app

ROOT = Path(__file__).resolve().parents[3]
WRITTEN_WITH = "the-key-the-hotel-was-written-with"
OTHER_KEY = "another-key-from-a-misconfigured-pod"


async def test_a_wrong_key_is_loud_everywhere_and_the_waiting_guest_is_answered_once_fixed(
    settings: Settings, sessions: Any, keys: Any
) -> None:
    keys(WRITTEN_WITH)
    async with running_stack(settings, sessions) as stack:
        await make_staff(sessions, stack.hotel.id, "alex@aurora.example", Role.ADMIN, "Alex")
        assert (await stack.http.get(f"{stack.web_url}/health/ready")).status_code == 200
        keys(OTHER_KEY)

        body = incoming(stack.hotel.green_api_instance_id, text="Hello?", id_message="DIRECT-1")
        with capture_logs() as logged:
            direct = await stack.http.post(
                f"{stack.web_url}/webhooks/green-api",
                json=body,
                headers={"Authorization": "Bearer hook-secret"},
            )
        assert direct.status_code == 503, direct.text
        assert direct.json()["detail"] == "hotel secrets cannot be decrypted with SECRET_KEY"
        assert [(e["log_level"], e.get("hotel")) for e in logged if "webhook" in e["event"]] == [
            ("error", stack.hotel.slug)
        ], "logged once, as an error naming the hotel"

        ready = await stack.http.get(f"{stack.web_url}/health/ready")
        assert ready.status_code == 503
        assert any(
            failure.startswith("hotel secrets cannot be decrypted with SECRET_KEY")
            for failure in ready.json()["failed"]
        ), ready.json()

        # A guest writes meanwhile: Green API keeps delivering, nothing is stored, nothing is lost.
        await stack.guest_writes("What time is breakfast?")
        await asyncio.sleep(1.0)
        assert await stack.messages() == []

        # The hotel's admin sees why on every page (the alerts fragment every page loads).
        async with httpx.AsyncClient(base_url=stack.web_url) as browser:
            await sign_in(browser, "alex@aurora.example")  # type: ignore[arg-type]
            page = await browser.get("/inbox")
            assert 'hx-get="/admin/alerts"' in page.text
            alerts = await browser.get("/admin/alerts")
        assert alerts.status_code == 200
        assert "Webhooks for this hotel are failing." in alerts.text
        assert "cannot be decrypted with SECRET_KEY" in alerts.text

        keys(OTHER_KEY, WRITTEN_WITH)  # the operator adds the old key as a fallback
        replies = await eventually(stack.replies, timeout=20)
        assert any("7:00" in reply for reply in replies), replies
        stored = [m for m in await stack.messages() if m.direction is Direction.IN]
        assert [m.text for m in stored] == ["What time is breakfast?"], "stored exactly once"
        assert (await stack.http.get(f"{stack.web_url}/health/ready")).status_code == 200


async def test_alerts_are_for_the_hotels_own_admins(settings: Settings, sessions: Any, keys: Any) -> None:
    keys(WRITTEN_WITH)
    broken = await make_hotel(sessions, webhook_token="hook-a", slug="broken-hotel")
    other = await make_hotel(sessions, webhook_token="hook-b", slug="other-hotel")
    await make_staff(sessions, broken.id, "agent@broken.example", Role.AGENT)
    await make_staff(sessions, other.id, "admin@other.example", Role.ADMIN)
    await make_staff(sessions, broken.id, "admin@broken.example", Role.ADMIN)
    keys(OTHER_KEY)
    async with AsyncTestClient(app=create_app(settings)) as client:
        body = incoming(broken.green_api_instance_id, text="Hi")
        answer = await client.post(
            "/webhooks/green-api", json=body, headers={"Authorization": "Bearer hook-a"}
        )
        assert answer.status_code == 503

        await sign_in(client, "admin@other.example")
        assert "failing" not in (await client.get("/admin/alerts")).text, "another hotel's admin sees nothing"
        client.cookies.clear()

        await sign_in(client, "agent@broken.example")
        assert (await client.get("/admin/alerts")).status_code == 403, "agents are not shown admin alerts"
        assert 'hx-get="/admin/alerts"' not in (await client.get("/inbox")).text
        client.cookies.clear()

        await sign_in(client, "admin@broken.example")
        assert "Webhooks for this hotel are failing." in (await client.get("/admin/alerts")).text


async def test_serve_and_worker_name_the_hotels_they_cannot_read_at_start_up(
    settings: Settings, sessions: Any, keys: Any
) -> None:
    keys(WRITTEN_WITH)
    hotel = await make_hotel(sessions, slug="unreadable-aurora")
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "REDIS_PREFIX": settings.redis_prefix,
        "SECRET_KEY": OTHER_KEY,
        "WORKER_METRICS_PORT": "0",
    }
    for command in (["worker"], ["serve", "--host", "127.0.0.1", "--port", str(free_port())]):
        process = subprocess.Popen(
            [sys.executable, "-m", "cli", *command], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True
        )
        try:
            line = await asyncio.wait_for(
                asyncio.to_thread(_first_line_with, process, "cannot be decrypted"), 30
            )
            assert "unreadable-aurora" in line, line
            assert hotel.slug == "unreadable-aurora"
        finally:
            process.terminate()
            process.wait(timeout=30)


def _first_line_with(process: subprocess.Popen[str], text: str) -> str:
    assert process.stderr is not None
    for line in process.stderr:
        if text in line:
            return line
    return ""

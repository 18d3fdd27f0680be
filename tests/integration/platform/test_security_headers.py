"""Security headers on every answer (error pages too), HSTS over https, and /metrics behind a bearer
token: web and worker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient

from domain.settings import Settings
from domain.staff.models import Role
from observability.metrics import serve_metrics
from tests.support.factories import make_hotel
from tests.support.servers import free_port
from tests.support.web import make_staff, sign_in
from web.app import SECURITY_HEADERS, create_app

TOKEN = "scrape-token-7f3a"


@pytest.fixture
async def client(settings: Settings, sessions: Any) -> AsyncIterator[AsyncTestClient[Any]]:
    async with AsyncTestClient(app=create_app(settings)) as test_client:
        yield test_client


def assert_secure_headers(response: httpx.Response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (response.status_code, name)


@pytest.mark.parametrize("path", ["/no-such-page", "/static/no-such-file.css", "/conversations/x/nope"])
async def test_not_found_answers_carry_the_security_headers(client, path) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert_secure_headers(response)


async def test_answers_made_by_exception_handlers_carry_them_too(client, sessions) -> None:
    hotel = await make_hotel(sessions)
    await make_staff(sessions, hotel.id, "alex@aurora.example", Role.ADMIN, "Alex")
    await sign_in(client, "alex@aurora.example")
    missing = await client.get("/admin/guests/01a22afb-0ec7-7027-847b-9b52ee47781d/export")
    assert missing.status_code == 404  # GuestNotFound, mapped in web/errors.py
    assert_secure_headers(missing)
    refused = await client.post("/login", data={"email": "x@y.z", "password": "x"})
    assert refused.status_code == 403  # CsrfRejected
    assert_secure_headers(refused)


async def test_ordinary_pages_keep_them(client) -> None:
    response = await client.get("/login")
    assert response.status_code == 200
    assert_secure_headers(response)
    assert "strict-transport-security" not in response.headers  # plain http: no HSTS


async def test_hsts_when_the_installation_is_served_over_https(settings, sessions) -> None:
    secure = settings.model_copy(update={"public_base_url": "https://hotel-bot.example.com"})
    async with AsyncTestClient(app=create_app(secure)) as client:
        for path in ("/health", "/no-such-page"):
            response = await client.get(path)
            assert response.headers["strict-transport-security"] == "max-age=63072000; includeSubDomains"


async def test_metrics_ask_for_the_bearer_token_when_one_is_set(settings, sessions) -> None:
    guarded = settings.model_copy(update={"metrics_token": TOKEN})
    async with AsyncTestClient(app=create_app(guarded)) as client:
        anonymous = await client.get("/metrics")
        assert anonymous.status_code == 401
        assert "http_requests_total" not in anonymous.text
        assert anonymous.headers["www-authenticate"].startswith("Bearer")
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer guessed"})
        assert wrong.status_code == 401
        scrape = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert scrape.status_code == 200
        assert "http_requests_total" in scrape.text


async def test_metrics_stay_open_without_a_token(client) -> None:
    assert (await client.get("/metrics")).status_code == 200


async def test_the_workers_metrics_port_asks_for_the_token_too() -> None:
    port = free_port()
    server = serve_metrics(port, TOKEN)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            anonymous = await http.get("/metrics")
            assert anonymous.status_code == 401
            assert "arq_jobs_total" not in anonymous.text
            scrape = await http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
            assert scrape.status_code == 200
            assert "arq_jobs_total" in scrape.text or "green_api_requests_total" in scrape.text
    finally:
        server.shutdown()
        server.server_close()

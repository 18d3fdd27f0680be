"""Sign-in throttling as attackers meet it, over real servers: guessing stays slow, a forged
X-Forwarded-For buys nothing, and failing on purpose never locks a staff member out of their own
browser."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from domain.settings import Settings
from domain.staff.models import Role
from tests.deploy import API, find, pod_spec
from tests.support.factories import make_hotel
from tests.support.migrate import ROOT
from tests.support.servers import free_port, serve_app
from tests.support.web import PASSWORD, csrf_from, make_staff
from web.app import create_app
from web.login_throttle import Refusal

ANNA = "anna@aurora.example"
WRONG = "not-her-password"


class Browser:
    """One browser (its own cookies) at one network address, behind our ingress."""

    def __init__(self, server: str, address: str | None = None):
        headers = {"X-Forwarded-For": address} if address else {}
        self.http = httpx.AsyncClient(base_url=server, headers=headers, timeout=15)
        self.form_token: str | None = None

    def moves_to(self, address: str) -> None:
        self.http.headers["X-Forwarded-For"] = address

    async def sign_in(self, email: str, password: str, *, forwarded_for: str | None = None) -> httpx.Response:
        if self.form_token is None:
            self.form_token = csrf_from((await self.http.get("/login")).text)
        headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
        response = await self.http.post(
            "/login", data={"email": email, "password": password, "_csrf": self.form_token}, headers=headers
        )
        # A refused sign-in answers with a fresh form; a successful one leaves the page.
        self.form_token = csrf_from(response.text) if response.status_code != 303 else None
        return response

    async def sign_out(self) -> None:
        inbox = await self.http.get("/inbox")
        await self.http.post("/logout", data={"_csrf": csrf_from(inbox.text)})

    async def close(self) -> None:
        await self.http.aclose()


@pytest.fixture
async def hotel(sessions: Any) -> Any:
    aurora = await make_hotel(sessions, name="Hotel Aurora")
    await make_staff(sessions, aurora.id, ANNA, Role.AGENT, "Anna")
    return aurora


@pytest.fixture
def behind_ingress(settings: Settings, sessions: Any) -> Iterator[str]:
    """The web process with this test as its ingress controller (the one trusted proxy)."""
    with serve_app(create_app(settings.model_copy(update={"trusted_proxies": ("127.0.0.1",)}))) as url:
        yield url


@pytest.fixture
async def browsers(behind_ingress: str) -> AsyncIterator[list[Browser]]:
    opened: list[Browser] = []
    yield opened
    for browser in opened:
        await browser.close()


def open_browser(browsers: list[Browser], server: str, address: str) -> Browser:
    browser = Browser(server, address)
    browsers.append(browser)
    return browser


async def test_an_attacker_failing_on_purpose_does_not_lock_the_staff_member_out(
    behind_ingress, hotel, browsers
) -> None:
    attacker = open_browser(browsers, behind_ingress, "203.0.113.66")
    for _ in range(12):
        await attacker.sign_in(ANNA, WRONG)
    # The attacker's client is stopped for Anna's account, even with the right password ...
    stopped = await attacker.sign_in(ANNA, PASSWORD)
    assert stopped.status_code == 429
    assert Refusal.TOO_MANY.value in stopped.text
    # ... while Anna, on a browser never used before, signs in as usual.
    anna = open_browser(browsers, behind_ingress, "198.51.100.20")
    assert (await anna.sign_in(ANNA, PASSWORD)).status_code == 303
    assert (await anna.http.get("/inbox")).status_code == 200


async def test_a_browser_anna_signed_in_on_before_gets_in_during_an_attack_from_many_addresses(
    behind_ingress, hotel, browsers
) -> None:
    anna = open_browser(browsers, behind_ingress, "198.51.100.20")
    assert (await anna.sign_in(ANNA, PASSWORD)).status_code == 303
    await anna.sign_out()

    # A hundred guesses from ten addresses: unknown clients are locked out of the account.
    for index in range(10):
        attacker = open_browser(browsers, behind_ingress, f"203.0.113.{index + 1}")
        for _ in range(10):
            assert (await attacker.sign_in(ANNA, WRONG)).status_code == 401
    stranger = open_browser(browsers, behind_ingress, "192.0.2.200")
    locked = await stranger.sign_in(ANNA, PASSWORD)
    assert locked.status_code == 429
    assert Refusal.UNKNOWN_DEVICES.value in locked.text

    # Anna's own browser is recognised by its device cookie, wherever she is now.
    anna.moves_to("192.0.2.77")
    assert (await anna.sign_in(ANNA, PASSWORD)).status_code == 303
    assert (await anna.http.get("/inbox")).status_code == 200


async def test_a_recognised_browser_that_keeps_failing_is_stopped_on_its_own(
    behind_ingress, hotel, browsers
) -> None:
    anna = open_browser(browsers, behind_ingress, "198.51.100.20")
    assert (await anna.sign_in(ANNA, PASSWORD)).status_code == 303
    await anna.sign_out()
    for _ in range(10):
        assert (await anna.sign_in(ANNA, WRONG)).status_code == 401
    assert (await anna.sign_in(ANNA, PASSWORD)).status_code == 429
    colleague_tablet = open_browser(browsers, behind_ingress, "198.51.100.20")
    assert (await colleague_tablet.sign_in(ANNA, PASSWORD)).status_code == 303


async def test_forged_hops_left_of_the_ingress_hop_do_not_spread_one_client_over_many(
    behind_ingress, hotel, browsers
) -> None:
    """Behind the ingress, the client's own X-Forwarded-For values arrive left of the address the
    ingress appended: they are never read."""
    sprayer = open_browser(browsers, behind_ingress, "203.0.113.9")
    for index in range(50):
        forged = f"10.{index}.0.1, 203.0.113.9"
        response = await sprayer.sign_in(f"guess{index}@aurora.example", WRONG, forwarded_for=forged)
        assert response.status_code == 401
    refused = await sprayer.sign_in(ANNA, PASSWORD, forwarded_for="10.99.0.1, 203.0.113.9")
    assert refused.status_code == 429


# ---------------------------------------------------------------- the pod as Kubernetes runs it


@pytest.fixture
def web_as_deployed(settings: Settings, sessions: Any) -> Iterator[str]:
    """``hotelbot serve`` with the api Deployment's command line and its ConfigMap settings
    (only the address, the URLs of this test's servers and PUBLIC_BASE_URL differ)."""
    [container] = pod_spec(find("Deployment", API))["containers"]
    config = find("ConfigMap", "whatsapp-hotel-bot-config")["data"]
    port = free_port()
    command = list(container["command"])
    assert command[0] == "hotelbot"
    command[command.index("--host") + 1] = "127.0.0.1"
    command[command.index("--port") + 1] = str(port)
    env = {
        **os.environ,
        **{
            entry["name"]: config[entry["valueFrom"]["configMapKeyRef"]["key"]]
            for entry in container["env"]
            if "configMapKeyRef" in entry.get("valueFrom", {})
        },
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "REDIS_PREFIX": settings.redis_prefix,
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", *command[1:]],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, "the web process exited"
            assert time.monotonic() < deadline, "the web process did not start"
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


async def test_rotating_x_forwarded_for_does_not_evade_the_per_client_limit(web_as_deployed, hotel) -> None:
    """A client that reaches the pod directly (not through a trusted proxy) and sends a new
    X-Forwarded-For with every guess is still one client: after 50 failures it is stopped."""
    sprayer = Browser(web_as_deployed)
    try:
        for index in range(50):
            forged = f"198.18.{index}.{index + 1}"
            response = await sprayer.sign_in(f"guess{index}@aurora.example", WRONG, forwarded_for=forged)
            assert response.status_code == 401
        refused = await sprayer.sign_in(ANNA, PASSWORD, forwarded_for="198.18.250.250")
        assert refused.status_code == 429
    finally:
        await sprayer.close()

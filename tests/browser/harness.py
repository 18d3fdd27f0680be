"""The real product for the browser tests: every piece a separate process, as in production.

One Green API simulator, one LLM simulator, one worker and two web processes (two ports) share a
fresh database on the test PostgreSQL server and a Redis of their own (so a test can stop it and
start it again on the same port). Guests write through the simulator; staff use a real Chromium.
Each test gets its own hotel (``World``), so tests do not see each other's conversations.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import asyncpg
import httpx
from playwright.async_api import Browser, BrowserContext, Page, ViewportSize, expect

import embedded
from domain.db import create_engine, session_factory
from domain.settings import Settings, get_settings
from domain.staff.models import Role
from tests.support.factories import make_hotel
from tests.support.web import PASSWORD, make_staff

T = TypeVar("T")

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
LOGS = ARTIFACTS / "browser-logs"
TIMINGS = ARTIFACTS / "browser-timings.json"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT: ViewportSize = {"width": 1366, "height": 820}
PHONE: ViewportSize = {"width": 390, "height": 844}  # a current mid-size phone, upright
TABLET: ViewportSize = {"width": 820, "height": 1180}  # a 10.9" tablet, upright
STARTUP_TIMEOUT = 40.0
# Variables of the machine that must not leak into the processes under test.
FOREIGN_ENV = ("DATABASE_", "REDIS_", "GREEN_API_", "DEEPSEEK_", "PUBLIC_BASE_URL", "SECRET_KEY", "OIDC_")


def chromium_executable() -> str | None:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


# ---------------------------------------------------------------- processes


@dataclass
class Service:
    """One process of the product, started with ``python -m cli ...``; its output goes to a log file."""

    name: str
    argv: list[str]
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None

    @property
    def log_path(self) -> Path:
        return LOGS / f"{self.name}.log"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def start(self) -> None:
        assert not self.running, f"{self.name} is already running"
        LOGS.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            log.write(f"\n----- {time.strftime('%H:%M:%S')} start: {' '.join(self.argv[1:])}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                self.argv,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: a hung process can still be killed whole
            )
            log.write(f"----- pid {self.process.pid}\n".encode())

    def stop(self, timeout: float = 25.0) -> int | None:
        """SIGTERM, wait, then SIGKILL the process group if it is still there; returns the exit code."""
        process = self.process
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        return process.returncode

    def log_tail(self, chars: int = 2500) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def _wait_http_sync(
    url: str, timeout: float, service: Service | None = None, any_answer: bool = False
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service is not None and not service.running:
            raise RuntimeError(f"{service.name} exited while starting:\n{service.log_tail()}")
        with contextlib.suppress(httpx.HTTPError):
            status = httpx.get(url, timeout=1).status_code
            if status == 200 or (any_answer and status < 500):
                return
        time.sleep(0.1)
    tail = service.log_tail() if service else ""
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s\n{tail}")


@dataclass
class Harness:
    database_url: str  # the documented postgresql:// form
    redis: embedded.EmbeddedRedis
    secret_key: str
    env: dict[str, str]
    green_url: str
    llm_url: str
    web_ports: list[int]
    services: dict[str, Service] = field(default_factory=dict)

    @property
    def web_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.web_ports]

    @property
    def worker(self) -> Service:
        return self.services["worker"]

    def web(self, index: int) -> Service:
        return self.services[f"web{index + 1}"]

    def _service(self, name: str, *args: str) -> Service:
        service = Service(name, [sys.executable, "-m", "cli", *args], self.env)
        self.services[name] = service
        return service

    @classmethod
    def start(cls, database_url: str) -> Harness:
        # Durable, as production runs Redis (k8s: appendonly yes): sessions outlive the outage.
        redis = embedded.EmbeddedRedis(durable=True).start()
        ports = [embedded.free_port() for _ in range(4)]
        green_port, llm_port, web_ports = ports[0], ports[1], ports[2:]
        secret_key = secrets.token_urlsafe(32)
        green_url, llm_url = f"http://127.0.0.1:{green_port}", f"http://127.0.0.1:{llm_port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(FOREIGN_ENV)}
        env.update(
            DATABASE_URL=database_url,
            REDIS_URL=redis.url,
            REDIS_PREFIX=f"browser-{secrets.token_hex(3)}:",
            SECRET_KEY=secret_key,
            GREEN_API_URL=green_url,
            DEEPSEEK_API_URL=f"{llm_url}/v1",
            DEEPSEEK_API_KEY="sk-browser-tests",
            AI_DEBOUNCE_SECONDS="0.3",
            WORKER_POLL_DELAY="0.05",
            PUBLIC_BASE_URL=f"http://127.0.0.1:{web_ports[0]}",
            PYTHONUNBUFFERED="1",
            PYTHONDONTWRITEBYTECODE="1",
        )
        harness = cls(database_url, redis, secret_key, env, green_url, llm_url, web_ports)
        try:
            harness._boot()
        except BaseException:
            harness.stop_all()
            raise
        return harness

    def _boot(self) -> None:
        LOGS.mkdir(parents=True, exist_ok=True)
        for old in [*LOGS.glob("*.log"), *SCREENSHOTS.glob("failed-*.png")]:
            old.unlink()
        TIMINGS.unlink(missing_ok=True)
        migrate = subprocess.run(
            [sys.executable, "-m", "cli", "migrate"],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if migrate.returncode != 0:
            raise RuntimeError(f"migrate failed:\n{migrate.stdout}\n{migrate.stderr}")
        green_port, llm_port = self.green_url.rsplit(":", 1)[1], self.llm_url.rsplit(":", 1)[1]
        green = self._service(
            "green-api",
            "sim",
            "green-api",
            "--host",
            "127.0.0.1",
            "--port",
            green_port,
            "--no-rate-limits",
            "--status-delays",
            "0.05,0.1,0.15",
            "--webhook-timeout",
            "15",
            "--webhook-retry-pause",
            "0.5",
            "--send-delay-ms",
            "0",
            "--min-send-delay-ms",
            "0",
        )
        llm = self._service("llm", "sim", "llm", "--host", "127.0.0.1", "--port", llm_port)
        self._service("worker", "worker")
        for index, port in enumerate(self.web_ports):
            self._service(f"web{index + 1}", "serve", "--host", "127.0.0.1", "--port", str(port))
        for service in self.services.values():
            service.start()
        _wait_http_sync(f"{self.green_url}/sim/instances", STARTUP_TIMEOUT, green)
        _wait_http_sync(f"{self.llm_url}/v1/models", STARTUP_TIMEOUT, llm, any_answer=True)
        for index, url in enumerate(self.web_urls):
            _wait_http_sync(f"{url}/health/ready", STARTUP_TIMEOUT, self.web(index))
        if not self.worker.running:
            raise RuntimeError(f"the worker exited:\n{self.worker.log_tail()}")

    def stop_all(self) -> None:
        for service in reversed(list(self.services.values())):
            with contextlib.suppress(Exception):
                service.stop()
        self.redis.cleanup()

    # -- used by the tests ------------------------------------------------------------------------

    async def stop_web(self, index: int) -> int | None:
        return await asyncio.to_thread(self.web(index).stop)

    async def start_web(self, index: int) -> None:
        self.web(index).start()
        await self.wait_ready(index)

    async def wait_ready(self, *indexes: int, timeout: float = STARTUP_TIMEOUT) -> None:
        for index in indexes or range(len(self.web_ports)):
            url = f"{self.web_urls[index]}/health/ready"
            await eventually(partial(status_is, url, 200), timeout=timeout, what=f"{url} is 200")

    async def ensure_worker(self) -> bool:
        """Start the worker again if it died (what Kubernetes does); True if it had to."""
        if self.worker.running:
            return False
        self.worker.start()
        await asyncio.sleep(0.5)
        assert self.worker.running, self.worker.log_tail()
        return True

    def diagnostics(self) -> str:
        return "\n".join(f"== {name}\n{s.log_tail(1500)}" for name, s in self.services.items())


async def status_is(url: str, status: int) -> bool:
    async with httpx.AsyncClient(timeout=3) as http:
        try:
            return (await http.get(url)).status_code == status
        except httpx.HTTPError:
            return False


async def eventually(
    check: Callable[[], Awaitable[T | None]], timeout: float = 10.0, interval: float = 0.1, what: str = ""
) -> T:
    """Poll until ``check`` returns something truthy; fail with its last value."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while True:
        last = await check()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what or check!r}; last value: {last!r}")
        await asyncio.sleep(interval)


# ---------------------------------------------------------------- one hotel per test


@dataclass
class Agent:
    email: str
    name: str


@contextlib.contextmanager
def secret_key(value: str) -> Iterator[None]:
    """Encrypted columns (the Green API token) use SECRET_KEY from the environment: the processes' key."""
    before = os.environ.get("SECRET_KEY")
    os.environ["SECRET_KEY"] = value
    get_settings.cache_clear()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("SECRET_KEY", None)
        else:
            os.environ["SECRET_KEY"] = before
        get_settings.cache_clear()


@dataclass
class World:
    harness: Harness
    http: httpx.AsyncClient
    instance_id: int
    hotel_id: UUID
    hotel_name: str
    agents: list[Agent]
    admin: Agent  # the hotel's administrator (admin pages, the guests' GDPR controls)

    async def guest_writes(self, text: str, chat_id: str, sender_name: str = "Olivia Chen") -> str:
        response = await self.http.post(
            f"{self.harness.green_url}/sim/incoming",
            json={"idInstance": self.instance_id, "chatId": chat_id, "senderName": sender_name, "text": text},
        )
        assert response.status_code == 202, response.text
        return str(response.json()["idMessage"])

    async def guest_sends(self, chat_id: str, sender_name: str, **message: Any) -> str:
        """Any kind of guest message the simulator builds (typeMessage, downloadUrl, latitude, ...)."""
        body = {"idInstance": self.instance_id, "chatId": chat_id, "senderName": sender_name, **message}
        response = await self.http.post(f"{self.harness.green_url}/sim/incoming", json=body)
        assert response.status_code == 202, response.text
        return str(response.json()["idMessage"])

    async def chat(self, chat_id: str) -> list[dict[str, Any]]:
        response = await self.http.get(f"{self.harness.green_url}/sim/chats/{self.instance_id}/{chat_id}")
        response.raise_for_status()
        return list(response.json()["messages"])

    async def outgoing(self, chat_id: str) -> list[dict[str, Any]]:
        """What the guest's phone received from the hotel, oldest first."""
        return [m for m in await self.chat(chat_id) if m.get("direction") == "outgoing"]

    async def delivery(self, id_message: str) -> dict[str, Any] | None:
        """The simulator's last webhook delivery attempt of this message (httpStatus or error)."""
        response = await self.http.get(
            f"{self.harness.green_url}/sim/deliveries", params={"idInstance": self.instance_id}
        )
        response.raise_for_status()
        attempts = [d for d in response.json() if d.get("idMessage") == id_message]
        return attempts[-1] if attempts else None

    async def add_hotel(self, name: str, *members: Agent) -> UUID:
        """Another hotel of the same group, where ``members`` also work (with the role they have here)."""
        engine = create_engine(Settings(database_url=self.harness.database_url).sqlalchemy_url, pool_size=2)
        try:
            sessions = session_factory(engine)
            with secret_key(self.harness.secret_key):
                hotel = await make_hotel(sessions, name=name, ai_enabled=False)
                for member in members:
                    role = Role.ADMIN if member == self.admin else Role.AGENT
                    await make_staff(sessions, hotel.id, member.email, role, member.name)
        finally:
            await engine.dispose()
        return hotel.id

    async def stored_messages(self, text: str) -> int:
        """How many rows of this hotel's messages carry ``text`` (read straight from PostgreSQL)."""
        conn = await asyncpg.connect(self.harness.database_url)
        try:
            return int(
                await conn.fetchval(
                    "SELECT count(*) FROM messages WHERE hotel_id = $1 AND text = $2", self.hotel_id, text
                )
            )
        finally:
            await conn.close()


async def create_world(harness: Harness, http: httpx.AsyncClient, *, ai_enabled: bool = True) -> World:
    tag = secrets.token_hex(3)
    instance_id = int("77" + str(secrets.randbelow(10**8)).zfill(8))
    api_token, webhook_token = f"api-{tag}", f"hook-{tag}"
    agents = [
        Agent(f"anna-{tag}@aurora.example", "Anna Berger"),
        Agent(f"ben-{tag}@aurora.example", "Ben Okafor"),
    ]
    admin = Agent(f"clara-{tag}@aurora.example", "Clara Novak")
    hotel_name = "Hotel Aurora Berlin"
    engine = create_engine(Settings(database_url=harness.database_url).sqlalchemy_url, pool_size=2)
    try:
        sessions = session_factory(engine)
        with secret_key(harness.secret_key):
            hotel = await make_hotel(
                sessions,
                instance_id=instance_id,
                api_token=api_token,
                webhook_token=webhook_token,
                name=hotel_name,
                slug=f"aurora-{tag}",
                ai_enabled=ai_enabled,
            )
            for agent in agents:
                await make_staff(sessions, hotel.id, agent.email, Role.AGENT, agent.name)
            await make_staff(sessions, hotel.id, admin.email, Role.ADMIN, admin.name)
    finally:
        await engine.dispose()
    created = await http.post(
        f"{harness.green_url}/sim/instances",
        json={
            "idInstance": instance_id,
            "apiTokenInstance": api_token,
            "webhookUrl": f"{harness.web_urls[0]}/webhooks/green-api",
            "webhookUrlToken": webhook_token,
            "wid": "4930123456@c.us",
        },
    )
    created.raise_for_status()
    return World(harness, http, instance_id, hotel.id, hotel_name, agents, admin)


def guest_chat() -> str:
    return f"49170{secrets.randbelow(10**7):07d}@c.us"


# ---------------------------------------------------------------- staff tabs


@dataclass
class Tab:
    """One staff member's browser tab (its own browser context, so its own cookies)."""

    context: BrowserContext
    page: Page
    base_url: str
    label: str
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    async def sign_in(self, email: str, password: str = PASSWORD) -> None:
        page = self.page
        await page.goto(f"{self.base_url}/login")
        await page.locator("#email").fill(email)
        await page.locator("#password").fill(password)
        await page.locator("form[action='/login'] button[type=submit]").click()
        await expect(page).to_have_url(re.compile(r"/inbox$"))
        await self.wait_live()

    async def wait_live(self, timeout: float = 10_000) -> None:
        await expect(self.page.locator("#live-status")).to_have_attribute(
            "data-state", "live", timeout=timeout
        )

    async def mark_document(self) -> None:
        """Tag the loaded document; ``same_document`` later proves the page was never reloaded."""
        await self.page.evaluate("() => { window.__browserTestMark = 'still-here'; }")

    async def same_document(self) -> bool:
        return await self.page.evaluate("() => window.__browserTestMark === 'still-here'") is True

    async def watch_inbox_for(self, text: str) -> None:
        """Record (browser clock, ms) when ``text`` first shows in ``#inbox-list``, however briefly."""
        await self.page.evaluate(
            """text => {
                window.__seenAt = window.__seenAt || {};
                const check = () => {
                    const list = document.getElementById("inbox-list");
                    if (!window.__seenAt[text] && list && list.textContent.includes(text)) {
                        window.__seenAt[text] = Date.now();
                    }
                };
                new MutationObserver(check).observe(document.body,
                    { subtree: true, childList: true, characterData: true });
                check();
            }""",
            text,
        )

    async def seen_at(self, text: str, timeout: float) -> float:
        """Wait until ``watch_inbox_for`` saw ``text``; the browser's epoch time in seconds."""
        handle = await self.page.wait_for_function(
            "text => window.__seenAt && window.__seenAt[text]", arg=text, timeout=timeout
        )
        return float(await handle.json_value()) / 1000


class Tabs:
    """Opens signed-in staff tabs; closes them after the test (a screenshot of each if it failed)."""

    def __init__(self, browser: Browser):
        self.browser = browser
        self.open: list[Tab] = []

    async def sign_in(
        self, base_url: str, agent: Agent, label: str = "", viewport: ViewportSize = VIEWPORT
    ) -> Tab:
        # Touch where the screen is a phone's or a tablet's: taps, not clicks, reach the buttons.
        touch = viewport["width"] < VIEWPORT["width"]
        context = await self.browser.new_context(
            base_url=base_url, viewport=viewport, locale="en-GB", has_touch=touch
        )
        context.set_default_timeout(10_000)
        page = await context.new_page()
        tab = Tab(context, page, base_url, label or agent.name.split()[0].lower())
        page.on("pageerror", lambda error: tab.errors.append(str(error)))

        async def on_dialog(dialog: Any) -> None:
            tab.dialogs.append(f"{dialog.type}: {dialog.message}")
            await dialog.dismiss()

        page.on("dialog", on_dialog)
        self.open.append(tab)
        await tab.sign_in(agent.email)
        return tab

    async def close(self, failed_test: str | None) -> None:
        for tab in self.open:
            if failed_test:
                with contextlib.suppress(Exception):
                    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                    name = re.sub(r"[^A-Za-z0-9_-]+", "_", failed_test)[-80:]
                    await tab.page.screenshot(path=SCREENSHOTS / f"failed-{name}-{tab.label}.png")
            with contextlib.suppress(Exception):
                await tab.context.close()
        self.open = []


@contextlib.asynccontextmanager
async def tabs_for(browser: Browser, failed: Callable[[], str | None]) -> AsyncIterator[Tabs]:
    tabs = Tabs(browser)
    try:
        yield tabs
    finally:
        await tabs.close(failed())


def record_timing(name: str, value: Any) -> None:
    """Keep measured figures in test-artifacts/browser-timings.json for the reviewer."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = {}
    with contextlib.suppress(OSError, ValueError):
        data = json.loads(TIMINGS.read_text())
    data[name] = value
    TIMINGS.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")

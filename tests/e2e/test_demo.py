"""The demo as a user starts it: ``python -m cli demo``, real processes, driven only through its contract.

One demo runs for the module (its own database on the test PostgreSQL, the test Redis under its own
key prefix); guests write through the Green API simulator and read the hotel's answers on their
"phone"; the last test stops the demo with SIGTERM and checks nothing it started is left running.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import asyncpg
import httpx
import pytest
import redis

from domain.staff.passwords import verify_password

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
INSTANCE = 1101000001
STARTUP_TIMEOUT = 40.0
REPLY_TIMEOUT = 20.0


# ---------------------------------------------------------------- the running demo


@dataclass
class Demo:
    process: subprocess.Popen[str]
    port: int
    database_url: str  # plain postgresql://, for asyncpg
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)

    @property
    def web(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def green(self) -> str:
        return f"http://127.0.0.1:{self.port + 1}"

    @property
    def llm(self) -> str:
        return f"http://127.0.0.1:{self.port + 2}"

    @property
    def output(self) -> str:
        return "".join(self.stdout)

    def diagnostics(self) -> str:
        return "stdout:\n" + self.output[-3000:] + "\nstderr:\n" + "".join(self.stderr)[-3000:]


def _free_port_triple() -> int:
    """A port P with P, P+1 and P+2 all free on loopback."""
    for _ in range(200):
        base = 20000 + secrets.randbelow(40000)
        sockets: list[socket.socket] = []
        try:
            for port in (base, base + 1, base + 2):
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError("no three consecutive free ports")


def _pump(stream: IO[str], sink: list[str]) -> None:
    for line in stream:
        sink.append(line)


def _admin(postgres_server_url: str, sql: str) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(postgres_server_url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


def _descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (children, grandchildren, ...), read from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        parents[int(entry.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _answers(url: str) -> bool:
    try:
        httpx.get(url, timeout=1)
    except httpx.HTTPError:
        return False
    return True


def _wait_until_up(demo: Demo) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if demo.process.poll() is not None:
            pytest.fail(f"the demo exited with {demo.process.returncode}\n{demo.diagnostics()}")
        if "staff (agent" in demo.output:
            try:
                if httpx.get(f"{demo.web}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
        time.sleep(0.2)
    pytest.fail(f"the demo did not come up within {STARTUP_TIMEOUT:.0f} s\n{demo.diagnostics()}")


@pytest.fixture(scope="module")
def demo(postgres_server_url: str, redis_url: str) -> Iterator[Demo]:
    name = f"hotelbot_e2e_{secrets.token_hex(4)}"
    _admin(postgres_server_url, f'CREATE DATABASE "{name}"')
    database_url = postgres_server_url.replace("postgresql+asyncpg://", "postgresql://").rsplit("/", 1)[0]
    database_url += "/" + name
    prefix = f"e2e-{secrets.token_hex(4)}:"
    port = _free_port_triple()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "GREEN_API_"))},
        "DATABASE_URL": database_url,  # the documented form; the demo must cope with it
        "REDIS_URL": redis_url,
        "REDIS_PREFIX": prefix,
        "SECRET_KEY": secrets.token_urlsafe(32),
        "AI_DEBOUNCE_SECONDS": "0.3",
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    for name_ in ("DEEPSEEK_API_URL", "DEEPSEEK_API_KEY", "PUBLIC_BASE_URL"):
        env.pop(name_, None)
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", "demo", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, so a failed test can still clean up everything
    )
    running = Demo(process, port, database_url)
    pumps = [
        threading.Thread(target=_pump, args=(process.stdout, running.stdout), daemon=True),
        threading.Thread(target=_pump, args=(process.stderr, running.stderr), daemon=True),
    ]
    for pump in pumps:
        pump.start()
    try:
        _wait_until_up(running)
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=20)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # whatever of the demo's group is left
        process.wait(timeout=10)
        _admin(postgres_server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        client = redis.Redis.from_url(redis_url)
        try:
            keys = list(client.scan_iter(match=prefix + "*"))
            if keys:
                client.delete(*keys)
        finally:
            client.close()


# ---------------------------------------------------------------- a guest on the phone


async def _guest_writes(demo: Demo, chat_id: str, text: str, sender: str) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.post(
            f"{demo.green}/sim/incoming",
            json={"idInstance": INSTANCE, "chatId": chat_id, "senderName": sender, "text": text},
        )
    assert response.status_code == 202, response.text
    assert response.json()["idMessage"]


async def _replies(demo: Demo, chat_id: str) -> list[str]:
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.get(f"{demo.green}/sim/chats/{INSTANCE}/{chat_id}")
    response.raise_for_status()
    return [
        str(m.get("text") or m.get("textMessage") or "")
        for m in response.json()["messages"]
        if m.get("direction") == "outgoing"
    ]


async def _first_reply(demo: Demo, chat_id: str) -> str:
    deadline = time.monotonic() + REPLY_TIMEOUT
    while time.monotonic() < deadline:
        replies = await _replies(demo, chat_id)
        if replies:
            return replies[0]
        await asyncio.sleep(0.2)
    pytest.fail(f"no answer on {chat_id} within {REPLY_TIMEOUT:.0f} s\n{demo.diagnostics()}")


async def _conversation_state(demo: Demo, chat_id: str) -> str | None:
    conn = await asyncpg.connect(demo.database_url)
    try:
        state = await conn.fetchval(
            "SELECT c.state::text FROM conversations c JOIN guests g ON g.id = c.guest_id "
            "WHERE g.chat_id = $1",
            chat_id,
        )
    finally:
        await conn.close()
    return None if state is None else str(state)


# ---------------------------------------------------------------- what the demo shows


def test_demo_prints_where_everything_is(demo: Demo) -> None:
    output = demo.output
    assert f"http://127.0.0.1:{demo.port}/" in output, "the dashboard URL"
    assert f"http://127.0.0.1:{demo.port + 1}/" in output, "the guest phone URL"
    assert f"http://127.0.0.1:{demo.port + 2}/v1" in output, "the LLM simulator URL"
    assert f"idInstance {INSTANCE}" in output
    assert "API token" in output
    assert "webhook token" in output


async def test_printed_staff_credentials_are_real_accounts(demo: Demo) -> None:
    credentials = [
        line.split()[-3:] for line in demo.output.splitlines() if line.strip().startswith("staff (")
    ]
    assert credentials, demo.output
    assert any(line[:1] == ["admin@aurora.example"] for line in credentials), credentials
    conn = await asyncpg.connect(demo.database_url)
    try:
        for email, slash, password in credentials:
            assert slash == "/"
            password_hash = await conn.fetchval(
                "SELECT password_hash FROM staff_users WHERE email = $1", email
            )
            assert verify_password(password_hash, password), (
                f"{email} cannot log in with the printed password"
            )
    finally:
        await conn.close()


def test_printed_api_token_works_on_the_green_api_simulator(demo: Demo) -> None:
    token = demo.output.split("API token ", 1)[1].split(",", 1)[0].strip()
    response = httpx.get(f"{demo.green}/waInstance{INSTANCE}/getStateInstance/{token}", timeout=5)
    assert response.status_code == 200, response.text
    assert response.json()["stateInstance"] == "authorized"


def test_guest_phone_is_a_web_page(demo: Demo) -> None:
    response = httpx.get(f"{demo.green}/", timeout=5)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<html" in response.text.lower()
    assert "/sim/incoming" in response.text, "the page can send guest messages"


# ---------------------------------------------------------------- guests talk to the hotel


async def test_english_breakfast_question(demo: Demo) -> None:
    await _guest_writes(demo, "447700900001@c.us", "What time is breakfast?", "Oliver")
    reply = await _first_reply(demo, "447700900001@c.us")
    assert "7:00" in reply
    assert "[kb:" not in reply, "citations are for the dashboard, not the guest"


async def test_german_breakfast_question_gets_a_german_answer(demo: Demo) -> None:
    await _guest_writes(demo, "491701110002@c.us", "Wann gibt es Frühstück?", "Jonas")
    reply = await _first_reply(demo, "491701110002@c.us")
    assert "Gerne" in reply
    assert "7:00" in reply


async def test_spanish_parking_question_gets_a_spanish_answer(demo: Demo) -> None:
    await _guest_writes(demo, "34600111003@c.us", "¿Dónde puedo aparcar el coche?", "Lucía")
    reply = await _first_reply(demo, "34600111003@c.us")
    assert "Con gusto" in reply
    assert "18 EUR" in reply


async def test_asking_for_a_person_hands_the_conversation_to_staff(demo: Demo) -> None:
    chat_id = "33612340004@c.us"
    await _guest_writes(demo, chat_id, "Can I talk to a person please?", "Chloé")
    deadline = time.monotonic() + REPLY_TIMEOUT
    state = None
    while time.monotonic() < deadline:
        state = await _conversation_state(demo, chat_id)
        if state == "needs_human":
            break
        await asyncio.sleep(0.2)
    assert state == "needs_human", demo.diagnostics()
    reply = await _first_reply(demo, chat_id)
    assert "team" in reply.lower(), "the guest is told a person will answer"


# ---------------------------------------------------------------- stopping (keep this last)


def _smoke(base_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(ROOT / "scripts" / "smoke-tests.sh"), "local", base_url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "SMOKE_TIMEOUT": "3"},
    )


def test_smoke_tests_pass_against_the_demo(demo: Demo) -> None:
    result = _smoke(demo.web)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAIL" not in result.stdout


def test_sigterm_stops_every_process_the_demo_started(demo: Demo) -> None:
    children = _descendants(demo.process.pid)
    assert len(children) >= 4, f"expected web, worker and two simulators, found {children}"
    assert _answers(f"{demo.web}/health")

    demo.process.send_signal(signal.SIGTERM)
    demo.process.wait(timeout=20)

    deadline = time.monotonic() + 20
    urls = [f"{demo.web}/health", f"{demo.green}/", f"{demo.llm}/v1/models"]
    while time.monotonic() < deadline:
        if not any(_answers(url) for url in urls) and not any(_alive(pid) for pid in children):
            break
        time.sleep(0.2)
    assert [url for url in urls if _answers(url)] == [], "ports still answering after SIGTERM"
    assert [pid for pid in children if _alive(pid)] == [], "processes left running after SIGTERM"
    stopped = _smoke(demo.web)
    assert stopped.returncode != 0, "the smoke tests fail against a stopped demo"
    assert "FAIL" in stopped.stdout

"""The README's first command exactly as a newcomer runs it: a fresh clone, none of the project's
variables set, ``bash scripts/demo.sh --port P``; a guest writes through the Green API simulator and
the AI's answer reaches the guest's phone. Then Ctrl-C, and the same again on the kept data.

Nothing here sets SECRET_KEY, DATABASE_URL or REDIS_URL: the demo must find its own way, as it does
for a user. (A test that gave the demo its own key once hid a demo where no guest got an answer.)
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_demo import INSTANCE, _free_port_triple, _pump

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
# Everything the product reads from the environment, and what points a shell at another venv.
PROJECT_VARIABLES = re.compile(
    r"^(DATABASE_URL|REDIS_URL|REDIS_PREFIX|SECRET_KEY.*|PUBLIC_BASE_URL|GREEN_API_URL|DEEPSEEK_.*|OIDC_.*"
    r"|LOG_LEVEL|LOG_FORMAT|AI_.*|WORKER_.*|TEST_.*|VIRTUAL_ENV|UV_PROJECT_ENVIRONMENT)$"
)
API_TOKEN = "demo-api-token-5f1c"
START_TIMEOUT = 240.0  # the first start installs the environment (from uv's cache) before anything
ANSWER_TIMEOUT = 30.0


def _fresh_clone(target: Path) -> Path:
    """A clone of this checkout as it is on disk: committed work, plus uncommitted and untracked
    files when a developer runs this before committing (CI's checkout is clean)."""
    subprocess.run(["git", "clone", "-q", str(ROOT), str(target)], check=True)
    diff = subprocess.run(
        ["git", "diff", "HEAD", "--binary"], cwd=ROOT, check=True, capture_output=True
    ).stdout
    if diff:
        subprocess.run(["git", "apply", "--whitespace=nowarn"], cwd=target, input=diff, check=True)
    untracked = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard", "-z"], cwd=ROOT, check=True, capture_output=True
    ).stdout.split(b"\0")
    for name in filter(None, untracked):
        source, copy = ROOT / name.decode(), target / name.decode()
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, copy)
    return target


class NewcomerDemo:
    def __init__(self, clone: Path, port: int):
        self.clone, self.port = clone, port
        self.output: list[str] = []
        env = {k: v for k, v in os.environ.items() if not PROJECT_VARIABLES.match(k)}
        env["PYTHONUNBUFFERED"] = "1"
        self.process = subprocess.Popen(
            ["bash", "scripts/demo.sh", "--port", str(port)],
            cwd=clone,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # a terminal's process group: Ctrl-C reaches all of it
        )
        assert self.process.stdout is not None
        threading.Thread(target=_pump, args=(self.process.stdout, self.output), daemon=True).start()

    @property
    def text(self) -> str:
        return "".join(self.output)

    @property
    def green(self) -> str:
        return f"http://127.0.0.1:{self.port + 1}"

    def wait_until_up(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the demo exited with {self.process.returncode}:\n{self.text[-4000:]}")
            if "staff (agent" in self.text:
                return
            time.sleep(0.3)
        pytest.fail(f"the demo was not up after {START_TIMEOUT:.0f} s:\n{self.text[-4000:]}")

    def guest_asks(self, chat_id: str, text: str) -> str:
        """What the guest's phone receives after writing ``text`` (the simulator's outgoing journal)."""
        sent = httpx.post(
            f"{self.green}/sim/incoming",
            json={"idInstance": INSTANCE, "chatId": chat_id, "senderName": "New Guest", "text": text},
            timeout=5,
        )
        assert sent.status_code == 202, sent.text
        journal = f"{self.green}/waInstance{INSTANCE}/lastOutgoingMessages/{API_TOKEN}"
        deadline = time.monotonic() + ANSWER_TIMEOUT
        while time.monotonic() < deadline:
            answer = httpx.get(journal, params={"minutes": 10}, timeout=5)
            if answer.status_code == 200:
                mine = [m for m in answer.json() if m.get("chatId") == chat_id]
                if mine:
                    return str(mine[0].get("textMessage") or "")
            time.sleep(1.1)  # Green API, and so its simulator, allows about one journal read a second
        pytest.fail(f"no answer reached {chat_id} within {ANSWER_TIMEOUT:.0f} s:\n{self.text[-4000:]}")

    def ctrl_c(self) -> None:
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            pytest.fail(f"the demo did not stop on Ctrl-C:\n{self.text[-3000:]}")

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def clone() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="hotelbot-newcomer-"))
    folder.chmod(0o755)  # as a user's home folder: the embedded PostgreSQL keeps its data inside
    try:
        yield _fresh_clone(folder / "whatsapp-hotel-bot")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _port_free(port: int) -> bool:
    try:
        httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
    except httpx.HTTPError:
        return True
    return False


def _puzzling_lines(output: str) -> list[str]:
    """What a newcomer would stop at: warnings, errors, tracebacks, server errors."""
    pattern = re.compile(r"warning|error|traceback|exception|\b5\d\d\b", re.IGNORECASE)
    return [line for line in output.splitlines() if pattern.search(line)]


def test_the_readme_demo_answers_a_guest_twice_on_kept_data(clone: Path) -> None:
    port = _free_port_triple()
    first = NewcomerDemo(clone, port)
    try:
        first.wait_until_up()
        assert f"http://127.0.0.1:{port}/" in first.text
        # The set-up compiled the bytecode once: with PYTHONDONTWRITEBYTECODE set (as on our
        # machines) every process of the demo compiled every module again, and the demo was not
        # ready within the newcomer's minute.
        assert Path(importlib.util.cache_from_source(str(clone / "web" / "app.py"))).exists()
        assert list((clone / ".venv").glob("lib/python3*/site-packages/litestar/__pycache__/app.*.pyc"))
        answer = first.guest_asks("4915112345678@c.us", "What time is breakfast?")
        assert "7:00" in answer, answer
        # A second demo on the same data refuses, naming the one that runs, and changes nothing.
        second = subprocess.run(
            [str(clone / ".venv" / "bin" / "hotelbot"), "demo", "--port", str(_free_port_triple())],
            cwd=clone,
            env={k: v for k, v in os.environ.items() if not PROJECT_VARIABLES.match(k)},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert second.returncode != 0
        assert "another demo already runs" in second.stderr, second.stderr
        assert f"http://127.0.0.1:{port}/" in second.stderr
        first.ctrl_c()
    finally:
        first.kill()
    assert first.process.returncode == 0, first.text[-3000:]
    assert _puzzling_lines(first.text) == [], first.text[-4000:]
    assert all(_port_free(p) for p in (port, port + 1, port + 2)), "Ctrl-C left a demo server running"
    assert (clone / ".hotelbot" / "secret_key").exists()

    again = NewcomerDemo(clone, port)
    try:
        again.wait_until_up()
        answer = again.guest_asks("4915187654321@c.us", "Is there parking?")
        assert "18 EUR" in answer, answer
        again.ctrl_c()
    finally:
        again.kill()
    assert _puzzling_lines(again.text) == [], again.text[-4000:]


def test_a_demo_started_on_data_from_another_key_repairs_its_hotel(clone: Path) -> None:
    """Data kept from a demo whose tokens were written with another key (the old bug) still works."""
    port = _free_port_triple()
    first = NewcomerDemo(clone, port)
    try:
        first.wait_until_up()
        first.ctrl_c()
    finally:
        first.kill()
    (clone / ".hotelbot" / "secret_key").write_text("a-different-key-than-the-data-was-written-with")
    again = NewcomerDemo(clone, port)
    try:
        again.wait_until_up()
        assert "stored again with this one" in again.text
        answer = again.guest_asks("4915199999999@c.us", "What is the wifi password?")
        assert "sunrise2024" in answer, answer
        again.ctrl_c()
    finally:
        again.kill()
    assert _puzzling_lines(again.text) == [], again.text[-4000:]

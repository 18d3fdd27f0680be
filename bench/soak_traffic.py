"""What the soak does to the product from outside: guests writing through the Green API simulator,
staff signing in and taking over or replying over HTTP, and staff browsers' live websockets."""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import websockets

QUESTIONS = [
    "When is breakfast?",
    "What is the wifi password?",
    "What time is check-out?",
    "Is there parking at the hotel?",
    "Are dogs allowed?",
    "Can I get extra towels in room 204?",
    "The shower in room 118 is broken.",
    "Wann gibt es Frühstück?",
    "¿A qué hora es el desayuno?",
    "Is the pool open today?",
    "How do I get to the airport?",
    "Thanks!",
]
ASK_FOR_PERSON = "Can I talk to a real person please?"
PROBE = re.compile(r"SOAKPROBE(\d{4})")


@dataclass
class Sent:
    """One guest message the simulator accepted (answered 202 with its idMessage)."""

    id_message: str
    chat_id: str
    text: str
    kind: str  # question, burst, person, probe
    at: float  # time.time() just before POST /sim/incoming
    id_instance: int  # the hotel's Green API instance it was written to


@dataclass
class Guests:
    """Guests writing to the hotels the way a phone does: ``POST /sim/incoming`` at the simulator.
    Guest ``n`` writes to hotel ``n % len(instances)``, always the same one."""

    http: httpx.AsyncClient
    green_url: str
    instances: list[int]
    count: int
    rng: random.Random
    sent: list[Sent] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    serial: int = 0

    def chat_id(self, n: int) -> str:
        return f"49160{n:07d}@c.us"

    def instance_of(self, n: int) -> int:
        return self.instances[n % len(self.instances)]

    async def write(self, chat_id: str, text: str, kind: str, id_instance: int) -> Sent | None:
        at = time.time()
        try:
            response = await self.http.post(
                f"{self.green_url}/sim/incoming",
                json={"idInstance": id_instance, "chatId": chat_id, "senderName": "Soak", "text": text},
            )
        except httpx.HTTPError as exc:
            self.errors[type(exc).__name__] += 1
            return None
        if response.status_code != 202:
            self.errors[str(response.status_code)] += 1
            return None
        sent = Sent(str(response.json()["idMessage"]), chat_id, text, kind, at, id_instance)
        self.sent.append(sent)
        return sent

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _burst(self, chat_id: str, id_instance: int) -> None:
        # several messages in a row, as guests type: the AI must answer them together
        for _ in range(self.rng.randint(2, 4)):
            self.serial += 1
            await self.write(chat_id, f"{self.rng.choice(QUESTIONS)} (m{self.serial})", "burst", id_instance)
            await asyncio.sleep(self.rng.uniform(0.2, 0.8))

    def one(self, *, burst: float, person: float) -> None:
        n = self.rng.randrange(self.count)
        chat_id, id_instance = self.chat_id(n), self.instance_of(n)
        roll = self.rng.random()
        self.serial += 1
        if roll < person:
            self._spawn(self.write(chat_id, f"{ASK_FOR_PERSON} (m{self.serial})", "person", id_instance))
        elif roll < person + burst:
            self._spawn(self._burst(chat_id, id_instance))
        else:
            question = f"{self.rng.choice(QUESTIONS)} (m{self.serial})"
            self._spawn(self.write(chat_id, question, "question", id_instance))

    async def steady(self, rate: float, until: float, *, burst: float, person: float) -> None:
        """One message (or the start of a burst) every 1/rate s, whether or not earlier ones were
        answered (open loop)."""
        t0 = time.monotonic()
        n = 0
        while (due := t0 + n / rate) < until:
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            self.one(burst=burst, person=person)
            n += 1

    async def settle(self) -> None:
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)


# ---------------------------------------------------------------- staff


def csrf_from(html: str) -> str:
    match = re.search(r'name="_csrf" value="([^"]+)"', html)
    if not match:
        raise RuntimeError("no CSRF field in the page")
    return match.group(1)


@dataclass
class Staff:
    """A signed-in staff member: the login form and its CSRF field, as a browser fills them."""

    email: str
    http: httpx.AsyncClient
    csrf: str = ""

    @classmethod
    async def sign_in(cls, web_url: str, email: str, password: str) -> Staff:
        http = httpx.AsyncClient(timeout=15)
        page = await http.get(f"{web_url}/login")
        response = await http.post(
            f"{web_url}/login",
            data={"email": email, "password": password, "_csrf": csrf_from(page.text), "next": "/inbox"},
        )
        if response.status_code not in (200, 303):
            raise RuntimeError(f"sign-in of {email} answered {response.status_code}")
        inbox = await http.get(f"{web_url}/inbox")
        if inbox.status_code != 200:
            raise RuntimeError(f"/inbox after signing in {email} answered {inbox.status_code}")
        return cls(email, http, csrf_from(inbox.text))

    @property
    def cookie(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.http.cookies.items())

    async def act(self, web_url: str, conversation_id: str, action: str, text: str = "") -> str:
        """``take-over`` or ``reply``, as the page's htmx buttons post them; answers the outcome."""
        try:
            response = await self.http.post(
                f"{web_url}/conversations/{conversation_id}/{action}",
                data={"text": text} if text else {},
                headers={"X-CSRF-Token": self.csrf, "HX-Request": "true"},
            )
        except httpx.HTTPError as exc:
            return type(exc).__name__
        return str(response.status_code)


@dataclass
class StaffDesk:
    """Staff taking over and replying now and then, alternating between the web processes, in the
    conversations of their hotel (instance ``id_instance``)."""

    members: list[Staff]
    web_urls: list[str]
    dsn: str
    hotel_id: Any
    id_instance: int
    guests: Guests
    rng: random.Random
    outcomes: Counter[str] = field(default_factory=Counter)
    turn: int = 0

    async def _conversation(self, chat_id: str) -> tuple[str, str] | None:
        import asyncpg

        try:
            conn = await asyncpg.connect(self.dsn, timeout=3)
        except (OSError, asyncpg.PostgresError, TimeoutError):
            return None
        try:
            row = await conn.fetchrow(
                "SELECT c.id::text AS id, c.state::text AS state FROM conversations c "
                "JOIN guests g ON g.id = c.guest_id WHERE c.hotel_id = $1 AND g.chat_id = $2",
                self.hotel_id,
                chat_id,
            )
        except (OSError, asyncpg.PostgresError):
            return None
        finally:
            await conn.close()
        return None if row is None else (row["id"], row["state"])

    async def one(self) -> None:
        recent = self.guests.sent[-400:]
        written = [s.chat_id for s in recent if s.kind != "probe" and s.id_instance == self.id_instance]
        if not written:
            return
        found = await self._conversation(self.rng.choice(written))
        if found is None:
            self.outcomes["no conversation (or PostgreSQL down)"] += 1
            return
        conversation_id, state = found
        member = self.members[self.turn % len(self.members)]
        web_url = self.web_urls[self.turn % len(self.web_urls)]
        self.turn += 1
        if (state == "ai" and self.rng.random() < 0.5) or state == "needs_human":
            action, text = "take-over", ""
        else:
            action, text = "reply", f"Staff reply {self.turn}: let me check that for you."
        outcome = await member.act(web_url, conversation_id, action, text)
        self.outcomes[f"{action} from {state}: {outcome}"] += 1

    async def run(self, every: float, until: float) -> None:
        while time.monotonic() < until:
            await asyncio.sleep(every)
            with contextlib.suppress(Exception):
                await self.one()


# ---------------------------------------------------------------- live sockets


@dataclass
class LiveSocket:
    """A staff browser's ``/live`` socket: reconnects after it drops, with the browser's backoff
    (``static/js``: 0.5 s doubling, at most 4 s); remembers when it first saw each probe."""

    name: str
    web_url: str
    cookie: str
    probes: dict[int, float] = field(default_factory=dict)  # probe number -> time.time() first seen
    connects: int = 0
    frames: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    connected: bool = False

    async def run(self, stop: asyncio.Event) -> None:
        url = self.web_url.replace("http://", "ws://") + "/live"
        retry = 0
        while not stop.is_set():
            try:
                async with websockets.connect(
                    url,
                    additional_headers={"Cookie": self.cookie, "Origin": self.web_url},
                    open_timeout=10,
                    max_size=None,
                ) as ws:
                    self.connects += 1
                    self.connected = True
                    retry = 0
                    async for frame in ws:
                        self._frame(frame)
            except Exception as exc:
                self.errors[type(exc).__name__] += 1
            self.connected = False
            if stop.is_set():
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), min(4.0, 0.5 * 2**retry))
            retry += 1

    def _frame(self, frame: str | bytes) -> None:
        self.frames += 1
        text = frame.decode(errors="replace") if isinstance(frame, bytes) else frame
        now = time.time()
        for raw in PROBE.findall(text):
            self.probes.setdefault(int(raw), now)

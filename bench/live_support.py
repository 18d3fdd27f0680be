"""Helpers of ``bench.live``: a cheap websocket client, sign-in, pacing, memory, CPU and py-spy.

The websocket client is a minimal RFC 6455 client on an ``asyncio.Protocol`` (uvloop): the handshake,
unmasked server frames, ``permessage-deflate`` (offered like a browser, so the server compresses as it
would for real tabs), pings answered, closes. A few microseconds of Python per frame, so a couple of
hundred busy sockets or thousands of idle ones take little of the 2 cores from the servers.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import os
import re
import resource
import secrets
import shutil
import struct
import subprocess
import sys
import time
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
DEFLATE_TAIL = b"\x00\x00\xff\xff"
OFFER = "permessage-deflate; client_max_window_bits"  # what Chrome and Firefox send

TextHandler = Callable[["WsClient", bytes, float], None]


class HandshakeRefused(Exception):
    pass


class WsClient(asyncio.Protocol):
    """One websocket. ``inspect``: inflate every text message and hand it to ``on_text``; otherwise
    messages are only counted (their payload is never inflated, which costs nothing)."""

    def __init__(self, request: bytes, key: str, *, inspect: bool, on_text: TextHandler | None):
        self.request = request
        self.accept_expected = base64.b64encode(hashlib.sha1(key.encode() + GUID).digest())
        self.inspect = inspect
        self.on_text = on_text
        self.transport: asyncio.Transport | None = None
        self.handshake: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.buffer = bytearray()
        self.upgraded = False
        self.deflate = False
        self.inflater = zlib.decompressobj(-15)
        self.fragments: list[bytes] = []
        self.fragment_compressed = False
        self.messages = 0  # text/binary messages received
        self.wire_bytes = 0
        self.text_bytes = 0  # after inflating (inspected sockets only)
        self.first_at = 0.0
        self.last_at = 0.0
        self.close_code: int | None = None
        self.pings = 0  # answered with a pong (uvicorn pings every 20 s)
        self.next_at = 0.0  # when the message after ``expect_next()`` arrived
        self._next_count = 0
        self.seen: dict[bytes, float] = {}  # marker -> first receive time (bench.live fills it)
        self.waiters: list[tuple[int, asyncio.Future[None]]] = []

    # -- asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        self.wire_bytes += len(data)
        self.buffer += data
        if not self.upgraded:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buffer[:end]).decode("latin-1")
            del self.buffer[: end + 4]
            self._upgrade(head)
            if not self.upgraded:
                return
        self._frames(now)

    def eof_received(self) -> bool | None:
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.handshake.done():
            self.handshake.set_exception(HandshakeRefused(f"connection lost during the handshake: {exc}"))
        if not self.closed.done():
            self.closed.set_result(None)
        for _, waiter in self.waiters:
            if not waiter.done():
                waiter.set_result(None)

    # -- the protocol itself

    def _upgrade(self, head: str) -> None:
        lines = head.split("\r\n")
        status = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if len(status) < 2 or status[1] != "101":
            self.handshake.set_exception(HandshakeRefused(f"handshake answered {lines[0]!r}"))
            assert self.transport is not None
            self.transport.close()
            return
        if headers.get("sec-websocket-accept", "").encode() != self.accept_expected:
            self.handshake.set_exception(HandshakeRefused("bad Sec-WebSocket-Accept"))
            assert self.transport is not None
            self.transport.close()
            return
        self.deflate = "permessage-deflate" in headers.get("sec-websocket-extensions", "")
        self.upgraded = True
        self.handshake.set_result(None)

    def _frames(self, now: float) -> None:
        buf = self.buffer
        pos = 0
        size = len(buf)
        while size - pos >= 2:
            b0 = buf[pos]
            b1 = buf[pos + 1]
            length = b1 & 0x7F
            head = 2
            if length == 126:
                if size - pos < 4:
                    break
                length = (buf[pos + 2] << 8) | buf[pos + 3]
                head = 4
            elif length == 127:
                if size - pos < 10:
                    break
                length = struct.unpack_from("!Q", buf, pos + 2)[0]
                head = 10
            if size - pos < head + length:
                break
            payload = bytes(buf[pos + head : pos + head + length])
            pos += head + length
            self._frame(b0, payload, now)
        if pos:
            del buf[:pos]

    def _frame(self, b0: int, payload: bytes, now: float) -> None:
        opcode = b0 & 0x0F
        fin = b0 & 0x80
        if opcode in (0x1, 0x2):
            if fin:
                self._message(payload, bool(b0 & 0x40), now)
            else:
                self.fragments = [payload]
                self.fragment_compressed = bool(b0 & 0x40)
        elif opcode == 0x0:
            self.fragments.append(payload)
            if fin:
                self._message(b"".join(self.fragments), self.fragment_compressed, now)
                self.fragments = []
        elif opcode == 0x9:  # ping: pong with the same payload
            self.pings += 1
            self._send(0xA, payload)
        elif opcode == 0x8:
            self.close_code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
            self._send(0x8, payload[:2])
            assert self.transport is not None
            self.transport.close()

    def _message(self, payload: bytes, compressed: bool, now: float) -> None:
        self.messages += 1
        if self.messages == self._next_count:
            self.next_at = now
        if not self.first_at:
            self.first_at = now
        self.last_at = now
        if self.inspect:
            if compressed:
                payload = self.inflater.decompress(payload + DEFLATE_TAIL)
            self.text_bytes += len(payload)
            if self.on_text is not None:
                self.on_text(self, payload, now)
        if self.waiters:
            still = []
            for count, waiter in self.waiters:
                if self.messages >= count:
                    if not waiter.done():
                        waiter.set_result(None)
                else:
                    still.append((count, waiter))
            self.waiters = still

    def _send(self, opcode: int, payload: bytes) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        mask = secrets.token_bytes(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.transport.write(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked)

    # -- for the benchmark

    def expect_next(self) -> None:
        """Time the next message from now on (``next_at``)."""
        self.next_at = 0.0
        self._next_count = self.messages + 1

    @property
    def open(self) -> bool:
        return self.upgraded and not self.closed.done()

    async def wait_messages(self, count: int, within: float) -> bool:
        """Until this socket has received ``count`` messages in all (False on timeout or close)."""
        if self.messages >= count:
            return True
        if self.closed.done():
            return False
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiters.append((count, waiter))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(waiter, within)
        return self.messages >= count

    async def close(self, within: float = 2.0) -> None:
        if self.open:
            self._send(0x8, struct.pack("!H", 1000))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self.closed), within)
        if self.transport is not None:
            self.transport.close()


async def open_socket(
    host: str,
    port: int,
    path: str,
    headers: dict[str, str],
    *,
    deflate: bool = True,
    inspect: bool = True,
    on_text: TextHandler | None = None,
    within: float = 15.0,
) -> WsClient:
    key = base64.b64encode(secrets.token_bytes(16)).decode()
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {host}:{port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    if deflate:
        lines.append(f"Sec-WebSocket-Extensions: {OFFER}")
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    loop = asyncio.get_running_loop()
    _, client = await asyncio.wait_for(
        loop.create_connection(lambda: WsClient(request, key, inspect=inspect, on_text=on_text), host, port),
        within,
    )
    try:
        await asyncio.wait_for(asyncio.shield(client.handshake), within)
    except BaseException:
        if client.transport is not None:
            client.transport.close()
        raise
    return client


async def close_all(clients: list[WsClient]) -> None:
    for start in range(0, len(clients), 500):
        await asyncio.gather(*(c.close() for c in clients[start : start + 500]), return_exceptions=True)


# ---------------------------------------------------------------- signing in


def csrf_from(html: str) -> str:
    match = re.search(r'name="_csrf" value="([^"]+)"', html)
    if not match:
        raise RuntimeError("no CSRF field in the sign-in page")
    return match.group(1)


async def sign_in(base_url: str, email: str, password: str) -> str:
    """The login form (its CSRF field and cookie) as a browser fills it; answers the session cookie."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        page = await http.get("/login")
        response = await http.post(
            "/login",
            data={"email": email, "password": password, "_csrf": csrf_from(page.text), "next": "/inbox"},
        )
        if response.status_code not in (200, 303):
            raise RuntimeError(f"sign-in of {email} answered {response.status_code}")
        cookies = "; ".join(f"{name}={value}" for name, value in http.cookies.items())
        if "hb_session=" not in cookies:
            raise RuntimeError(f"sign-in of {email} set no session cookie")
        inbox = await http.get("/inbox")
        if inbox.status_code != 200:
            raise RuntimeError(f"/inbox after signing in {email} answered {inbox.status_code}")
        return cookies


# ---------------------------------------------------------------- pacing


@dataclass
class Paced:
    """An open-loop run, filled in as it goes: webhook i is due at ``scheduled[i]``."""

    scheduled: list[float]  # perf_counter time each webhook is due
    late: list[float] = field(default_factory=list)  # how late the sender actually started each one
    answered: list[float] = field(default_factory=list)  # perf_counter time of its HTTP answer, or NaN
    statuses: Counter[str] = field(default_factory=Counter)

    @property
    def latencies(self) -> list[float]:
        """HTTP answer, from the scheduled time, of every answered webhook."""
        return [a - s for s, a in zip(self.scheduled, self.answered, strict=True) if a == a]


async def paced_posts(post: Callable[[bytes], object], bodies: list[bytes], result: Paced) -> None:
    """Webhook i is sent at ``result.scheduled[i]`` whether or not earlier ones were answered."""
    result.answered = [float("nan")] * len(bodies)

    async def one(i: int, body: bytes) -> None:
        result.late.append(time.perf_counter() - result.scheduled[i])
        try:
            status = await post(body)  # type: ignore[misc]
        except Exception as exc:
            result.statuses[type(exc).__name__] += 1
            return
        result.answered[i] = time.perf_counter()
        result.statuses[str(status)] += 1

    tasks = []
    try:
        for i, body in enumerate(bodies):
            delay = result.scheduled[i] - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i, body)))
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()


# ---------------------------------------------------------------- memory, CPU, limits


def rss_mib(pid: int) -> float:
    """VmRSS of a process, MiB (NaN when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def open_fds(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return -1


def raise_nofile(needed: int) -> tuple[int, int]:
    """Raise this process's open-file limit (children inherit it) to at least ``needed`` if possible."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= needed:
        return soft, hard
    if hard != resource.RLIM_INFINITY and hard < needed:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (needed, needed))
            return needed, needed
    target = needed if hard == resource.RLIM_INFINITY else min(hard, max(needed, soft))
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


async def redis_commandstats(redis_url: str) -> dict[str, int]:
    """Calls per Redis command since the server started (``INFO commandstats``)."""
    from redis.asyncio import Redis

    redis = Redis.from_url(redis_url)
    try:
        info = await redis.info("commandstats")
    finally:
        await redis.aclose()
    return {name.removeprefix("cmdstat_"): int(value["calls"]) for name, value in info.items()}


# ---------------------------------------------------------------- py-spy


def py_spy_binary() -> str | None:
    here = Path(sys.executable).parent / "py-spy"
    return str(here) if here.exists() else shutil.which("py-spy")


def start_py_spy(pid: int, seconds: float, out: Path, rate: int = 250) -> subprocess.Popen[bytes]:
    binary = py_spy_binary()
    if binary is None:
        raise RuntimeError("py-spy is not installed: uv pip install py-spy")
    return subprocess.Popen(
        [
            binary,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(max(1, round(seconds))),
            "--rate",
            str(rate),
            "--format",
            "raw",
            "--nonblocking",
            "--output",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


# Where a web process spends its time. SQLAlchemy runs the sync half of every query in a greenlet,
# which py-spy shows as a stack of its own (no caller above it): those get buckets of their own.
BUCKETS: list[tuple[str, tuple[str, ...]]] = [
    ("live send: permessage-deflate (zlib), per socket", ("permessage_deflate.py",)),
    ("live send: websocket framing and the rest", ("send_text (litestar", "websockets_sansio_impl.py")),
    ("live flush: inbox queries (async side)", ("load_entries (domain", "read_marks (domain")),
    ("live flush: Jinja render of the inbox", ("region (web/render.py", "render (jinja2")),
    ("live flush: the rest (sessions check, gather)", ("_flush (web/live.py",)),
    ("webhook ingest (route, async side)", ("green_api_webhook (web/routes/webhooks.py",)),
    ("SQLAlchemy sync half (greenlet): INSERT/UPDATE", ("_BulkORMInsert", "_BulkORMUpdate", "commit (sql")),
    ("SQLAlchemy sync half (greenlet): SELECT, ORM rows", ("Session.execute (sqlalchemy",)),
    ("uvicorn HTTP protocol", ("httptools_impl.py",)),
    ("live hub: Redis subscription", ("_listen_forever (web/live.py",)),
]


def parse_collapsed(path: Path) -> tuple[Counter[str], Counter[str], int]:
    """py-spy raw output: (samples per bucket, own samples per function, samples in all)."""
    buckets: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    if not path.exists():
        return buckets, own, 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = stack.split(";")
        for name, needles in BUCKETS:
            if any(needle in frame for frame in frames for needle in needles):
                buckets[name] += count
                break
        else:
            buckets["other Python"] += count
        own[_short(frames[-1])] += count
    return buckets, own, total


def _short(frame: str) -> str:
    # "function (path/to/file.py:123)" -> "function (file.py:123)"
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    file, _, line = where.rpartition(":")
    return f"{name} ({Path(file).name}:{line})" if file else frame


# ---------------------------------------------------------------- PostgreSQL transactions per process


def tcp_ports(pid: int, remote_port: int) -> set[int]:
    """Local ports of a process's TCP connections to ``remote_port`` (e.g. PostgreSQL's), from /proc."""
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        lines = Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]
    except OSError:
        return set()
    ports = set()
    for line in lines:
        fields = line.split()
        if fields[9] in inodes and int(fields[2].rsplit(":", 1)[1], 16) == remote_port:
            ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


SLOW_XACT = 0.02  # seconds


@dataclass
class XactSampler:
    """Samples ``pg_stat_activity`` every ``interval``: per web process, how many of its connections are
    inside a transaction, and how old each transaction is. A live flush holds one transaction (one
    session) while it renders every view, so on a process that only pushes, transaction age = flush
    duration so far and concurrent transactions = overlapping flushes."""

    dsn: str
    pids: dict[str, int]
    interval: float = 0.02
    concurrency: dict[str, list[int]] = field(default_factory=dict)
    durations: dict[str, dict[tuple[int, float], float]] = field(default_factory=dict)
    # what transactions older than SLOW_XACT were waiting on when sampled (IO:WalSync = the disk)
    waits: Counter[str] = field(default_factory=Counter)
    samples: int = 0

    async def run(self, stop: asyncio.Event) -> None:
        import asyncpg

        conn = await asyncpg.connect(self.dsn)
        owner: dict[int, str] = {}
        try:
            while not stop.is_set():
                rows = await conn.fetch(
                    "SELECT pid, client_port, extract(epoch FROM xact_start)::float8 AS started, "
                    "extract(epoch FROM clock_timestamp() - xact_start)::float8 AS age, "
                    "coalesce(wait_event_type || ':' || wait_event, state) AS waiting "
                    "FROM pg_stat_activity WHERE datname = current_database() "
                    "AND xact_start IS NOT NULL AND pid <> pg_backend_pid()"
                )
                if any(r["client_port"] not in owner for r in rows):
                    pg_port = urlsplit(self.dsn).port or 5432
                    owner = {
                        port: name for name, pid in self.pids.items() for port in tcp_ports(pid, pg_port)
                    }
                counts = dict.fromkeys(self.pids, 0)
                for r in rows:
                    name = owner.get(r["client_port"])
                    if name is None:
                        continue
                    counts[name] += 1
                    ages = self.durations.setdefault(name, {})
                    key = (r["pid"], r["started"])
                    ages[key] = max(ages.get(key, 0.0), r["age"])
                    if r["age"] >= SLOW_XACT:
                        self.waits[r["waiting"] or "?"] += 1
                for name, count in counts.items():
                    self.concurrency.setdefault(name, []).append(count)
                self.samples += 1
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.interval)
        finally:
            await conn.close()


# ---------------------------------------------------------------- cost model of one flush


@dataclass
class FlushCost:
    views: int
    region_bytes: int  # the full region of one view (sent on every connect)
    full_ms: float  # loading and rendering every view's full region, median of runs
    update_bytes: int  # what a push sends one view after one guest message
    update_ms: float  # loading and rendering every view's update after one guest message, median
    send_ms: float  # one websocket frame of that update, uvicorn's protocol, into a buffer


async def flush_cost(database_url: str, staff_ids: list, repeats: int = 7) -> FlushCost:  # type: ignore[type-arg]
    """Times the product's own code (``web.render``) in this process, on a quiet loop: what a live
    push costs before any contention, for all views of one process."""
    import statistics

    import asyncpg

    from domain.db import create_engine, session_factory
    from domain.staff.service import hotel_roles
    from domain.uow import DriverUnitOfWork, UnitOfWork
    from web.auth import Actor
    from web.render import RegionRenderer, template_environment
    from web.sessions import StaffSession

    engine = create_engine(database_url, pool_size=2)
    sessions = session_factory(engine)
    pool = await asyncpg.create_pool(
        database_url.replace("postgresql+asyncpg://", "postgresql://"), min_size=1, max_size=2
    )
    env = template_environment()
    try:
        actors = []
        async with UnitOfWork(sessions, None) as uow:  # type: ignore[arg-type]
            for staff_id in staff_ids:
                roles = await hotel_roles(uow, staff_id)
                session = StaffSession("bench", staff_id, roles[0].hotel_id, "", 0.0)
                actors.append(Actor(session, staff_id, "Staff", "staff@bench.example", roles[0], roles))
        hotel_id = actors[0].hotel_id
        viewers = [(actor.staff_id, None) for actor in actors]

        async def renderer() -> RegionRenderer:
            async with DriverUnitOfWork(pool, None) as reader:  # type: ignore[arg-type]
                return await RegionRenderer.prepare(
                    env, reader, sessions, hotel_id, timezone="UTC", viewers=viewers
                )

        full: list[float] = []
        update: list[float] = []
        region = changes = ""
        for n in range(repeats):
            wall = time.perf_counter()
            first = await renderer()
            shown = {}
            for actor in actors:
                region, shown[actor.staff_id] = first.region(actor, None)
            full.append(time.perf_counter() - wall)
            # one guest writes again: the oldest conversation of the AI's moves to the top
            await pool.execute(
                "UPDATE conversations SET last_message_at = now(), last_message_preview = $2 WHERE id = "
                "(SELECT id FROM conversations WHERE hotel_id = $1 AND state = 'ai' "
                "ORDER BY last_message_at LIMIT 1)",
                hotel_id,
                f"cost model {n}",
            )
            wall = time.perf_counter()
            second = await renderer()
            for actor in actors:
                changes, _ = second.region(actor, None, shown[actor.staff_id])
            update.append(time.perf_counter() - wall)
        return FlushCost(
            views=len(actors),
            region_bytes=len(region.encode()),
            full_ms=statistics.median(full) * 1000,
            update_bytes=len(changes.encode()),
            update_ms=statistics.median(update) * 1000,
            send_ms=_frame_cost(changes) * 1000,
        )
    finally:
        await pool.close()
        await engine.dispose()


def _frame_cost(text: str, rounds: int = 2000) -> float:
    """Seconds to frame one text message with the websockets library uvicorn uses (no socket)."""
    from websockets.frames import Frame, Opcode

    data = text.encode()
    wall = time.perf_counter()
    for _ in range(rounds):
        Frame(Opcode.TEXT, data).serialize(mask=False, extensions=[])
    return (time.perf_counter() - wall) / rounds

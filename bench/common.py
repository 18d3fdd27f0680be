"""Shared plumbing of the benchmarks: throwaway servers, subprocesses, a load client, statistics.

Import this module before anything from ``domain``: it fixes ``SECRET_KEY`` for the run, so the
hotel tokens the benchmark writes are encrypted with the key its subprocesses get.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import math
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Coroutine, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit
from uuid import UUID

import httpx

warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
T = TypeVar("T")

# One key per run, in this process before any settings are read, and in every subprocess.
os.environ["SECRET_KEY"] = secrets.token_urlsafe(32)


# ---------------------------------------------------------------- running coroutines


def run(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on uvloop when it is installed (a cheaper load generator)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


# ---------------------------------------------------------------- servers and subprocesses


@dataclass
class Stack:
    """Embedded PostgreSQL (durable) and Redis, plus every subprocess the benchmark started."""

    log_dir: Path
    database_url: str
    redis_url: str
    postmaster_pid: int
    redis_pid: int
    processes: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)

    @property
    def asyncpg_dsn(self) -> str:
        return self.database_url.replace("postgresql+asyncpg://", "postgresql://", 1)

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        for name in ("LOG_LEVEL", "LOG_FORMAT", "REDIS_PREFIX", "PUBLIC_BASE_URL"):
            env.pop(name, None)
        env.update(
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            SECRET_KEY=os.environ["SECRET_KEY"],
            WORKER_METRICS_PORT="0",  # no fixed port: it may be taken
            PYTHONUNBUFFERED="1",
        )
        env.update(extra)
        return env

    def spawn(self, name: str, args: Sequence[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        """``python ARGS`` from the project root, in its own session (Ctrl-C reaches only us)."""
        log = (self.log_dir / f"{name}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, *args],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.processes.append((name, process))
        return process

    def stop(self, process: subprocess.Popen[bytes]) -> None:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes = [(n, p) for n, p in self.processes if p is not process]

    def stop_all(self) -> None:
        for _, process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for _, process in reversed(self.processes):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes = []

    def check_alive(self) -> None:
        """Fail at once, with its log, if a process the benchmark started has died."""
        for name, process in self.processes:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{self.log_tail(name)}")

    def log_tail(self, name: str, lines: int = 20) -> str:
        path = self.log_dir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def wait_http(self, url: str, process: subprocess.Popen[bytes], name: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{self.log_tail(name)}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url, timeout=1).status_code < 500:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"{url} ({name}) did not come up within {timeout:.0f} s:\n{self.log_tail(name)}")


@contextlib.contextmanager
def bench_stack(*, keep_logs: bool = False) -> Iterator[Stack]:
    """Start PostgreSQL and Redis, migrate; on the way out (also on Ctrl-C) stop and remove everything."""
    import embedded
    from tests.support.migrate import upgrade_head

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)
    log_dir = Path(tempfile.mkdtemp(prefix="hotelbot-bench-"))
    servers: list[Any] = []
    stack: Stack | None = None
    failed = True
    try:
        pg = embedded.EmbeddedPostgres(durable=True)  # its own temporary directory, removed after
        servers.append(pg)
        pg.start()
        redis = embedded.EmbeddedRedis()
        servers.append(redis)
        redis.start()
        upgrade_head(pg.url)
        pid_file = pg.data_dir / "pgdata" / "postmaster.pid"
        assert redis.process is not None
        stack = Stack(log_dir, pg.url, redis.url, int(pid_file.read_text().split()[0]), redis.process.pid)
        yield stack
        failed = False
    except KeyboardInterrupt:
        failed = False
        raise
    finally:
        tear_down(stack, servers, log_dir, keep_logs=failed or keep_logs)


async def postgres_settings(dsn: str) -> dict[str, str]:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        return {
            name: str(await conn.fetchval(f"SHOW {name}"))
            for name in ("server_version", "fsync", "synchronous_commit", "wal_sync_method")
        }
    finally:
        await conn.close()


PG_COUNTERS = ("xact_commit", "xact_rollback", "tup_inserted", "tup_updated", "wal_sync", "wal_bytes")


async def pg_counters(dsn: str) -> dict[str, float]:
    """Cumulative PostgreSQL counters. Backends report them when they exit (or ~every 10 s idle),
    so take differences around a server's whole life: before it starts, after it stopped."""
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        db = await conn.fetchrow(
            "SELECT xact_commit, xact_rollback, tup_inserted, tup_updated FROM pg_stat_database "
            "WHERE datname = current_database()"
        )
        wal = await conn.fetchrow("SELECT wal_sync, wal_bytes FROM pg_stat_wal")
        return {k: float(v) for k, v in [*db.items(), *wal.items()]}
    finally:
        await conn.close()


async def seed_hotel(
    database_url: str, *, ai_enabled: bool, api_token: str, webhook_token: str
) -> tuple[UUID, int]:
    """A hotel with the demo knowledge base; answers its id and Green API instance id."""
    import domain.models  # noqa: F401 - every table registered before the first query
    from domain.db import create_engine, session_factory
    from tests.support.factories import make_hotel

    engine = create_engine(database_url, pool_size=1)
    try:
        hotel = await make_hotel(
            session_factory(engine), api_token=api_token, webhook_token=webhook_token, ai_enabled=ai_enabled
        )
    finally:
        await engine.dispose()
    assert hotel.green_api_instance_id is not None
    return hotel.id, hotel.green_api_instance_id


def free_port() -> int:
    import embedded

    return embedded.free_port()


def serve_args(port: int) -> list[str]:
    return ["-m", "cli", "serve", "--host", HOST, "--port", str(port)]


# ---------------------------------------------------------------- load clients


class Client(Protocol):
    async def post(self, path: str, body: bytes) -> int: ...

    async def aclose(self) -> None: ...


class _Conn:
    __slots__ = ("idle_since", "reader", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader = reader
        self.writer = writer
        self.idle_since = 0.0


def _unsupported(head: bytes) -> None:
    raise RuntimeError(f"the raw client needs a Content-Length response: {head[:200]!r}")


class RawClient:
    """HTTP/1.1 keep-alive POSTs over plain asyncio streams: a few microseconds of client CPU each.

    A pool of idle connections; a request takes one (or opens one) and puts it back after the
    response, so N concurrent callers use at most N connections. Like any HTTP client it drops
    connections idle for longer than the server keeps them (uvicorn: 5 s) and retries once when a
    reused connection turns out to be closed before any answer (webhooks are idempotent).
    """

    KEEP_IDLE = 4.0

    def __init__(self, base_url: str, headers: dict[str, str]):
        parts = urlsplit(base_url)
        self.host = parts.hostname or HOST
        self.port = parts.port or 80
        self._head = "".join(f"{k}: {v}\r\n" for k, v in {"Host": parts.netloc, **headers}.items()).encode()
        self._idle: list[_Conn] = []

    async def _take(self) -> tuple[_Conn, bool]:
        now = time.monotonic()
        while self._idle:
            conn = self._idle.pop()
            if now - conn.idle_since < self.KEEP_IDLE:
                return conn, True
            conn.writer.close()
        reader, writer = await asyncio.open_connection(self.host, self.port)
        return _Conn(reader, writer), False

    async def post(self, path: str, body: bytes) -> int:
        request = b"POST %s HTTP/1.1\r\n%sContent-Length: %d\r\n\r\n%s" % (
            path.encode(),
            self._head,
            len(body),
            body,
        )
        conn, reused = await self._take()
        try:
            return await self._exchange(conn, request)
        except (asyncio.IncompleteReadError, ConnectionResetError, BrokenPipeError) as exc:
            if not reused or (isinstance(exc, asyncio.IncompleteReadError) and exc.partial):
                raise
        conn, _ = await self._take()  # the server had closed a kept-alive connection: once more
        return await self._exchange(conn, request)

    async def _exchange(self, conn: _Conn, request: bytes) -> int:
        try:
            conn.writer.write(request)
            head = await conn.reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            lower = head.lower()
            at = lower.find(b"\r\ncontent-length:")
            if at < 0:
                _unsupported(head)
            length = int(lower[at + 17 : lower.index(b"\r\n", at + 2)])
            if length:
                await conn.reader.readexactly(length)
        except BaseException:
            conn.writer.close()
            raise
        if b"\r\nconnection: close" in lower:
            conn.writer.close()
        else:
            conn.idle_since = time.monotonic()
            self._idle.append(conn)
        return status

    async def aclose(self) -> None:
        for conn in self._idle:
            conn.writer.close()
        self._idle.clear()


class HttpxClient:
    def __init__(self, base_url: str, headers: dict[str, str]):
        self._http = httpx.AsyncClient(
            base_url=base_url,
            headers=headers,
            timeout=30,
            limits=httpx.Limits(max_connections=1000, max_keepalive_connections=1000),
        )

    async def post(self, path: str, body: bytes) -> int:
        return (await self._http.post(path, content=body)).status_code

    async def aclose(self) -> None:
        await self._http.aclose()


def make_client(kind: str, base_url: str, headers: dict[str, str]) -> Client:
    return RawClient(base_url, headers) if kind == "raw" else HttpxClient(base_url, headers)


# ---------------------------------------------------------------- load patterns


@dataclass
class LoadResult:
    latencies: list[float]  # seconds, every answered request
    elapsed: float
    ok: int
    statuses: Counter[str]
    timeline: list[tuple[float, float]] = field(default_factory=list)  # (sent at, latency), open loop

    def per_second_p99(self) -> list[float]:
        """p99 latency of the requests scheduled in each second of an open-loop run."""
        seconds: dict[int, list[float]] = {}
        for at, latency in self.timeline:
            seconds.setdefault(int(at), []).append(latency)
        return [percentile(seconds[s], 99) for s in sorted(seconds)]

    @property
    def errors(self) -> int:
        return sum(self.statuses.values()) - self.ok

    @property
    def rate(self) -> float:
        return self.ok / self.elapsed if self.elapsed > 0 else 0.0


@contextlib.contextmanager
def no_gc_pauses() -> Iterator[None]:
    """The load generator's own garbage collection off while it measures: a full collection of its
    heap (the bodies and the latencies so far) took ~100 ms here, and every request scheduled
    meanwhile counted it as the server's latency."""
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


async def closed_loop(client: Client, path: str, bodies: Iterable[bytes], concurrency: int) -> LoadResult:
    """``concurrency`` workers, each sending its next request as soon as the last one is answered."""
    queue = iter(bodies)
    latencies: list[float] = []
    statuses: Counter[str] = Counter()

    async def worker() -> None:
        for body in queue:
            started = time.perf_counter()
            try:
                status = await client.post(path, body)
            except Exception as exc:
                statuses[type(exc).__name__] += 1
                continue
            latencies.append(time.perf_counter() - started)
            statuses[str(status)] += 1

    with no_gc_pauses():
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return LoadResult(latencies, elapsed, statuses["200"], statuses)


async def open_loop(client: Client, path: str, bodies: Sequence[bytes], rate: float) -> LoadResult:
    """Request i is sent at t0 + i/rate whether or not earlier ones were answered.

    Latency counts from the scheduled send time, so a stalled server (or a late client) shows up
    as latency instead of silently lowering the offered rate (no coordinated omission).
    """
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    timeline: list[tuple[float, float]] = []

    async def one(body: bytes, scheduled: float) -> None:
        try:
            status = await client.post(path, body)
        except Exception as exc:
            statuses[type(exc).__name__] += 1
            return
        latency = time.perf_counter() - scheduled
        latencies.append(latency)
        timeline.append((scheduled - t0, latency))
        statuses[str(status)] += 1

    tasks: list[asyncio.Task[None]] = []
    with no_gc_pauses():
        t0 = time.perf_counter() + 0.01
        for i, body in enumerate(bodies):
            scheduled = t0 + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(body, scheduled)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - t0
    return LoadResult(latencies, elapsed, statuses["200"], statuses, timeline)


# ---------------------------------------------------------------- CPU accounting

_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return []
    return raw.rsplit(")", 1)[1].split()


def cpu_seconds(pid: int, *, children: bool = False) -> float:
    """CPU time of a process; with ``children``, plus its live children and the ones it reaped.

    PostgreSQL backends are children of the postmaster, so ``cpu_seconds(postmaster, children=True)``
    is the whole server's CPU time.
    """
    fields = _stat(pid)
    if not fields:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                child = _stat(int(entry.name))
                if child and int(child[1]) == pid:
                    ticks += int(child[11]) + int(child[12])
    return ticks / _TICK


def machine_busy_seconds() -> float:
    """CPU time every core spent busy since boot (``/proc/stat``), all processes."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / _TICK


@dataclass
class CpuMeter:
    """CPU used while a phase ran: by the server under test, PostgreSQL, Redis, this process, others."""

    stack: Stack
    server_pid: int
    start: dict[str, float] = field(default_factory=dict)
    used: dict[str, float] = field(default_factory=dict)

    def _sample(self) -> dict[str, float]:
        return {
            "server": cpu_seconds(self.server_pid),
            "pg": cpu_seconds(self.stack.postmaster_pid, children=True),
            "redis": cpu_seconds(self.stack.redis_pid),
            "client": time.process_time(),
            "machine": machine_busy_seconds(),
        }

    def __enter__(self) -> CpuMeter:
        self.start = self._sample()
        return self

    def __exit__(self, *_: object) -> None:
        end = self._sample()
        self.used = {name: end[name] - self.start[name] for name in end}
        ours = sum(v for k, v in self.used.items() if k != "machine")
        self.used["other"] = max(0.0, self.used["machine"] - ours)


# ---------------------------------------------------------------- statistics and tables


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of ``values`` (any order); NaN for none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))]


def ms(seconds: float) -> str:
    return "-" if math.isnan(seconds) else f"{seconds * 1000:.1f}"


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(c) for c in header], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = []
    for n, row in enumerate(cells):
        lines.append(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def tear_down(stack: Any, servers: list[Any], log_dir: Path, *, keep_logs: bool) -> None:
    """Stop our processes, then the servers, and keep the logs only when asked (or on failure)."""
    # A second Ctrl-C (or uv forwarding the first one again) must not cut the cleanup short.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_IGN)
    if stack is not None:
        stack.stop_all()
    for server in reversed(servers):
        with contextlib.suppress(Exception):
            server.cleanup()
    if keep_logs:
        print(f"logs kept in {log_dir}", file=sys.stderr)
    else:
        shutil.rmtree(log_dir, ignore_errors=True)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)

"""Live dashboard fan-out: guest webhook in, the staff websocket ``/live`` showing it, at scale.

    uv run python -m bench.live [--sockets 200] [--staff 20] [--rate 100] [--seconds 10]
                                [--capacity 2000] [--profile] ...

Starts a durable embedded PostgreSQL and Redis, migrates, seeds one hotel with ``ai_enabled=False``
(no worker runs: only ingest and the live fan-out are measured) and ``--staff`` staff members, and
TWO web processes (``python -m cli serve``, same environment) that share events through Redis.

1. Latency: each staff member signs in once (the login form, as a browser); ``--sockets`` websockets
   are opened round-robin over the two processes and the staff members (so each process renders one
   view per staff member per flush, shared only by that member's sockets there), each waits for its
   full region; then guest webhooks go to process 1 at ``--rate`` per second for ``--seconds``, each
   text carrying a unique marker. Per (socket, message): time from the webhook's scheduled send time
   to the first frame containing its marker; not seen within 5 s = lost.
2. Capacity: ``--capacity`` idle sockets per process (one staff member), memory per socket, and one
   broadcast that every socket must receive (the marker checked on a sample).

Target: p99 < 50 ms at 200 sockets and 100 messages/s (none lost); >= 2,000 open sockets per process.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import re
import secrets
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from uuid import UUID

from bench import common
from bench import live_support as ls
from bench.common import HOST, Stack, ms, percentile, table

PATH = "/webhooks/green-api"
P99_TARGET_MS = 50.0
CAPACITY_TARGET = 2000
LOST_AFTER = 5.0
ANSWER_WAIT = 10.0  # after the markers' deadline, for the last webhooks' HTTP answers
SAMPLE = 100
T = TypeVar("T")


@dataclass
class Web:
    name: str
    port: int
    pid: int

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"


@dataclass
class Sock:
    client: ls.WsClient
    web: Web
    staff: int


@dataclass
class Cpu:
    """CPU seconds used between two samples, per part of the machine."""

    webs: list[Web]
    stack: Stack
    start: dict[str, float] = field(default_factory=dict)
    used: dict[str, float] = field(default_factory=dict)
    elapsed: float = 0.0

    def _sample(self) -> dict[str, float]:
        sample = {web.name: common.cpu_seconds(web.pid) for web in self.webs}
        sample.update(
            pg=common.cpu_seconds(self.stack.postmaster_pid, children=True),
            redis=common.cpu_seconds(self.stack.redis_pid),
            client=time.process_time(),
            machine=common.machine_busy_seconds(),
            wall=time.perf_counter(),
        )
        return sample

    def __enter__(self) -> Cpu:
        self.start = self._sample()
        return self

    def __exit__(self, *_: object) -> None:
        end = self._sample()
        self.used = {k: end[k] - self.start[k] for k in end}
        self.elapsed = self.used.pop("wall")
        ours = sum(v for k, v in self.used.items() if k != "machine")
        self.used["other"] = max(0.0, self.used.pop("machine") - ours)

    def line(self) -> str:
        parts = [f"{k} {v / self.elapsed * 100:.0f}%" for k, v in self.used.items()]
        return "CPU (100% = one core of 2): " + ", ".join(parts)


# ---------------------------------------------------------------- setup


def webhook(id_instance: int, text: str, guest: int, id_message: str) -> bytes:
    from tests.support.factories import incoming

    return json.dumps(
        incoming(
            id_instance,
            text=text,
            chat_id=f"4917{guest:08d}@c.us",
            id_message=id_message,
            sender_name=f"Guest {guest}",
        )
    ).encode()


async def make_staff_accounts(database_url: str, hotel_id: UUID, count: int) -> tuple[list[str], list[UUID]]:
    from domain.db import create_engine, session_factory
    from domain.staff.models import Role
    from tests.support.web import make_staff

    engine = create_engine(database_url, pool_size=1)
    emails = [f"staff{i:02d}@bench.example" for i in range(count)]
    ids = []
    try:
        for i, email in enumerate(emails):
            ids.append(
                await make_staff(session_factory(engine), hotel_id, email, Role.AGENT, f"Staff {i:02d}")
            )
    finally:
        await engine.dispose()
    return emails, ids


async def bounded(limit: int, count: int, make: Callable[[int], Awaitable[T]]) -> list[T | BaseException]:
    """``make(0)`` ... ``make(count - 1)``, at most ``limit`` at a time; exceptions are returned."""
    gate = asyncio.Semaphore(limit)

    async def one(i: int) -> T:
        async with gate:
            return await make(i)

    return await asyncio.gather(*(one(i) for i in range(count)), return_exceptions=True)


def socket_headers(web: Web, cookie: str) -> dict[str, str]:
    return {"Origin": web.url, "Cookie": cookie, "User-Agent": "bench.live"}


# ---------------------------------------------------------------- phase 1: latency


@dataclass
class Phase1:
    socks: list[Sock]
    paced: ls.Paced
    count: int
    latencies: dict[str, list[float]]  # per web process, every delivered (socket, message) pair
    timeline: list[tuple[float, float]]  # (scheduled - t0, latency)
    lost: int
    superseded: int
    frames: int
    frames_elapsed: float
    wire_bytes: int
    text_bytes: int
    rss_before: dict[str, float]
    rss_after: dict[str, float]
    open_seconds: float
    cpu: Cpu
    redis_calls: dict[str, int]
    profiles: dict[str, Path]
    region_bytes: float
    xacts: ls.XactSampler
    views: dict[str, int]
    first_seen: list[float]  # per webhook: the first time any socket showed its marker


async def phase1(
    stack: Stack,
    args: argparse.Namespace,
    webs: list[Web],
    cookies: list[str],
    id_instance: int,
    client: common.Client,
    run: str,
) -> Phase1:
    marker = re.compile(rb"LV" + run.encode() + rb"x(\d{6})")
    region_sizes: list[int] = []

    def on_text(c: ls.WsClient, data: bytes, now: float) -> None:
        if c.messages == 1:
            region_sizes.append(len(data) if b'id="inbox-list"' in data else -1)
            return
        seen = c.seen  # raw digits as keys: most markers in a frame were seen before, keep it cheap
        for raw in marker.findall(data):
            if raw not in seen:
                seen[raw] = now

    rss_before = {w.name: ls.rss_mib(w.pid) for w in webs}
    started = time.perf_counter()

    async def connect(i: int) -> Sock:
        web = webs[i % len(webs)]
        staff = (i // len(webs)) % len(cookies)  # every member's sockets on both processes
        c = await ls.open_socket(
            HOST,
            web.port,
            "/live",
            socket_headers(web, cookies[staff]),
            deflate=args.deflate,
            on_text=on_text,
        )
        if not await c.wait_messages(1, 15):
            raise RuntimeError(f"socket {i} got no full region (close code {c.close_code})")
        return Sock(c, web, staff)

    opened = await bounded(args.connect_concurrency, args.sockets, connect)
    failures = [o for o in opened if isinstance(o, BaseException)]
    if failures:
        raise RuntimeError(f"{len(failures)} of {args.sockets} sockets failed to open: {failures[0]!r}")
    socks: list[Sock] = [o for o in opened if isinstance(o, Sock)]
    open_seconds = time.perf_counter() - started
    if any(size < 0 for size in region_sizes):
        raise RuntimeError("a socket's first frame was not the full region")
    await asyncio.sleep(1.0)
    rss_after = {w.name: ls.rss_mib(w.pid) for w in webs}

    count = round(args.rate * args.seconds)
    bodies = [
        webhook(
            id_instance,
            f"LV{run}x{i:06d} is breakfast served on the terrace?",
            i % args.guests,
            f"LIVE{run}{i:010d}",
        )
        for i in range(count)
    ]
    frames_before = sum(s.client.messages for s in socks)
    wire_before = sum(s.client.wire_bytes for s in socks)
    text_before = sum(s.client.text_bytes for s in socks)
    calls_before = await ls.redis_commandstats(stack.redis_url)
    profiles: dict[str, Path] = {}
    if args.profile:
        for web in webs:
            out = Path(tempfile.gettempdir()) / f"bench-live-{run}-{web.name}.txt"
            profiles[web.name] = out
            stack.processes.append((f"py-spy {web.name}", ls.start_py_spy(web.pid, args.seconds, out)))
    sampler = ls.XactSampler(stack.asyncpg_dsn, {w.name: w.pid for w in webs})
    stop = asyncio.Event()
    sampling = asyncio.create_task(sampler.run(stop))
    with Cpu(webs, stack) as cpu:
        t0 = time.perf_counter() + 0.05
        paced = ls.Paced([t0 + i / args.rate for i in range(count)])
        sending = asyncio.create_task(ls.paced_posts(lambda body: client.post(PATH, body), bodies, paced))
        deadline = paced.scheduled[-1] + LOST_AFTER
        while time.perf_counter() < deadline:
            if sending.done() and all(len(s.client.seen) >= count for s in socks):
                break
            await asyncio.sleep(0.05)
    # Webhooks still unanswered: wait a little longer for their answers (not for their markers).
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(sending), ANSWER_WAIT)
    sending.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await sending
    unanswered = sum(1 for a in paced.answered if a != a)
    if unanswered:
        paced.statuses[f"no answer within {LOST_AFTER + ANSWER_WAIT:g} s"] += unanswered
    stop.set()
    await sampling
    last_frame = max(s.client.last_at for s in socks)
    calls_after = await ls.redis_commandstats(stack.redis_url)
    for name, process in list(stack.processes):
        if name.startswith("py-spy"):
            try:
                await asyncio.to_thread(process.wait, 30)
            finally:
                stack.stop(process)

    latencies: dict[str, list[float]] = {w.name: [] for w in webs}
    timeline: list[tuple[float, float]] = []
    lost = superseded = 0
    seen_by = {s.client: {int(k): v for k, v in s.client.seen.items()} for s in socks}
    for s in socks:
        seen = seen_by[s.client]
        newest = max(seen, default=-1)
        for i, scheduled in enumerate(paced.scheduled):
            at = seen.get(i)
            if at is None or at - scheduled > LOST_AFTER:
                lost += 1
                # A later message of the same guest replaced this one in the inbox row first.
                later = range(i + args.guests, newest + 1, args.guests)
                superseded += any(j in seen for j in later)
                continue
            latencies[s.web.name].append(at - scheduled)
            timeline.append((scheduled - t0, at - scheduled))
    first_seen = [
        min((seen.get(i, math.inf) for seen in seen_by.values()), default=math.inf) for i in range(count)
    ]
    return Phase1(
        first_seen=first_seen,
        socks=socks,
        paced=paced,
        count=count,
        latencies=latencies,
        timeline=timeline,
        lost=lost,
        superseded=superseded,
        frames=sum(s.client.messages for s in socks) - frames_before,
        frames_elapsed=max(1e-9, last_frame - t0),
        wire_bytes=sum(s.client.wire_bytes for s in socks) - wire_before,
        text_bytes=sum(s.client.text_bytes for s in socks) - text_before,
        rss_before=rss_before,
        rss_after=rss_after,
        open_seconds=open_seconds,
        cpu=cpu,
        redis_calls={k: calls_after.get(k, 0) - calls_before.get(k, 0) for k in calls_after},
        profiles=profiles,
        region_bytes=sum(region_sizes) / max(1, len(region_sizes)),
        xacts=sampler,
        views={w.name: len({s.staff for s in socks if s.web is w}) for w in webs},
    )


# ---------------------------------------------------------------- phase 2: capacity


@dataclass
class Phase2:
    per_web: int
    opened: dict[str, int]
    failures: Counter[str]
    open_seconds: float
    rss_before: dict[str, float]
    rss_after: dict[str, float]
    fds: dict[str, int]
    still_open: dict[str, int]
    received: dict[str, int]
    sample_ok: int
    sample_size: int
    broadcast_latencies: list[float]
    close_codes: Counter[str]
    held: float
    pinged: int  # sockets that answered at least one server ping
    connect_cpu: Cpu  # while the sockets were being opened


async def phase2(
    stack: Stack,
    args: argparse.Namespace,
    webs: list[Web],
    cookie: str,
    id_instance: int,
    client: common.Client,
    run: str,
) -> tuple[Phase2, list[Sock]]:
    number = 999_999
    needle = f"LV{run}x{number:06d}".encode()
    sample_ok: set[ls.WsClient] = set()

    def on_text(c: ls.WsClient, data: bytes, _now: float) -> None:
        if needle in data:
            sample_ok.add(c)

    rss_before = {w.name: ls.rss_mib(w.pid) for w in webs}
    total = args.capacity * len(webs)
    per_web_sample = SAMPLE // len(webs)
    step = max(1, args.capacity // per_web_sample)

    async def connect(i: int) -> Sock:
        web = webs[i % len(webs)]
        j = i // len(webs)  # this socket's number on its process
        inspect = j % step == 0 and j // step < per_web_sample  # spread over both, and over time
        c = await ls.open_socket(
            HOST,
            web.port,
            "/live",
            socket_headers(web, cookie),
            deflate=args.deflate,
            inspect=inspect,
            on_text=on_text if inspect else None,
            within=60,
        )
        if not await c.wait_messages(1, 60):
            if c.transport is not None:
                c.transport.close()
            raise RuntimeError(f"no full region (close code {c.close_code})")
        return Sock(c, web, 0)

    started = time.perf_counter()
    with Cpu(webs, stack) as connect_cpu:
        results = await bounded(args.connect_concurrency, total, connect)
    open_seconds = time.perf_counter() - started
    socks = [r for r in results if isinstance(r, Sock)]
    failures: Counter[str] = Counter(
        f"{type(r).__name__}: {str(r)[:80]}" for r in results if isinstance(r, BaseException)
    )
    opened = {w.name: sum(1 for s in socks if s.web is w) for w in webs}
    print(
        f"  capacity: {sum(opened.values())} of {total} sockets open in {open_seconds:.1f} s"
        + (f", failures {dict(failures)}" if failures else ""),
        flush=True,
    )
    await asyncio.sleep(2.0)
    rss_after = {w.name: ls.rss_mib(w.pid) for w in webs}
    fds = {w.name: ls.open_fds(w.pid) for w in webs}

    held = 0.0
    if args.hold > 0:
        print(f"  holding them idle {args.hold:g} s (uvicorn pings every 20 s)...", flush=True)
        await asyncio.sleep(args.hold)
        held = args.hold
    before = {s.client: s.client.messages for s in socks}
    for s in socks:
        s.client.expect_next()
    body = webhook(id_instance, f"LV{run}x{number:06d} broadcast to everyone", 0, f"LIVE{run}CAP")
    sent = time.perf_counter()
    status = await client.post(PATH, body)
    if status != 200:
        raise RuntimeError(f"the broadcast webhook answered {status}")
    deadline = sent + 15
    while time.perf_counter() < deadline:
        if all(s.client.messages > before[s.client] or not s.client.open for s in socks):
            break
        await asyncio.sleep(0.05)
    got = [s for s in socks if s.client.messages > before[s.client]]
    sample = [s for s in socks if s.client.inspect]
    return Phase2(
        per_web=args.capacity,
        opened=opened,
        failures=failures,
        open_seconds=open_seconds,
        rss_before=rss_before,
        rss_after=rss_after,
        fds=fds,
        still_open={w.name: sum(1 for s in socks if s.web is w and s.client.open) for w in webs},
        received={w.name: sum(1 for s in got if s.web is w) for w in webs},
        sample_ok=sum(1 for s in sample if s.client in sample_ok),
        sample_size=len(sample),
        broadcast_latencies=[s.client.next_at - sent for s in got if s.client.next_at],
        close_codes=Counter(str(s.client.close_code) for s in socks if not s.client.open),
        held=held,
        pinged=sum(1 for s in socks if s.client.pings),
        connect_cpu=connect_cpu,
    ), socks


# ---------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.live", description=__doc__.split("\n")[0])
    parser.add_argument("--sockets", type=int, default=200, help="phase 1 websockets (default 200)")
    parser.add_argument("--staff", type=int, default=20, help="distinct staff members (default 20)")
    parser.add_argument("--rate", type=float, default=100.0, help="guest webhooks per second (default 100)")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long to send them (default 10)")
    parser.add_argument(
        "--guests", type=int, default=50, help="distinct guests, round-robin (default 50; <= 100 rows)"
    )
    parser.add_argument(
        "--capacity", type=int, default=2000, help="phase 2 idle sockets per web process (default 2000)"
    )
    parser.add_argument("--hold", type=float, default=0.0, help="keep the idle sockets this long first")
    parser.add_argument("--connect-concurrency", type=int, default=50, help="handshakes in flight")
    parser.add_argument(
        "--no-deflate",
        dest="deflate",
        action="store_false",
        help="do not offer permessage-deflate (browsers do; the default offers it)",
    )
    parser.add_argument("--profile", action="store_true", help="py-spy both web processes in phase 1")
    parser.add_argument("--skip-capacity", action="store_true", help="only phase 1")
    parser.add_argument("--keep-logs", action="store_true", help="keep the subprocess logs")
    args = parser.parse_args()
    if args.guests > 100:
        parser.error("--guests must be <= 100 (an inbox section shows 100 rows)")
    needed = args.sockets + args.capacity * 2 + 1024
    soft, _ = ls.raise_nofile(needed)
    if soft < needed:
        parser.error(f"the open-file limit is {soft}, {needed} needed")
    try:
        with common.bench_stack(keep_logs=args.keep_logs) as stack:
            common.run(bench(stack, args))
    except KeyboardInterrupt:
        print("\ninterrupted; everything stopped")
        raise SystemExit(130) from None


async def bench(stack: Stack, args: argparse.Namespace) -> None:
    settings = await common.postgres_settings(stack.asyncpg_dsn)
    webhook_token = secrets.token_urlsafe(16)
    hotel_id, id_instance = await common.seed_hotel(
        stack.database_url, ai_enabled=False, api_token="bench-api-token", webhook_token=webhook_token
    )
    emails, staff_ids = await make_staff_accounts(stack.database_url, hotel_id, args.staff)
    env = stack.env(
        GREEN_API_URL="http://127.0.0.1:9",  # never called: no worker runs
        DEEPSEEK_API_URL="http://127.0.0.1:9/v1",
        DEEPSEEK_API_KEY="sk-bench",
        AI_DEBOUNCE_SECONDS="0",
    )
    webs = []
    processes = []
    for n in (1, 2):
        port = common.free_port()
        process = stack.spawn(f"web{n}", common.serve_args(port), env)
        webs.append(Web(f"web{n}", port, process.pid))
        processes.append(process)
    for web, process in zip(webs, processes, strict=True):
        await asyncio.to_thread(stack.wait_http, f"{web.url}/health", process, web.name)
    print(
        f"live benchmark: {os.cpu_count()} cores, PostgreSQL {settings['server_version']} "
        f"(fsync={settings['fsync']}, synchronous_commit={settings['synchronous_commit']}), "
        f"2 web processes, permessage-deflate {'offered (as browsers do)' if args.deflate else 'off'}",
        flush=True,
    )
    print(
        "AI is disabled for the hotel (ai_enabled=False) and no worker runs: only ingest and the live "
        "fan-out are measured.",
        flush=True,
    )
    print(
        f"{args.staff} distinct staff members: each web process renders one view per staff member per "
        f"flush, shared only by that member's sockets on it ({args.sockets} sockets = "
        f"{args.sockets / args.staff / 2:g} per member per process); inbox of {args.guests} guests.",
        flush=True,
    )
    headers = {"Authorization": f"Bearer {webhook_token}", "Content-Type": "application/json"}
    client = common.make_client("raw", webs[0].url, headers)
    run = secrets.token_hex(2).upper()
    try:
        # Every guest exists and has a row before anyone looks: the inbox has its final size.
        warmup = [
            webhook(id_instance, f"hello from guest {i % args.guests}", i % args.guests, f"WARM{run}{i:06d}")
            for i in range(args.guests * 4)
        ]
        done = await common.closed_loop(client, PATH, warmup, 4)
        if done.errors:
            raise RuntimeError(f"warm-up answered {dict(done.statuses)}")
        cost = await ls.flush_cost(stack.database_url, staff_ids)
        cookies = list(
            await asyncio.gather(
                *(ls.sign_in(webs[i % 2].url, email, _password()) for i, email in enumerate(emails))
            )
        )
        stack.check_alive()
        print(f"  {len(cookies)} staff signed in; opening {args.sockets} sockets...", flush=True)
        one = await phase1(stack, args, webs, cookies, id_instance, client, run)
        stack.check_alive()
        print(
            f"  latency phase done: {one.count} webhooks at {args.rate:g}/s, {one.frames} frames",
            flush=True,
        )
        report1(args, webs, one)
        report_cost(args, webs, one, cost)
        await ls.close_all([s.client for s in one.socks])
        two: Phase2 | None = None
        if not args.skip_capacity:
            waited = await settle(webs)
            print(
                f"  web processes idle again {waited:.1f} s after phase 1 (its backlog drained)", flush=True
            )
            two, socks2 = await phase2(stack, args, webs, cookies[0], id_instance, client, run)
            stack.check_alive()
            report2(webs, two)
            await ls.close_all([s.client for s in socks2])
        verdict(args, one, two)
    finally:
        await client.aclose()


async def settle(webs: list[Web], *, idle: float = 0.05, limit: float = 60.0) -> float:
    """Wait until every web process uses under ``idle`` of a core; answers the seconds waited."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        before = {w.name: common.cpu_seconds(w.pid) for w in webs}
        await asyncio.sleep(0.5)
        if all(common.cpu_seconds(w.pid) - before[w.name] <= idle * 0.5 for w in webs):
            break
    return time.perf_counter() - started


def _password() -> str:
    from tests.support.web import PASSWORD

    return PASSWORD


# ---------------------------------------------------------------- reports


def _mib_per_socket(before: float, after: float, count: int) -> str:
    return f"{(after - before) * 1024 / count:.0f} KiB" if count else "-"


def report1(args: argparse.Namespace, webs: list[Web], one: Phase1) -> None:
    every = [v for values in one.latencies.values() for v in values]
    pairs = one.count * len(one.socks)
    print()
    print(
        f"phase 1: {len(one.socks)} sockets ({len(one.socks) // len(webs)} per process, opened in "
        f"{one.open_seconds:.1f} s), {one.count} guest webhooks to web1 at {args.rate:g}/s "
        f"over {args.seconds:g} s; latency = webhook's scheduled send time -> first frame with its marker"
    )
    rows = []
    for web in webs:
        values = one.latencies[web.name]
        rows.append(_latency_row(f"{web.name} sockets", values))
    rows.append(_latency_row("all", every))
    print(
        table(["sockets", "pairs seen", "p50 ms", "p95 ms", "p99 ms", "max ms"], rows)
        + f"\n(socket, message) pairs: {pairs}, seen {len(every)}, lost (not within {LOST_AFTER:g} s) "
        f"{one.lost}"
        + (
            f", of which {one.superseded} superseded by a newer message of the same guest before being shown"
            if one.superseded
            else ""
        )
    )
    seconds: dict[int, list[float]] = {}
    for at, latency in one.timeline:
        seconds.setdefault(int(at), []).append(latency)
    print("p99 ms of each second: " + " ".join(ms(percentile(seconds[s], 99)) for s in sorted(seconds)))
    http = one.paced.latencies
    print(
        f"webhooks: {dict(one.paced.statuses)}, HTTP answer p50 {ms(percentile(http, 50))} / p99 "
        f"{ms(percentile(http, 99))} / max {ms(max(http, default=math.nan))} ms; sender at most "
        f"{ms(max(one.paced.late, default=0))} ms late"
    )
    first = [f - sch for f, sch in zip(one.first_seen, one.paced.scheduled, strict=True) if f < math.inf]
    before_answer = sum(
        1
        for f, a in zip(one.first_seen, one.paced.answered, strict=True)
        if f < math.inf and (a != a or f < a)
    )
    print(
        f"first socket to show each message: p50 {ms(percentile(first, 50))} / p99 "
        f"{ms(percentile(first, 99))} ms; shown before its webhook was answered: "
        f"{before_answer} of {one.count}"
    )
    per_socket = one.frames / len(one.socks)
    flushes = one.redis_calls.get("mget", 0)
    print(
        f"frames: {one.frames} in {one.frames_elapsed:.1f} s = {one.frames / one.frames_elapsed:.0f} "
        f"frames/s ({per_socket:.0f} per socket, {per_socket / one.count:.2f} per message); "
        f"{one.wire_bytes / one.frames_elapsed / 1e6:.1f} MB/s on the wire, "
        f"{one.text_bytes / one.frames_elapsed / 1e6:.1f} MB/s inflated; full region "
        f"{one.region_bytes / 1024:.1f} KiB"
    )
    views = "/".join(str(v) for v in one.views.values())
    print(
        f"server side (Redis INFO commandstats): {one.redis_calls.get('publish', 0)} PUBLISH, {flushes} "
        f"session checks (one MGET per push and process); each push works out "
        f"{views} distinct views (web1/web2)"
    )
    report_xacts(webs, one.xacts)
    print(one.cpu.line())
    print(
        table(
            ["memory (VmRSS)", "before MiB", f"with {len(one.socks) // len(webs)} sockets MiB", "per socket"],
            [
                [
                    w.name,
                    f"{one.rss_before[w.name]:.1f}",
                    f"{one.rss_after[w.name]:.1f}",
                    _mib_per_socket(
                        one.rss_before[w.name],
                        one.rss_after[w.name],
                        sum(1 for s in one.socks if s.web is w),
                    ),
                ]
                for w in webs
            ],
        )
    )
    if one.profiles:
        report_profiles(one, args)


def report_cost(args: argparse.Namespace, webs: list[Web], one: Phase1, cost: ls.FlushCost) -> None:
    """What one push costs, timed on a quiet loop in this process with the product's own code."""
    from web.live import COALESCE_SECONDS

    per_web = len(one.socks) // len(webs)
    push = cost.update_ms + cost.send_ms * per_web
    print()
    print(
        f"cost of one push, timed here on a quiet loop with web.render's own code (the inbox of "
        f"{args.guests} guests, {cost.views} views):"
    )
    print(
        f"  on connect: the full region, {cost.region_bytes / 1024:.1f} KiB per view; loading and "
        f"rendering it for all views {cost.full_ms:.1f} ms"
    )
    print(
        f"  after one guest message: {cost.update_bytes} bytes per view (the rows that moved or "
        f"changed); loading and working out every view's update {cost.update_ms:.1f} ms, framing it "
        f"{cost.send_ms * 1000:.0f} us per socket"
    )
    print(
        f"  one push on a process with {cost.views} views and {per_web} sockets: about {push:.1f} ms of "
        f"CPU before the socket writes; at one push per message, {args.rate:g}/s would take "
        f"{push * args.rate / 1000:.2f} cores per process; p99 < {P99_TARGET_MS:g} ms needs a push well "
        f"under {P99_TARGET_MS - COALESCE_SECONDS * 1000:g} ms"
    )


def report_xacts(webs: list[Web], sampler: ls.XactSampler) -> None:
    """Flush timing from PostgreSQL's side: see ``XactSampler``."""
    rows = []
    for w in webs:
        counts = sampler.concurrency.get(w.name, [])
        ages = list(sampler.durations.get(w.name, {}).values())
        rows.append(
            [
                w.name,
                f"{sum(counts) / max(1, len(counts)):.2f}",
                max(counts, default=0),
                f"{sum(1 for c in counts if c) / max(1, len(counts)) * 100:.0f}%",
                len(ages),
                ms(percentile(ages, 50)),
                ms(percentile(ages, 90)),
                ms(max(ages, default=math.nan)),
            ]
        )
    print(
        f"open DB transactions per process, pg_stat_activity sampled {sampler.samples} times "
        f"every {sampler.interval * 1000:.0f} ms (pushes read in single statements, outside any "
        "transaction: what is counted is ingest, on web1, and the ORM sessions of pages):"
    )
    print(
        table(
            ["process", "mean open", "max open", "time >= 1", "xacts seen", "age p50", "age p90", "age max"],
            rows,
        )
    )
    if sampler.waits:
        slow = sum(sampler.waits.values())
        top = ", ".join(f"{name} {count / slow:.0%}" for name, count in sampler.waits.most_common(5))
        print(
            f"transactions open >= {ls.SLOW_XACT * 1000:.0f} ms, {slow} samples, were waiting on: {top} "
            "(IO:WALSync, LWLock:WALWrite: the disk's fsync of the commit; Lock:*: another transaction)"
        )


def _latency_row(name: str, values: list[float]) -> list[object]:
    return [
        name,
        len(values),
        ms(percentile(values, 50)),
        ms(percentile(values, 95)),
        ms(percentile(values, 99)),
        ms(max(values, default=math.nan)),
    ]


def report_profiles(one: Phase1, args: argparse.Namespace) -> None:
    print()
    print(
        f"py-spy (--nonblocking, 250 Hz; its own CPU is in 'other' above) of each web process while the "
        f"webhooks were sent; share of wall time ({args.seconds:g} s), a sample counts in the first "
        "bucket any frame of it matches:"
    )
    wall_samples = 250 * args.seconds
    names = [name for name, _ in ls.BUCKETS] + ["other Python"]
    parsed = {web: ls.parse_collapsed(path) for web, path in one.profiles.items()}
    rows = []
    for name in names:
        rows.append([name] + [f"{b[name] / wall_samples * 100:.0f}%" for b, _, _ in parsed.values()])
    rows.append(
        ["busy (any Python on the stack)"] + [f"{t / wall_samples * 100:.0f}%" for *_, t in parsed.values()]
    )
    print(table(["where", *parsed], rows))
    for web, (_, own, total) in parsed.items():
        if not total:
            continue
        top = ", ".join(f"{name} {count / total * 100:.0f}%" for name, count in own.most_common(8))
        print(f"{web} top own time (of busy samples): {top}")
    print("raw stacks: " + ", ".join(str(p) for p in one.profiles.values()))


def report2(webs: list[Web], two: Phase2) -> None:
    print()
    total = two.per_web * len(webs)
    print(
        f"phase 2: {total} idle sockets ({two.per_web} per process, one staff member, one shared view), "
        f"opened in {two.open_seconds:.1f} s"
        + (f", held {two.held:g} s" if two.held else "")
        + f"; then one broadcast webhook; marker checked on a sample of {two.sample_size}"
    )
    rows = []
    for w in webs:
        rows.append(
            [
                w.name,
                f"{two.opened[w.name]}/{two.per_web}",
                two.still_open[w.name],
                two.received[w.name],
                f"{two.rss_before[w.name]:.1f}",
                f"{two.rss_after[w.name]:.1f}",
                _mib_per_socket(two.rss_before[w.name], two.rss_after[w.name], two.opened[w.name]),
                two.fds[w.name],
            ]
        )
    print(
        table(
            [
                "process",
                "opened",
                "still open",
                "got broadcast",
                "RSS before",
                "RSS after",
                "per socket",
                "fds",
            ],
            rows,
        )
    )
    cpu_ms = "/".join(f"{two.connect_cpu.used[w.name] / max(1, two.opened[w.name]) * 1000:.1f}" for w in webs)
    print(
        f"opening them: {total / two.open_seconds:.0f} sockets/s, {cpu_ms} ms of server CPU per socket "
        f"(web1/web2: sign-in check, then a full region rendered for each socket alone); "
        + two.connect_cpu.line()
    )
    lat = two.broadcast_latencies
    print(
        f"broadcast: frame on every socket after p50 {ms(percentile(lat, 50))} / p99 "
        f"{ms(percentile(lat, 99))} / max {ms(max(lat, default=math.nan))} ms; marker in "
        f"{two.sample_ok}/{two.sample_size} sampled frames; {two.pinged} sockets answered a server ping"
        + (f"; connect failures: {dict(two.failures)}" if two.failures else "")
        + (f"; closed: {dict(two.close_codes)}" if two.close_codes else "")
    )


def verdict(args: argparse.Namespace, one: Phase1, two: Phase2 | None) -> None:
    every = [v for values in one.latencies.values() for v in values]
    p99 = percentile(every, 99) * 1000
    errors = sum(v for k, v in one.paced.statuses.items() if k != "200")
    ok1 = p99 < P99_TARGET_MS and one.lost == 0 and errors == 0
    parts = [
        f"p99 {p99:.1f} ms {'<' if p99 < P99_TARGET_MS else '>='} {P99_TARGET_MS:g} ms at "
        f"{len(one.socks)} sockets and {args.rate:g} messages/s, {one.lost} lost"
        + (f", {errors} webhook errors" if errors else "")
        + f" ({'met' if ok1 else 'not met'})"
    ]
    met = ok1
    if args.sockets < 200 or args.rate < 100:
        met = False
        parts.append("below the target's 200 sockets / 100 messages/s")
    if two is None:
        met = False
        parts.append("capacity not measured (--skip-capacity)")
    else:
        worst = min(*two.opened.values(), *two.still_open.values(), *two.received.values())
        ok2 = two.per_web >= CAPACITY_TARGET and worst == two.per_web and two.sample_ok == two.sample_size
        met &= ok2
        parts.append(
            f"{worst} of {two.per_web} sockets per process open and reached by a broadcast "
            f"(target >= {CAPACITY_TARGET}), marker {two.sample_ok}/{two.sample_size} "
            f"({'met' if ok2 else 'not met'})"
        )
    print(f"target: {'met' if met else 'NOT MET'}: " + "; ".join(parts))


if __name__ == "__main__":
    main()

"""Webhook ingest: webhooks per second and latency of ``POST /webhooks/green-api``, against a floor.

    uv run python -m bench.ingest [--concurrency 16] [--requests 3000] [--rate 200] ...

Starts a durable embedded PostgreSQL (fsync and synchronous_commit on) and Redis, migrates, seeds
one hotel with ``ai_enabled=False`` and runs no worker, so only ingest is measured. Then:

1. the floor (``bench/floor.py``: raw ASGI, one asyncpg INSERT and one PUBLISH per webhook) and
   ours (``python -m cli serve``, one uvicorn process), each with a warm-up and then N distinct
   ``incomingMessageReceived`` text webhooks from a fixed number of concurrent clients;
2. ours at a fixed offered rate (open loop) for a few seconds.

Target: ours >= 0.5 x the floor's throughput, and p99 < 50 ms at 200 webhooks/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from bench import common
from bench.common import HOST, LoadResult, Stack, ms, percentile, table

PATH = "/webhooks/green-api"
THROUGHPUT_TARGET = 0.5
P99_TARGET_MS = 50.0


def webhook_bodies(id_instance: int, count: int, *, guests: int, offset: int) -> list[bytes]:
    """``count`` distinct guest text messages, round-robin over ``guests`` chats."""
    from tests.support.factories import incoming

    run = secrets.token_hex(4).upper()
    bodies = []
    for i in range(offset, offset + count):
        guest = i % guests
        body = incoming(
            id_instance,
            text=f"Hello, question number {i}: when is breakfast?",
            chat_id=f"4917{guest:08d}@c.us",
            id_message=f"BENCH{run}{i:012d}",
            sender_name=f"Guest {guest}",
        )
        bodies.append(json.dumps(body).encode())
    return bodies


@dataclass
class Measured:
    name: str
    result: LoadResult
    cpu: dict[str, float]  # seconds used during the phase, see common.CpuMeter


async def run_closed(
    stack: Stack,
    name: str,
    server_pid: int,
    base_url: str,
    headers: dict[str, str],
    args: argparse.Namespace,
    warmup: list[bytes],
    bodies: list[bytes],
) -> Measured:
    client = common.make_client(args.client, base_url, headers)
    try:
        if warmup:
            done = await common.closed_loop(client, PATH, warmup, args.concurrency)
            if done.errors:
                raise RuntimeError(f"{name}: warm-up answered {dict(done.statuses)}")
        await asyncio.sleep(0.5)
        with common.CpuMeter(stack, server_pid) as cpu:
            result = await common.closed_loop(client, PATH, bodies, args.concurrency)
        return Measured(name, result, cpu.used)
    finally:
        await client.aclose()


async def run_open(
    stack: Stack,
    server_pid: int,
    base_url: str,
    headers: dict[str, str],
    args: argparse.Namespace,
    bodies: list[bytes],
) -> Measured:
    client = common.make_client(args.client, base_url, headers)
    try:
        await asyncio.sleep(0.5)
        with common.CpuMeter(stack, server_pid) as cpu:
            result = await common.open_loop(client, PATH, bodies, args.rate)
        return Measured(f"ours @{args.rate:g}/s", result, cpu.used)
    finally:
        await client.aclose()


async def count_rows(stack: Stack, sql: str, *params: object) -> int:
    import asyncpg

    conn = await asyncpg.connect(stack.asyncpg_dsn)
    try:
        return int(await conn.fetchval(sql, *params))
    finally:
        await conn.close()


def per_webhook(before: dict[str, float], after: dict[str, float], webhooks: int) -> dict[str, float]:
    return {k: (after[k] - before[k]) / max(1, webhooks) for k in after}


def row(m: Measured, *, offered: str = "") -> list[object]:
    r = m.result

    def cpu(part: str) -> str:
        return f"{m.cpu[part] / r.elapsed * 100:.0f}%" if r.elapsed > 0 else "-"

    return [
        m.name,
        sum(r.statuses.values()),
        offered,
        f"{r.rate:.0f}",
        ms(percentile(r.latencies, 50)),
        ms(percentile(r.latencies, 99)),
        ms(max(r.latencies, default=float("nan"))),
        r.errors,
        f"{m.cpu['server'] / r.ok * 1000:.2f}" if r.ok else "-",
        cpu("server"),
        cpu("pg"),
        cpu("redis"),
        cpu("client"),
        cpu("other"),
    ]


HEADER = [
    "run",
    "requests",
    "offered/s",
    "ok/s",
    "p50 ms",
    "p99 ms",
    "max ms",
    "errors",
    "srv CPU ms/req",
    "srv",
    "pg",
    "redis",
    "client",
    "other",
]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__.split("\n")[0])
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--requests", type=int, default=20000, help="measured webhooks per server")
    parser.add_argument("--warmup", type=int, default=500, help="webhooks before measuring (default 500)")
    parser.add_argument("--guests", type=int, default=500, help="distinct chat ids (default 500)")
    parser.add_argument("--rate", type=float, default=200.0, help="open-loop rate, webhooks/s (default 200)")
    parser.add_argument("--rate-seconds", type=float, default=10.0, help="open-loop duration (default 10)")
    parser.add_argument(
        "--client",
        choices=["raw", "httpx"],
        default="raw",
        help="load generator: raw asyncio HTTP/1.1 (default, least client CPU) or httpx.AsyncClient",
    )
    parser.add_argument("--skip-floor", action="store_true", help="measure only ours")
    parser.add_argument(
        "--profile", type=Path, help="run ours under cProfile and write its stats here (slows it down)"
    )
    parser.add_argument("--keep-logs", action="store_true", help="keep the subprocess logs")
    args = parser.parse_args()
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
    headers = {"Authorization": f"Bearer {webhook_token}", "Content-Type": "application/json"}
    print(
        f"ingest benchmark: {os.cpu_count()} cores, PostgreSQL {settings['server_version']} "
        f"(fsync={settings['fsync']}, synchronous_commit={settings['synchronous_commit']}), "
        f"client={args.client}, concurrency={args.concurrency}, {args.guests} guests",
        flush=True,
    )
    print(
        "AI is disabled for the hotel (ai_enabled=False) and no worker runs: only ingest is measured.",
        flush=True,
    )

    total = args.warmup + args.requests
    floor: Measured | None = None
    pg_work: dict[str, dict[str, float]] = {}
    if not args.skip_floor:
        before = await common.pg_counters(stack.asyncpg_dsn)
        port = common.free_port()
        process = stack.spawn(
            "floor", ["-m", "bench.floor", "--host", HOST, "--port", str(port)], stack.env()
        )
        stack.wait_http(f"http://{HOST}:{port}/", process, "floor")
        bodies = webhook_bodies(id_instance, total, guests=args.guests, offset=0)
        floor = await run_closed(
            stack,
            "floor",
            process.pid,
            f"http://{HOST}:{port}",
            headers,
            args,
            bodies[: args.warmup],
            bodies[args.warmup :],
        )
        stack.stop(process)
        await asyncio.sleep(0.2)
        pg_work["floor"] = per_webhook(before, await common.pg_counters(stack.asyncpg_dsn), total)
        print(f"  floor done: {floor.result.rate:.0f} webhooks/s", flush=True)
        stored = await count_rows(stack, "SELECT count(*) FROM bench_floor_messages")
        if stored != total:
            print(f"  warning: the floor stored {stored} rows of {total}")

    before = await common.pg_counters(stack.asyncpg_dsn)
    port = common.free_port()
    env = stack.env(
        GREEN_API_URL="http://127.0.0.1:9",  # never called: no worker runs
        DEEPSEEK_API_URL="http://127.0.0.1:9/v1",
        DEEPSEEK_API_KEY="sk-bench",
        AI_DEBOUNCE_SECONDS="0",
        WORKER_POLL_DELAY="0.05",
    )
    web_args = common.serve_args(port)
    if args.profile:
        web_args = ["-m", "bench.profiled", str(args.profile.resolve()), *web_args[2:]]
    process = stack.spawn("web", web_args, env)
    base_url = f"http://{HOST}:{port}"
    stack.wait_http(f"{base_url}/health", process, "web")
    bodies = webhook_bodies(id_instance, total, guests=args.guests, offset=total)
    ours = await run_closed(
        stack, "ours", process.pid, base_url, headers, args, bodies[: args.warmup], bodies[args.warmup :]
    )
    print(f"  ours done: {ours.result.rate:.0f} webhooks/s", flush=True)
    paced_bodies = webhook_bodies(
        id_instance, round(args.rate * args.rate_seconds), guests=args.guests, offset=2 * total
    )
    paced = await run_open(stack, process.pid, base_url, headers, args, paced_bodies)
    print(f"  fixed rate done: {paced.result.rate:.0f} webhooks/s", flush=True)
    stack.stop(process)
    expected = args.warmup + ours.result.ok + paced.result.ok
    await asyncio.sleep(0.2)
    pg_work["ours"] = per_webhook(before, await common.pg_counters(stack.asyncpg_dsn), expected)
    stored = await count_rows(stack, "SELECT count(*) FROM messages WHERE hotel_id = $1", hotel_id)
    report(args, floor, ours, paced, stored, expected, pg_work)
    if args.profile:
        import pstats

        print(f"\ncProfile of ours (all phases) in {args.profile}; top functions by own time:")
        pstats.Stats(str(args.profile)).sort_stats("tottime").print_stats(25)


def report(
    args: argparse.Namespace,
    floor: Measured | None,
    ours: Measured,
    paced: Measured,
    stored: int,
    expected: int,
    pg_work: dict[str, dict[str, float]],
) -> None:
    print()
    print(
        f"closed loop: {args.concurrency} concurrent clients, {args.requests} webhooks per server after "
        f"{args.warmup} warm-up; open loop: {args.rate:g}/s for {args.rate_seconds:g} s "
        "(latency from the scheduled send time)"
    )
    rows = []
    if floor is not None:
        rows.append(row(floor, offered="max"))
    rows.append(row(ours, offered="max"))
    if floor is not None:
        throughput_ratio = ours.result.rate / floor.result.rate if floor.result.rate else float("nan")
        p99_ratio = percentile(ours.result.latencies, 99) / percentile(floor.result.latencies, 99)
        ratio: list[object] = ["ours/floor"] + [""] * (len(HEADER) - 1)
        ratio[HEADER.index("ok/s")] = f"{throughput_ratio:.2f}"
        ratio[HEADER.index("p99 ms")] = f"{p99_ratio:.2f}"
        cost = (ours.cpu["server"] / ours.result.ok) / (floor.cpu["server"] / floor.result.ok)
        ratio[HEADER.index("srv CPU ms/req")] = f"{cost:.1f}"
        rows.append(ratio)
    rows.append(row(paced, offered=f"{args.rate:g}"))
    print(table(HEADER, rows))
    print(
        "CPU while each phase ran, 100% = one core: srv = the web (or floor) process, pg = all of "
        "PostgreSQL, redis, client = this load generator, other = everything else on the machine "
        "(if high, another job was competing and the figures are low)"
    )
    print(f"{paced.name}, p99 ms of each second: " + " ".join(ms(v) for v in paced.result.per_second_p99()))
    print()
    print(
        table(
            [
                "PostgreSQL per webhook",
                "commits",
                "rollbacks",
                "rows inserted",
                "rows updated",
                "WAL syncs",
                "WAL bytes",
            ],
            [
                [
                    f"{name} (whole run)",
                    f"{w['xact_commit']:.2f}",
                    f"{w['xact_rollback']:.2f}",
                    f"{w['tup_inserted']:.2f}",
                    f"{w['tup_updated']:.2f}",
                    f"{w['wal_sync']:.2f}",
                    f"{w['wal_bytes']:.0f}",
                ]
                for name, w in pg_work.items()
            ],
        )
    )
    print(
        "(pg_stat_database / pg_stat_wal differences over each server's life, divided by its webhooks; "
        "the floor's second commit is asyncpg's default connection reset when a connection goes back "
        "to the pool; ours skips that reset)"
    )
    for m in (floor, ours, paced):
        if m is not None and m.result.errors:
            failures = {k: v for k, v in m.result.statuses.items() if k != "200"}
            print(f"errors of {m.name}: {failures}")
    if stored != expected:
        print(f"warning: {stored} guest messages stored, {expected} expected")
    else:
        print(f"check: all {stored} guest messages of ours are in the messages table")

    verdicts = []
    met = True
    if floor is None:
        met = False
        verdicts.append("throughput against the floor not measured (--skip-floor)")
    else:
        ok = throughput_ratio >= THROUGHPUT_TARGET
        met &= ok
        verdicts.append(
            f"throughput ours/floor {throughput_ratio:.2f} {'>=' if ok else '<'} {THROUGHPUT_TARGET} "
            f"({'met' if ok else 'not met'})"
        )
    p99 = percentile(paced.result.latencies, 99) * 1000
    ok = p99 < P99_TARGET_MS and paced.result.errors == 0
    met &= ok
    verdicts.append(
        f"p99 at {args.rate:g}/s {p99:.1f} ms {'<' if p99 < P99_TARGET_MS else '>='} {P99_TARGET_MS:g} ms"
        f"{'' if paced.result.errors == 0 else f' with {paced.result.errors} errors'} "
        f"({'met' if ok else 'not met'})"
    )
    if ours.result.errors:
        met = False
        verdicts.append(f"{ours.result.errors} errors in the closed loop")
    print(f"target: {'met' if met else 'NOT MET'}: " + "; ".join(verdicts))


if __name__ == "__main__":
    main()

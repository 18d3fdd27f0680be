"""Staff pages on a big database: server time of the inbox, its search, a conversation, analytics.

    uv run python -m bench.pages [--hotels 20] [--conversations 100000] [--days 60] [--requests 40]
                                 [--data-dir DIR | --database-url URL] [--word pharmacy] [--keep-logs]

The database is seeded once (``hotelbot seed``, 20 hotels x 100,000 conversations x about a
million messages by default) into an embedded PostgreSQL kept in ``--data-dir`` (default
``.hotelbot/bench-pages``); later runs find it seeded and go straight to measuring. Or
``--database-url`` points at a PostgreSQL of your own (seeded there when its bench hotels are
missing). Then one ``python -m cli serve`` process, a manager of the first hotel signed in, and
each page requested ``--requests`` times one after another over a kept-alive connection, after a
warm-up: the time from request to the last byte of the answer, on loopback.

Targets: inbox, search and conversation p95 < 100 ms; analytics (30 days) and its CSV export p95
< 300 ms. A page that answers 404 (analytics before its route exists) is skipped with a line.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench import common
from bench.common import HOST, Stack, ms, percentile, table

PREFIX = "bench"
PASSWORD = "bench-pages-2026"  # the seeded staff of a benchmark database
PAGE_TARGET_MS = 100.0
ANALYTICS_TARGET_MS = 300.0
TIMEOUT = 60.0  # seconds; a page slower than this is reported, not waited for


@dataclass
class Page:
    name: str
    paths: list[str]
    target_ms: float
    headers: dict[str, str] | None = None
    note: str = ""


@dataclass
class Measured:
    page: Page
    seconds: list[float]
    skipped: str = ""
    cpu: dict[str, float] | None = None  # CPU seconds of the timed requests (common.CpuMeter)


def _plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def _secret(data_dir: Path) -> str:
    """The key the seeded hotels' tokens are encrypted with, kept beside the data."""
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
    return path.read_text().strip()


async def _fetch(dsn: str, sql: str, *args: object) -> list[Any]:
    import asyncpg

    conn = await asyncpg.connect(_plain(dsn))
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


def seed_if_needed(database_url: str, args: argparse.Namespace, env: dict[str, str]) -> None:
    from tests.support.migrate import upgrade_head

    upgrade_head(database_url)
    seeded = common.run(_fetch(database_url, "SELECT count(*) FROM hotels WHERE slug LIKE $1", f"{PREFIX}-%"))
    if seeded[0][0]:
        counts = common.run(
            _fetch(
                database_url,
                "SELECT (SELECT count(*) FROM conversations), (SELECT count(*) FROM messages)",
            )
        )[0]
        print(f"database already seeded: {seeded[0][0]} hotels, {counts[0]:,} conversations, ", end="")
        print(f"{counts[1]:,} messages")
        return
    command = [
        sys.executable, "-m", "cli", "seed", "--prefix", PREFIX, "--password", PASSWORD,
        "--hotels", str(args.hotels), "--conversations", str(args.conversations), "--days", str(args.days),
        "--seed", str(args.seed),
    ]  # fmt: skip
    print("seeding:", " ".join(command[2:]), flush=True)
    started = time.monotonic()
    subprocess.run(command, cwd=common.ROOT, env={**env, "DATABASE_URL": database_url}, check=True)
    print(f"seeded in {time.monotonic() - started:.0f} s", flush=True)


GROUP_MANAGER = f"group-manager@{PREFIX}.example"


def ensure_group_manager(database_url: str) -> None:
    """A manager of every bench hotel (a regional manager): the analytics of the whole group."""
    common.run(
        _fetch(
            database_url,
            """
            WITH staff AS (
                INSERT INTO staff_users (id, email, name, password_hash, language, is_active, is_superuser,
                                         created_at, updated_at)
                SELECT gen_random_uuid(), $1, 'Group Manager', password_hash, 'en', true, false, now(), now()
                  FROM staff_users WHERE email = $2
                ON CONFLICT (email) DO UPDATE SET email = EXCLUDED.email
                RETURNING id
            )
            INSERT INTO memberships (id, staff_id, hotel_id, role, is_active, created_at, updated_at)
            SELECT gen_random_uuid(), staff.id, h.id, 'manager', true, now(), now()
              FROM staff, hotels h
             WHERE h.slug LIKE $3
               AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.staff_id = staff.id AND m.hotel_id = h.id)
            """,
            GROUP_MANAGER,
            f"manager@{PREFIX}-berlin-1.example",
            f"{PREFIX}-%",
        )
    )


def last_30_days() -> str:
    """The analytics period of the pages measured: the 30 days up to today, both included."""
    today = datetime.datetime.now(datetime.UTC).date()
    return f"from={today - datetime.timedelta(days=29)}&to={today}"


def pages(database_url: str, args: argparse.Namespace) -> list[Page]:
    """What is measured, on the first bench hotel: conversations of every size, a word to search."""
    slug = f"{PREFIX}-berlin-1"
    rows = common.run(
        _fetch(
            database_url,
            "SELECT c.id FROM conversations c JOIN hotels h ON h.id = c.hotel_id "
            "WHERE h.slug = $1 ORDER BY c.id LIMIT $2",
            slug,
            args.requests,
        )
    )
    found = common.run(
        _fetch(
            database_url,
            "SELECT count(DISTINCT m.conversation_id) FROM messages m JOIN hotels h ON h.id = m.hotel_id "
            "WHERE h.slug = $1 AND to_tsvector('simple'::regconfig, m.text) @@ to_tsquery('simple', $2)",
            slug,
            args.word,
        )
    )[0][0]
    span = last_30_days()
    htmx = {"HX-Request": "true"}
    return [
        Page("inbox", ["/inbox"], PAGE_TARGET_MS),
        Page(
            f"search '{args.word}'",
            [f"/inbox?q={args.word}"],
            PAGE_TARGET_MS,
            htmx,
            f"{found} conversations hold the word",
        ),
        Page(
            "search page",
            [f"/inbox?q={args.word}"],
            PAGE_TARGET_MS,
            note="the whole page, as a link opens it",
        ),
        Page("conversation", [f"/conversations/{row[0]}" for row in rows], PAGE_TARGET_MS),
        Page("analytics 30 days", [f"/analytics?{span}"], ANALYTICS_TARGET_MS),
        Page("export.csv daily", [f"/analytics/export.csv?kind=daily&{span}"], ANALYTICS_TARGET_MS),
        Page(
            "export.csv conversations",
            [f"/analytics/export.csv?kind=conversations&{span}"],
            ANALYTICS_TARGET_MS,
        ),
    ]


def group_pages() -> list[Page]:
    """The same period for a manager of every bench hotel, the group's figures together."""
    span = f"{last_30_days()}&hotel=all"
    note = "a manager of all 20 hotels, hotel=all"
    return [
        Page("analytics 30 days, group", [f"/analytics?{span}"], ANALYTICS_TARGET_MS, note=note),
        Page(
            "export.csv daily, group",
            [f"/analytics/export.csv?kind=daily&{span}"],
            ANALYTICS_TARGET_MS,
            note=note,
        ),
    ]


def sign_in(client: httpx.Client, email: str) -> None:
    page = client.get("/login")
    token = re.search(r'name="_csrf" value="([^"]+)"', page.text)
    if token is None:
        raise RuntimeError(f"no sign-in form at /login ({page.status_code})")
    answer = client.post(
        "/login", data={"email": email, "password": PASSWORD, "_csrf": token.group(1), "next": "/inbox"}
    )
    if answer.status_code not in (200, 303) or client.get("/inbox").status_code != 200:
        raise RuntimeError(f"cannot sign in as {email}: {answer.status_code}")


def measure(
    stack: Stack, server_pid: int, client: httpx.Client, page: Page, requests: int, warmup: int
) -> Measured:
    print(f"measuring {page.name} ...", flush=True)
    try:
        first = client.get(page.paths[0], headers=page.headers)
    except httpx.TimeoutException:
        return Measured(page, [], f"NOT MET: {page.paths[0]} did not answer within {TIMEOUT:.0f} s")
    if first.status_code == 404:
        return Measured(page, [], f"skipped: {page.paths[0].split('?')[0]} answers 404 (not built yet)")
    if first.status_code != 200:
        raise RuntimeError(f"{page.name}: {page.paths[0]} answered {first.status_code}: {first.text[:300]}")
    for i in range(warmup):
        client.get(page.paths[i % len(page.paths)], headers=page.headers)
    seconds = []
    with common.CpuMeter(stack, server_pid) as cpu:
        for i in range(requests):
            started = time.perf_counter()
            answer = client.get(page.paths[i % len(page.paths)], headers=page.headers)
            answer.read()
            seconds.append(time.perf_counter() - started)
            if answer.status_code != 200:
                raise RuntimeError(f"{page.name}: answered {answer.status_code}")
    return Measured(page, seconds, cpu=cpu.used)


def bench(stack: Stack, database_url: str, args: argparse.Namespace) -> bool:
    port = common.free_port()
    env = stack.env(LOG_LEVEL="WARNING")
    server = stack.spawn("web", common.serve_args(port), env)
    base = f"http://{HOST}:{port}"
    stack.wait_http(f"{base}/health", server, "web", timeout=120)
    measured: list[Measured] = []
    with common.CpuMeter(stack, server.pid) as cpu:
        started = time.perf_counter()
        with httpx.Client(base_url=base, timeout=TIMEOUT, follow_redirects=True) as client:
            sign_in(client, f"manager@{PREFIX}-berlin-1.example")
            for page in pages(database_url, args):
                measured.append(measure(stack, server.pid, client, page, args.requests, args.warmup))
        ensure_group_manager(database_url)
        with httpx.Client(base_url=base, timeout=TIMEOUT, follow_redirects=True) as client:
            sign_in(client, GROUP_MANAGER)
            for page in group_pages():
                measured.append(measure(stack, server.pid, client, page, args.requests, args.warmup))
        elapsed = time.perf_counter() - started
    rows = []
    met = True
    for m in measured:
        if m.skipped:
            print(f"{m.page.name}: {m.skipped}")
            met = met and not m.skipped.startswith("NOT MET")
            continue
        p95 = percentile(m.seconds, 95) * 1000
        ok = p95 < m.page.target_ms
        met = met and ok
        used = m.cpu or {}
        rows.append(
            [
                m.page.name,
                len(m.seconds),
                ms(percentile(m.seconds, 50)),
                ms(percentile(m.seconds, 95)),
                ms(max(m.seconds)),
                f"{used.get('server', 0) / len(m.seconds) * 1000:.1f}",
                f"{used.get('pg', 0) / len(m.seconds) * 1000:.1f}",
                f"< {m.page.target_ms:.0f}",
                "met" if ok else "NOT MET",
                m.page.note,
            ]
        )
    print()
    header = [
        "page",
        "requests",
        "p50 ms",
        "p95 ms",
        "max ms",
        "srv CPU ms",
        "pg CPU ms",
        "p95 target",
        "",
        "note",
    ]
    print(table(header, rows))
    print("srv/pg CPU ms: CPU time per request of the web process and of PostgreSQL (as on a quiet machine)")
    share = {k: f"{v / elapsed * 100:.0f}%" for k, v in cpu.used.items() if k != "machine"}
    print(f"\nCPU while measuring (100% = one core of {os.cpu_count()}): {share}")
    print("target:", "met" if met else "NOT MET", "(p95 of each page measured against its target)")
    return met


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__.split("\n")[0])
    parser.add_argument("--hotels", type=int, default=20)
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=40, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--word", default="pharmacy", help="the word the search looks for")
    parser.add_argument("--data-dir", type=Path, default=common.ROOT / ".hotelbot" / "bench-pages")
    parser.add_argument("--database-url", help="a PostgreSQL of your own instead of the embedded one")
    parser.add_argument("--keep-logs", action="store_true")
    args = parser.parse_args()

    import embedded

    os.environ["SECRET_KEY"] = _secret(args.data_dir)
    log_dir = Path(tempfile.mkdtemp(prefix="hotelbot-bench-pages-"))
    servers: list[Any] = []
    stack: Stack | None = None
    failed = True
    try:
        database_url = args.database_url
        if not database_url:
            # Not durable: the benchmark reads; the seed is much faster without fsync.
            pg = embedded.EmbeddedPostgres(args.data_dir / "postgres", durable=False)
            servers.append(pg)
            pg.start()
            database_url = pg.url
        redis = embedded.EmbeddedRedis()
        servers.append(redis)
        redis.start()
        assert redis.process is not None
        postmaster = 0
        if not args.database_url:
            postmaster = int((servers[0].data_dir / "pgdata" / "postmaster.pid").read_text().split()[0])
        stack = Stack(log_dir, database_url, redis.url, postmaster, redis.process.pid)
        seed_if_needed(database_url, args, stack.env())
        met = bench(stack, database_url, args)
        failed = False
        if not met:
            raise SystemExit(1)
    except KeyboardInterrupt:
        failed = False
    finally:
        if stack is not None:
            stack.stop_all()
        for server in reversed(servers):
            # The seeded database stays for the next run; Redis is throwaway.
            server.stop() if isinstance(server, embedded.EmbeddedPostgres) else server.cleanup()
        if failed or args.keep_logs:
            print(f"logs kept in {log_dir}", file=sys.stderr)
        else:
            shutil.rmtree(log_dir, ignore_errors=True)


if __name__ == "__main__":
    main()

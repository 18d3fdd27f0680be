"""The ``hotelbot`` command: the composition root. Nothing imports this module."""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent

DEMO_SLUG = "aurora-berlin"
DEMO_INSTANCE = 1101000001
DEMO_API_TOKEN = "demo-api-token-5f1c"  # noqa: S105 - demo simulator credentials, printed on start
DEMO_WEBHOOK_TOKEN = "demo-webhook-token-9a7e"  # noqa: S105
DEMO_PASSWORD = "aurora-demo-2026"  # noqa: S105
DEMO_STAFF = [
    ("admin@aurora.example", "Alex Admin", "admin"),
    ("manager@aurora.example", "Maria Manager", "manager"),
    ("agent@aurora.example", "Anna Agent", "agent"),
]


def _run(coro: Any) -> Any:
    return asyncio.run(coro)


# ---------------------------------------------------------------- migrate


def migrate(url: str | None = None, revision: str = "head") -> None:
    from alembic import command
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["configure_logger"] = False
    if url:
        config.attributes["url"] = url
    command.upgrade(config, revision)


def cmd_migrate(args: argparse.Namespace) -> None:
    migrate(revision=args.revision)
    print(f"database migrated to {args.revision}")


# ---------------------------------------------------------------- serve / worker


def _require_secret_key() -> None:
    """serve, worker and the commands that store secrets refuse to run without a real SECRET_KEY."""
    from domain.settings import get_settings

    problem = get_settings().secret_key_problem()
    if problem:
        raise SystemExit(f"hotelbot: {problem}")


def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    _require_secret_key()
    uvicorn.run(
        "web.app:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        # The app reads X-Forwarded-For itself, trusting only TRUSTED_PROXIES (web/client_address.py);
        # uvicorn's rewrite of the client address would hand it a value the client may have chosen.
        proxy_headers=False,
        log_level="warning",
        log_config=None,
        timeout_graceful_shutdown=20,
        # Per-socket compression of the same pushed fragment was a third of a web process's CPU
        # under load (bench/live.py) and doubles the memory of an idle socket; a hotel's dashboard
        # is a few pushes a minute, so the bytes saved do not pay for it.
        ws_per_message_deflate=False,
        ws="websockets-sansio",  # sends never wait on a slow client (web/live.py relies on it)
    )


def cmd_worker(args: argparse.Namespace) -> None:
    from jobs.worker import run_workers, workers_healthy

    if args.check:
        try:
            missing = asyncio.run(workers_healthy())
        except Exception as exc:
            raise SystemExit(f"unhealthy: cannot reach Redis ({exc.__class__.__name__})") from exc
        if missing:
            raise SystemExit(f"unhealthy: no recent health report from {', '.join(missing)}")
        print("healthy")
        return

    _require_secret_key()
    if args.metrics_port is not None:
        os.environ["WORKER_METRICS_PORT"] = str(args.metrics_port)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_workers(stop=stop)

    asyncio.run(main())


# ---------------------------------------------------------------- simulators


def cmd_sim(args: argparse.Namespace) -> None:
    if args.which == "green-api":
        from sim.green_api import main as green_main

        green_main(args.rest)
    else:
        from sim.llm import main as llm_main

        llm_main(args.rest)


# ---------------------------------------------------------------- admin commands


async def _with_uow(work: Callable[[Any], Any]) -> Any:
    """One command, one unit of work, built by the provider the worker uses too."""
    from domain.settings import get_settings
    from jobs.services import provide_services

    settings = get_settings()
    if not settings.database_url:
        raise SystemExit("DATABASE_URL is not set")
    async with provide_services(settings, pool_size=1) as services, services.uow() as uow:
        return await work(uow)


async def _with_session(work: Callable[[Any], Any]) -> Any:
    return await _with_uow(lambda uow: work(uow.session))


async def _hotel_id(session: Any, slug: str) -> Any:
    """The id of the hotel with this slug; only the id, so nothing encrypted is read."""
    from sqlalchemy import select

    from domain.hotels.models import Hotel

    hotel_id = (await session.execute(select(Hotel.id).where(Hotel.slug == slug))).scalar_one_or_none()
    if hotel_id is None:
        raise SystemExit(f"no hotel with slug '{slug}'")
    return hotel_id


def cmd_hotel_create(args: argparse.Namespace) -> None:
    from domain.hotels.models import Hotel

    _require_secret_key()
    webhook_token = args.webhook_token or secrets.token_urlsafe(24)

    async def work(session: Any) -> Any:
        hotel = Hotel(
            name=args.name,
            slug=args.slug,
            green_api_instance_id=args.instance_id,
            green_api_token=args.api_token,
            green_api_url=args.green_api_url,
            webhook_token=webhook_token,
            persona=args.persona or "",
            facts=args.facts or "",
            languages=args.languages.split(","),
            knowledge_language=args.knowledge_language,
            timezone=args.timezone,
        )
        session.add(hotel)
        await session.flush()
        return hotel.id

    from sqlalchemy.exc import IntegrityError

    try:
        hotel_id = _run(_with_session(work))
    except IntegrityError as exc:
        raise SystemExit(
            f"a hotel with slug '{args.slug}' or idInstance {args.instance_id} already exists"
        ) from exc
    print(f"hotel {args.slug} created: id {hotel_id}")
    print(f"webhook URL: <PUBLIC_BASE_URL>/webhooks/green-api   webhook token: {webhook_token}")


def cmd_staff_create(args: argparse.Namespace) -> None:
    from domain.staff.models import Role
    from domain.staff.service import create_or_update_staff

    async def work(uow: Any) -> Any:
        return await create_or_update_staff(
            uow,
            email=args.email,
            name=args.name,
            password=args.password,
            hotel_id=await _hotel_id(uow.session, args.hotel),
            role=Role(args.role),
        )

    try:
        staff = _run(_with_uow(work))
    except ValueError as exc:
        raise SystemExit(str(exc)) from exc
    print(f"staff {staff.email} is {args.role} at {args.hotel}")


def cmd_staff_access(args: argparse.Namespace) -> None:
    """The platform operator's switch: disable an account at every hotel, or enable it again."""
    from domain.staff.service import StaffNotFound, set_account_active

    active = args.action == "enable"

    async def work(uow: Any) -> Any:
        return await set_account_active(uow, args.email, active=active)

    try:
        staff = _run(_with_uow(work))
    except StaffNotFound as exc:
        raise SystemExit(str(exc)) from exc
    if active:
        print(f"staff {staff.email} may sign in again (at the hotels whose membership is active)")
        return
    print(f"staff {staff.email} is disabled at every hotel; {_run(_end_sessions(staff.id))}")


async def _end_sessions(staff_id: Any) -> str:
    from redis.asyncio import Redis

    from domain.settings import get_settings
    from web.sessions import SessionStore, close_live_sockets

    settings = get_settings()
    if not settings.redis_url:
        return "REDIS_URL is not set: open sessions end at their next request"
    redis = Redis.from_url(settings.redis_url, socket_connect_timeout=5)
    try:
        ended = await SessionStore(redis, settings.redis_prefix).destroy_all(staff_id)
        await close_live_sockets(redis, settings.redis_prefix, staff_id=staff_id)
    finally:
        await redis.aclose()
    return f"{ended} open sessions ended"


def cmd_knowledge_import(args: argparse.Namespace) -> None:
    from domain.knowledge.importer import KnowledgeFormatError, parse_file
    from domain.knowledge.service import import_entries

    try:
        drafts = parse_file(Path(args.file), args.language)
    except (OSError, KnowledgeFormatError) as exc:
        raise SystemExit(f"cannot import {args.file}: {exc}") from exc

    async def work(session: Any) -> int:
        hotel_id = await _hotel_id(session, args.hotel)
        return await import_entries(session, hotel_id, drafts, replace=args.replace)

    count = _run(_with_session(work))
    print(f"imported {count} knowledge entries into {args.hotel}")


def cmd_knowledge_export(args: argparse.Namespace) -> None:
    """The hotel's entries as Markdown or YAML on stdout, in the form ``knowledge import`` reads."""
    from domain.knowledge.entries import export_entries
    from domain.knowledge.exporter import to_markdown, to_yaml

    async def work(session: Any) -> str:
        drafts = await export_entries(session, await _hotel_id(session, args.hotel))
        return to_yaml(drafts) if args.format == "yaml" else to_markdown(args.hotel, drafts)

    sys.stdout.write(_run(_with_session(work)))


def cmd_status(args: argparse.Namespace) -> None:
    """One look at the moving parts: database, migrations, Redis, queues, workers."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from arq.connections import create_pool
    from sqlalchemy import text

    from domain.db import create_engine
    from domain.ports import AI_QUEUE, SEND_QUEUE
    from domain.settings import get_settings
    from jobs.enqueue import queue_name
    from jobs.worker import redis_settings

    settings = get_settings()
    problems: list[str] = []

    async def check() -> None:
        engine = create_engine(settings.sqlalchemy_url, pool_size=1)
        try:
            async with engine.connect() as conn:
                version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
            head = ScriptDirectory.from_config(Config(str(ROOT / "alembic.ini"))).get_current_head()
            print(f"database      ok (migration {version}{'' if version == head else f', head is {head}'})")
            if version != head:
                problems.append("migrations are not at head")
        except Exception as exc:
            print(f"database      FAILED ({exc.__class__.__name__})")
            problems.append("database")
        finally:
            await engine.dispose()
        try:
            redis = await create_pool(redis_settings(settings.redis_url))
        except Exception as exc:
            print(f"redis         FAILED ({exc.__class__.__name__})")
            problems.append("redis")
            return
        try:
            for queue in (SEND_QUEUE, AI_QUEUE):
                name = queue_name(settings.redis_prefix, queue)
                waiting = await redis.zcard(name)
                report = await redis.get(f"{name}:health-check")
                worker = report.decode() if report else "no worker reported in the last 15 s"
                print(f"{queue:13} {waiting} waiting · {worker}")
                if not report:
                    problems.append(f"no worker on {queue}")
        finally:
            await redis.aclose()

    asyncio.run(check())
    if problems:
        raise SystemExit("problems: " + ", ".join(problems))


def cmd_rotate_secrets(args: argparse.Namespace) -> None:
    from domain.hotels.secrets import reencrypt_hotel_secrets

    _require_secret_key()
    count = _run(_with_uow(reencrypt_hotel_secrets))
    print(f"re-encrypted the secrets of {count} hotels with the current SECRET_KEY")
    print("SECRET_KEY_FALLBACKS can be emptied once every process runs with the new key")


def cmd_guest(args: argparse.Namespace) -> None:
    import json

    from domain.guests.privacy import GuestNotFound, erase_guest, export_guest, find_guest

    if args.action == "erase" and not args.yes:
        raise SystemExit("erasing is permanent: add --yes to confirm")

    async def work(uow: Any) -> Any:
        hotel_id = await _hotel_id(uow.session, args.hotel)
        guest = await find_guest(uow.session, hotel_id, phone=args.phone)
        if args.action == "export":
            return await export_guest(uow.session, hotel_id, guest)
        return await erase_guest(uow, hotel_id, guest)

    try:
        result = _run(_with_uow(work))
    except GuestNotFound as exc:
        raise SystemExit(str(exc)) from exc
    if args.action == "export":
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(f"guest erased ({result} messages, notes and events removed)")


def cmd_seed(args: argparse.Namespace) -> None:
    """Generated hotels with weeks of history, for demos and benchmarks (``domain/demo``)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from domain.demo.seed import SeedOptions, analyze, seed
    from domain.errors import Conflict, Invalid
    from domain.knowledge.importer import parse_file

    options = SeedOptions(
        hotels=args.hotels,
        conversations=args.conversations,
        days=args.days,
        seed=args.seed,
        prefix=args.prefix,
        password=args.password,
    )
    try:
        options.check()
    except Invalid as exc:
        raise SystemExit(f"hotelbot seed: {exc}") from None
    _require_secret_key()
    knowledge = parse_file(ROOT / "docs" / "demo-knowledge.md")
    started = time.monotonic()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, disable=args.quiet) as bar:
        task = bar.add_task("conversations", total=options.conversations)

        async def work(session: Any) -> Any:
            return await seed(session, options, knowledge, lambda done: bar.advance(task, done))

        try:
            report = _run(_with_session(work))
        except (Conflict, Invalid) as exc:
            raise SystemExit(f"hotelbot seed: {exc}") from None
    _run(_with_session(analyze))
    elapsed = time.monotonic() - started
    counts = ", ".join(f"{count:,} {table.replace('_', ' ')}" for table, count in report.rows.items())
    print(f"seeded {len(report.hotels)} hotels in {elapsed:.1f} s: {counts or 'no history'}")
    for slug, name in report.hotels[:5]:
        print(f"  {slug:28} {name}")
    if len(report.hotels) > 5:
        print(f"  ... and {len(report.hotels) - 5} more")
    first = report.hotels[0][0]
    print(f"staff sign in as admin@{first}.example, manager@{first}.example, agent1@{first}.example ...")
    print(f"  (every seeded account, at every seeded hotel) with the password {options.password}")


# ---------------------------------------------------------------- demo


def _wait_http(url: str, timeout: float = 120.0) -> None:
    """A fresh checkout compiles every module on its first start, and a busy machine is slower
    still: the demo waits for its processes rather than give up on a start that is only slow."""
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not come up within {timeout:.0f} s")


async def seed_demo(database_url: str) -> None:
    """The demo hotel, its knowledge, staff and saved replies; on kept data, only what is missing.

    Its tokens are stored again when the current SECRET_KEY cannot read them (data written by
    another key, e.g. by an older demo): the demo knows them, so it repairs rather than fails.
    """
    import yaml
    from sqlalchemy import func, select, update

    from domain.hotels.models import Hotel
    from domain.hotels.secrets import hotels_with_unreadable_secrets
    from domain.knowledge.importer import parse_file
    from domain.knowledge.service import import_entries
    from domain.saved_replies.models import SavedReply
    from domain.saved_replies.service import save_reply
    from domain.settings import Settings
    from domain.staff.models import Role
    from domain.staff.service import create_or_update_staff
    from jobs.services import provide_services

    # DATABASE_URL may be the documented postgresql://... form; the engine needs the asyncpg driver.
    async with (
        provide_services(Settings(database_url=database_url), pool_size=1) as services,
        services.uow() as uow,
    ):
        session = uow.session
        hotel_id = (
            await session.execute(select(Hotel.id).where(Hotel.green_api_instance_id == DEMO_INSTANCE))
        ).scalar_one_or_none()
        if hotel_id is None:
            hotel = Hotel(
                name="Hotel Aurora Berlin",
                slug=DEMO_SLUG,
                green_api_instance_id=DEMO_INSTANCE,
                green_api_token=DEMO_API_TOKEN,
                webhook_token=DEMO_WEBHOOK_TOKEN,
                persona="Warm, concise and professional; address guests by name when known.",
                facts=(
                    "Hotel Aurora Berlin, Lindenstrasse 5, 10969 Berlin. "
                    "Reception is open 24/7, +49 30 1234567."
                ),
                languages=["en", "de", "es", "fr", "it", "ru"],
                knowledge_language="en",
                timezone="Europe/Berlin",
            )
            session.add(hotel)
            await session.flush()
            hotel_id = hotel.id
            await import_entries(session, hotel_id, parse_file(ROOT / "docs" / "demo-knowledge.md"))
            for email, name, role in DEMO_STAFF:
                await create_or_update_staff(
                    uow,
                    email=email,
                    name=name,
                    password=DEMO_PASSWORD,
                    hotel_id=hotel_id,
                    role=Role(role),
                )
        elif DEMO_SLUG in await hotels_with_unreadable_secrets(session):
            await session.execute(
                update(Hotel)
                .where(Hotel.id == hotel_id)
                .values(green_api_token=DEMO_API_TOKEN, webhook_token=DEMO_WEBHOOK_TOKEN, llm_api_key=None)
            )
            print("the demo hotel's tokens were written with another key; stored again with this one")
        saved = (
            await session.execute(select(func.count()).where(SavedReply.hotel_id == hotel_id))
        ).scalar_one()
        if not saved:
            replies = yaml.safe_load((ROOT / "docs" / "demo-saved-replies.yaml").read_text())
            for shortcut, texts in replies.items():
                for language, text in texts.items():
                    await save_reply(uow, hotel_id, shortcut, language, text)
        await _demo_history(session, hotel_id)


DEMO_HISTORY_CONVERSATIONS = 420
DEMO_HISTORY_DAYS = 21


async def _demo_history(session: Any, hotel_id: Any) -> None:
    """Three weeks of guests, hand-offs, requests and ratings, so the analytics page has something
    to show; once (kept data that has older conversations has its history). Every conversation of
    it is resolved hours before the demo starts, under numbers the live guests do not use."""
    import datetime

    from sqlalchemy import func, select

    from domain.conversations.models import Conversation
    from domain.demo.seed import history

    now = datetime.datetime.now(datetime.UTC)
    older = await session.scalar(
        select(func.count())
        .select_from(Conversation)
        .where(Conversation.hotel_id == hotel_id, Conversation.created_at < now - datetime.timedelta(days=1))
    )
    if older:
        return
    await history(
        session,
        hotel_id,
        conversations=DEMO_HISTORY_CONVERSATIONS,
        days=DEMO_HISTORY_DAYS,
        end=now - datetime.timedelta(hours=3),
        local="de",
    )


def _lock_demo(data_dir: Path, dashboard: str) -> Any:
    """Hold ``.hotelbot/demo.lock`` while the demo runs its embedded PostgreSQL: a second demo on the
    same data would race the first for it. The lock goes with the process, however it ends."""
    import fcntl

    data_dir.mkdir(parents=True, exist_ok=True)
    handle = (data_dir / "demo.lock").open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise SystemExit(
            f"hotelbot demo: another demo already runs on {data_dir} ({holder}). "
            "Stop it first (Ctrl-C in its terminal), or run this one from another checkout."
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}, dashboard {dashboard}")
    handle.flush()
    return handle


def demo_environment(environ: dict[str, str], data_dir: Path, host: str, port: int) -> dict[str, str]:
    """What the demo's processes run with: the caller's settings first, the demo's where unset."""
    import embedded

    green_url, llm_url = f"http://{host}:{port + 1}", f"http://{host}:{port + 2}"
    env = dict(environ)
    defaults = {
        "SECRET_KEY": _demo_secret(data_dir),
        "GREEN_API_URL": green_url,
        "DEEPSEEK_API_URL": llm_url + "/v1",
        "DEEPSEEK_API_KEY": "sk-demo",
        "PUBLIC_BASE_URL": f"http://{host}:{port}",
        "AI_DEBOUNCE_SECONDS": "1.5",
        # A free port for the worker's /metrics: a busy 9100 (another program, a second demo) is no
        # reason for a warning in a newcomer's first minute.
        "WORKER_METRICS_PORT": str(embedded.free_port()),
        # The banner, then only what needs attention: every job and request at info is noise here.
        "LOG_LEVEL": "WARNING",
    }
    for name, value in defaults.items():
        if not env.get(name):
            env[name] = value
    return env


def cmd_demo(args: argparse.Namespace) -> None:
    import httpx

    import embedded
    from domain.settings import get_settings

    host, port = args.host, args.port
    green_url, llm_url = f"http://{host}:{port + 1}", f"http://{host}:{port + 2}"
    data_dir = ROOT / ".hotelbot"
    lock = None
    servers: list[Any] = []
    processes: list[subprocess.Popen[bytes]] = []

    def stop(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    python = sys.executable

    def start(env: dict[str, str], *args: str) -> None:
        # die_with_parent: however the demo ends, even killed, nothing it started runs on.
        process = subprocess.Popen(
            [python, "-m", "cli", *args],
            cwd=ROOT,
            env=env,
            preexec_fn=embedded.die_with_parent,  # noqa: PLW1509 - a prctl call before exec
        )
        processes.append(process)

    try:
        env = demo_environment(dict(os.environ), data_dir, host, port)
        if not env.get("DATABASE_URL"):
            lock = _lock_demo(data_dir, f"http://{host}:{port}/")
        # Each process spends seconds importing before it serves: the simulators need neither the
        # database nor Redis, so they start first and come up while the database is prepared.
        quiet = ["--log-level", "warning"]
        start(env, "sim", "green-api", "--host", host, "--port", str(port + 1), *quiet)
        start(env, "sim", "llm", "--host", host, "--port", str(port + 2), *quiet)
        if not env.get("DATABASE_URL"):
            pg = embedded.EmbeddedPostgres(data_dir / "postgres", durable=True).start()
            servers.append(pg)
            env["DATABASE_URL"] = pg.url
        if not env.get("REDIS_URL"):
            redis = embedded.EmbeddedRedis().start()
            servers.append(redis)
            env["REDIS_URL"] = redis.url
        os.environ.update(env)
        # The environment is complete only now: whatever read the settings before (nothing should)
        # must not leave this process encrypting with another SECRET_KEY than serve and worker use.
        get_settings.cache_clear()
        migrate(env["DATABASE_URL"])
        _run(seed_demo(env["DATABASE_URL"]))
        start(env, "serve", "--host", host, "--port", str(port))
        start(env, "worker")
        _wait_http(green_url + "/sim/instances")
        _wait_http(llm_url + "/v1/models")  # 401 without a key: it is up
        httpx.post(
            green_url + "/sim/instances",
            json={
                "idInstance": DEMO_INSTANCE,
                "apiTokenInstance": DEMO_API_TOKEN,
                "webhookUrl": f"http://{host}:{port}/webhooks/green-api",
                "webhookUrlToken": DEMO_WEBHOOK_TOKEN,
                "wid": "4930123456@c.us",
            },
            timeout=5,
        ).raise_for_status()
        _wait_http(f"http://{host}:{port}/health")
        print(
            "\n".join(
                [
                    "",
                    "WhatsApp Hotel Bot demo is running. Ctrl-C stops everything.",
                    f"  dashboard            http://{host}:{port}/",
                    f"  guest phone (Green API simulator)  {green_url}/",
                    f"  LLM simulator        {llm_url}/v1",
                    f"  demo hotel           {DEMO_SLUG}: idInstance {DEMO_INSTANCE}, "
                    f"API token {DEMO_API_TOKEN}, webhook token {DEMO_WEBHOOK_TOKEN}",
                    *[f"  staff ({role:7})      {email} / {DEMO_PASSWORD}" for email, _, role in DEMO_STAFF],
                    "  Sound alerts play once you have clicked in the dashboard (a browser rule).",
                    "",
                ]
            ),
            flush=True,
        )
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
        print("a demo process stopped; shutting down", file=sys.stderr)
    except KeyboardInterrupt:
        pass
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        for server in reversed(servers):
            # The demo's PostgreSQL keeps its data in .hotelbot/ for the next run; Redis is throwaway.
            server.stop() if isinstance(server, embedded.EmbeddedPostgres) else server.cleanup()
        if lock is not None:
            lock.close()


def _demo_secret(data_dir: Path) -> str:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


# ---------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hotelbot", description="WhatsApp concierge for hotels.")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="run everything locally: embedded servers, simulators, web, worker")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument(
        "--port", type=int, default=8000, help="dashboard port; simulators use PORT+1 and PORT+2"
    )
    demo.set_defaults(handler=cmd_demo)

    serve = sub.add_parser("serve", help="run the web process (uvicorn)")
    serve.add_argument("--host", default="0.0.0.0")  # noqa: S104 - a server's job
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(handler=cmd_serve)

    worker = sub.add_parser("worker", help="run the background workers (AI turns, sends, sweep)")
    worker.add_argument(
        "--check", action="store_true", help="exit 0 if both workers reported recently (a liveness probe)"
    )
    worker.add_argument(
        "--metrics-port",
        type=int,
        help="port of the worker's /metrics (default: WORKER_METRICS_PORT or 9100; 0 turns it off)",
    )
    worker.set_defaults(handler=cmd_worker)

    mig = sub.add_parser("migrate", help="upgrade the database schema")
    mig.add_argument("--revision", default="head")
    mig.set_defaults(handler=cmd_migrate)

    sim = sub.add_parser("sim", help="run a simulator: green-api or llm (pass --help after the name)")
    sim.add_argument("which", choices=["green-api", "llm"])
    sim.add_argument("rest", nargs=argparse.REMAINDER)
    sim.set_defaults(handler=cmd_sim)

    hotel = sub.add_parser("hotel", help="manage hotels").add_subparsers(dest="action", required=True)
    create = hotel.add_parser("create", help="create a hotel with its Green API instance")
    create.add_argument("--name", required=True)
    create.add_argument("--slug", required=True)
    create.add_argument("--instance-id", type=int, required=True, help="Green API idInstance")
    create.add_argument("--api-token", required=True, help="Green API apiTokenInstance (stored encrypted)")
    create.add_argument("--webhook-token", help="the webhookUrlToken Green API sends (generated if omitted)")
    create.add_argument("--green-api-url", help="this instance's apiUrl, if not GREEN_API_URL")
    create.add_argument("--persona")
    create.add_argument("--facts")
    create.add_argument("--languages", default="en")
    create.add_argument("--knowledge-language", default="en")
    create.add_argument("--timezone", default="UTC")
    create.set_defaults(handler=cmd_hotel_create)

    staff = sub.add_parser("staff", help="manage staff accounts").add_subparsers(dest="action", required=True)
    screate = staff.add_parser("create", help="create a staff account (or add a role at another hotel)")
    screate.add_argument("--email", required=True)
    screate.add_argument("--name", required=True)
    screate.add_argument("--password", help="at least 10 characters; omit for OIDC-only accounts")
    screate.add_argument("--hotel", required=True, help="hotel slug")
    screate.add_argument("--role", choices=["agent", "manager", "admin"], default="agent")
    screate.set_defaults(handler=cmd_staff_create)
    for action, text in (
        ("disable", "disable an account at every hotel and end its sessions (platform operators)"),
        ("enable", "let a disabled account sign in again (hotel admins deactivate memberships)"),
    ):
        access = staff.add_parser(action, help=text)
        access.add_argument("--email", required=True)
        access.set_defaults(handler=cmd_staff_access)

    guest = sub.add_parser("guest", help="guest data requests (GDPR)").add_subparsers(
        dest="action", required=True
    )
    for action, text in (
        ("export", "print everything stored about a guest as JSON"),
        ("erase", "delete a guest and all their messages for good"),
    ):
        guest_parser = guest.add_parser(action, help=text)
        guest_parser.add_argument("--hotel", required=True, help="hotel slug")
        guest_parser.add_argument(
            "--phone",
            required=True,
            help="the guest's WhatsApp number, e.g. +491701234567, or their WhatsApp id (…@lid)",
        )
        if action == "erase":
            guest_parser.add_argument("--yes", action="store_true", help="confirm the permanent erasure")
        guest_parser.set_defaults(handler=cmd_guest)

    seed = sub.add_parser(
        "seed", help="generate hotels with staff and weeks of realistic history (demos, benchmarks)"
    )
    seed.add_argument("--hotels", type=int, default=2)
    seed.add_argument("--conversations", type=int, default=100, help="in all, spread over the hotels")
    seed.add_argument("--days", type=int, default=60, help="the history covers the last DAYS days")
    seed.add_argument("--seed", type=int, default=1, help="the same seed generates the same data")
    seed.add_argument("--prefix", default="seed", help="hotel slugs are PREFIX-<city>-<n>")
    seed.add_argument("--password", default="seeded-staff-2026", help="every seeded staff account's password")
    seed.add_argument("--quiet", action="store_true", help="no progress bar")
    seed.set_defaults(handler=cmd_seed)

    status = sub.add_parser("status", help="check database, migrations, Redis, queue lengths and workers")
    status.set_defaults(handler=cmd_status)

    rotate = sub.add_parser(
        "rotate-secrets", help="re-encrypt stored provider tokens with SECRET_KEY (after a key rotation)"
    )
    rotate.set_defaults(handler=cmd_rotate_secrets)

    knowledge = sub.add_parser("knowledge", help="manage the knowledge base").add_subparsers(
        dest="action", required=True
    )
    kimport = knowledge.add_parser("import", help="import entries from Markdown (## Title) or YAML")
    kimport.add_argument("file")
    kimport.add_argument("--hotel", required=True, help="hotel slug")
    kimport.add_argument("--language", default="en")
    kimport.add_argument("--replace", action="store_true", help="replace the hotel's whole knowledge base")
    kimport.set_defaults(handler=cmd_knowledge_import)
    kexport = knowledge.add_parser("export", help="print the entries as Markdown or YAML (import reads both)")
    kexport.add_argument("--hotel", required=True, help="hotel slug")
    kexport.add_argument("--format", choices=["md", "yaml"], default="md")
    kexport.set_defaults(handler=cmd_knowledge_export)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.command in ("serve", "worker", "demo", "migrate"):
        from domain.settings import Settings, SettingsError
        from observability.logs import configure_logging

        # Read here for the log set-up only: the settings every other part uses are read once, on
        # first use, and the demo completes the environment (its SECRET_KEY, URLs) before that.
        # Also the one place a bad variable stops the start, with its name instead of a traceback.
        try:
            settings = Settings.from_env()
        except SettingsError as error:
            raise SystemExit(f"hotelbot: {error}") from None
        configure_logging(settings.log_level, settings.log_format)
    args.handler(args)


if __name__ == "__main__":
    main()

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


def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    uvicorn.run(
        "web.app:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=True,
        forwarded_allow_ips=args.forwarded_allow_ips,
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


async def _with_session(work: Callable[[Any], Any]) -> Any:
    from domain.db import create_engine, session_factory
    from domain.settings import get_settings

    settings = get_settings()
    if not settings.database_url:
        raise SystemExit("DATABASE_URL is not set")
    engine = create_engine(settings.sqlalchemy_url, pool_size=1)
    try:
        async with session_factory(engine)() as session, session.begin():
            return await work(session)
    finally:
        await engine.dispose()


async def _hotel_by_slug(session: Any, slug: str) -> Any:
    from sqlalchemy import select

    from domain.hotels.models import Hotel

    hotel = (await session.execute(select(Hotel).where(Hotel.slug == slug))).scalar_one_or_none()
    if hotel is None:
        raise SystemExit(f"no hotel with slug '{slug}'")
    return hotel


def cmd_hotel_create(args: argparse.Namespace) -> None:
    from domain.hotels.models import Hotel

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

    async def work(session: Any) -> Any:
        hotel = await _hotel_by_slug(session, args.hotel)
        return await create_or_update_staff(
            session,
            email=args.email,
            name=args.name,
            password=args.password,
            hotel_id=hotel.id,
            role=Role(args.role),
        )

    try:
        staff = _run(_with_session(work))
    except ValueError as exc:
        raise SystemExit(str(exc)) from exc
    print(f"staff {staff.email} is {args.role} at {args.hotel}")


def cmd_knowledge_import(args: argparse.Namespace) -> None:
    from domain.knowledge.importer import KnowledgeFormatError, parse_file
    from domain.knowledge.service import import_entries

    try:
        drafts = parse_file(Path(args.file), args.language)
    except (OSError, KnowledgeFormatError) as exc:
        raise SystemExit(f"cannot import {args.file}: {exc}") from exc

    async def work(session: Any) -> int:
        hotel = await _hotel_by_slug(session, args.hotel)
        return await import_entries(session, hotel.id, drafts, replace=args.replace)

    count = _run(_with_session(work))
    print(f"imported {count} knowledge entries into {args.hotel}")


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

    count = _run(_with_session(reencrypt_hotel_secrets))
    print(f"re-encrypted the secrets of {count} hotels with the current SECRET_KEY")
    print("SECRET_KEY_FALLBACKS can be emptied once every process runs with the new key")


def cmd_guest(args: argparse.Namespace) -> None:
    import json

    from domain.guests.privacy import GuestNotFound, erase_guest, export_guest, find_guest

    if args.action == "erase" and not args.yes:
        raise SystemExit("erasing is permanent: add --yes to confirm")

    async def work(session: Any) -> Any:
        hotel = await _hotel_by_slug(session, args.hotel)
        guest = await find_guest(session, hotel.id, phone=args.phone)
        if args.action == "export":
            return await export_guest(session, hotel.id, guest)
        return await erase_guest(session, hotel.id, guest)

    try:
        result = _run(_with_session(work))
    except GuestNotFound as exc:
        raise SystemExit(str(exc)) from exc
    if args.action == "export":
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(f"guest erased ({result} messages, notes and events removed)")


# ---------------------------------------------------------------- demo


def _wait_http(url: str, timeout: float = 30.0) -> None:
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
    from sqlalchemy import select

    from domain.db import create_engine, session_factory
    from domain.hotels.models import Hotel
    from domain.knowledge.importer import parse_file
    from domain.knowledge.service import import_entries
    from domain.settings import Settings
    from domain.staff.models import Role
    from domain.staff.service import create_or_update_staff

    # DATABASE_URL may be the documented postgresql://... form; the engine needs the asyncpg driver.
    engine = create_engine(Settings(database_url=database_url).sqlalchemy_url, pool_size=1)
    try:
        async with session_factory(engine)() as session, session.begin():
            hotel = (
                await session.execute(select(Hotel).where(Hotel.green_api_instance_id == DEMO_INSTANCE))
            ).scalar_one_or_none()
            if hotel is not None:
                return
            hotel = Hotel(
                name="Hotel Aurora Berlin",
                slug="aurora-berlin",
                green_api_instance_id=DEMO_INSTANCE,
                green_api_token=DEMO_API_TOKEN,
                webhook_token=DEMO_WEBHOOK_TOKEN,
                persona="Warm, concise and professional; address guests by name when known.",
                facts=(
                    "Hotel Aurora Berlin, Lindenstrasse 5, 10969 Berlin. "
                    "Reception is open 24/7, +49 30 1234567."
                ),
                languages=["en", "de", "es", "fr", "ru"],
                knowledge_language="en",
                timezone="Europe/Berlin",
            )
            session.add(hotel)
            await session.flush()
            await import_entries(session, hotel.id, parse_file(ROOT / "docs" / "demo-knowledge.md"))
            for email, name, role in DEMO_STAFF:
                await create_or_update_staff(
                    session,
                    email=email,
                    name=name,
                    password=DEMO_PASSWORD,
                    hotel_id=hotel.id,
                    role=Role(role),
                )
    finally:
        await engine.dispose()


def cmd_demo(args: argparse.Namespace) -> None:
    import httpx

    import embedded

    host, port = args.host, args.port
    green_url, llm_url = f"http://{host}:{port + 1}", f"http://{host}:{port + 2}"
    data_dir = ROOT / ".hotelbot"
    servers: list[Any] = []
    processes: list[subprocess.Popen[bytes]] = []
    env = dict(os.environ)

    def stop(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        if not env.get("DATABASE_URL"):
            pg = embedded.EmbeddedPostgres(data_dir / "postgres", durable=True).start()
            servers.append(pg)
            env["DATABASE_URL"] = pg.url
        if not env.get("REDIS_URL"):
            redis = embedded.EmbeddedRedis().start()
            servers.append(redis)
            env["REDIS_URL"] = redis.url
        env.setdefault("SECRET_KEY", _demo_secret(data_dir))
        env.setdefault("GREEN_API_URL", green_url)
        env.setdefault("DEEPSEEK_API_URL", llm_url + "/v1")
        env.setdefault("DEEPSEEK_API_KEY", "sk-demo")
        env.setdefault("PUBLIC_BASE_URL", f"http://{host}:{port}")
        env.setdefault("AI_DEBOUNCE_SECONDS", "1.5")
        os.environ.update(env)
        migrate(env["DATABASE_URL"])
        _run(seed_demo(env["DATABASE_URL"]))

        python = sys.executable

        def start(*args: str) -> None:
            # die_with_parent: however the demo ends, even killed, nothing it started runs on.
            process = subprocess.Popen(
                [python, "-m", "cli", *args],
                cwd=ROOT,
                env=env,
                preexec_fn=embedded.die_with_parent,  # noqa: PLW1509 - a prctl call before exec
            )
            processes.append(process)

        start("sim", "green-api", "--host", host, "--port", str(port + 1))
        start("sim", "llm", "--host", host, "--port", str(port + 2))
        _wait_http(green_url + "/sim/instances")
        _wait_http(llm_url + "/v1/models")
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
        start("serve", "--host", host, "--port", str(port))
        start("worker")
        _wait_http(f"http://{host}:{port}/health")
        print(
            "\n".join(
                [
                    "",
                    "WhatsApp Hotel Bot demo is running. Ctrl-C stops everything.",
                    f"  dashboard            http://{host}:{port}/",
                    f"  guest phone (Green API simulator)  {green_url}/",
                    f"  LLM simulator        {llm_url}/v1",
                    f"  demo hotel           idInstance {DEMO_INSTANCE}, API token {DEMO_API_TOKEN}, "
                    f"webhook token {DEMO_WEBHOOK_TOKEN}",
                    *[f"  staff ({role:7})      {email} / {DEMO_PASSWORD}" for email, _, role in DEMO_STAFF],
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
    serve.add_argument("--forwarded-allow-ips", default="127.0.0.1")
    serve.set_defaults(handler=cmd_serve)

    worker = sub.add_parser("worker", help="run the background workers (AI turns, sends, sweep)")
    worker.add_argument(
        "--check", action="store_true", help="exit 0 if both workers reported recently (a liveness probe)"
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
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.command in ("serve", "worker", "demo", "migrate"):
        from domain.settings import get_settings
        from jobs.logs import configure_logging

        settings = get_settings()
        configure_logging(settings.log_level, settings.log_format)
    args.handler(args)


if __name__ == "__main__":
    main()

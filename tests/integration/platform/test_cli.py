"""The ``hotelbot`` command as an operator runs it: real subprocesses against a real database."""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import select

from domain.db import create_engine, session_factory
from domain.hotels.models import Hotel
from domain.settings import get_settings
from domain.staff.passwords import verify_password
from tests.support.migrate import ROOT, alembic_config, upgrade_head

HEAD = ScriptDirectory.from_config(alembic_config("postgresql://unused")).get_current_head()


# ---------------------------------------------------------------- helpers


def _plain(url: str) -> str:
    """The documented DATABASE_URL form (postgresql://...), as an operator would write it."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def hotelbot(
    *args: str, database_url: str | None = None, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    if database_url:
        env["DATABASE_URL"] = _plain(database_url)
    env.update(extra_env or {})
    # The key this test process decrypts with, so the rows can be read back through the models.
    env["SECRET_KEY"] = get_settings().secret_key
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def _admin(postgres_server_url: str, sql: str) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(_plain(postgres_server_url))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


def _fetch(url: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    async def run() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(_plain(url))
        try:
            return list(await conn.fetch(sql, *args))
        finally:
            await conn.close()

    return asyncio.run(run())


def _new_database(postgres_server_url: str) -> str:
    name = f"hotelbot_cli_{secrets.token_hex(4)}"
    _admin(postgres_server_url, f'CREATE DATABASE "{name}"')
    return postgres_server_url.rsplit("/", 1)[0] + "/" + name


def _drop_database(postgres_server_url: str, url: str) -> None:
    _admin(postgres_server_url, f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


@pytest.fixture
def empty_database(postgres_server_url: str) -> Iterator[str]:
    url = _new_database(postgres_server_url)
    try:
        yield url
    finally:
        _drop_database(postgres_server_url, url)


@pytest.fixture(scope="module")
def cli_database(postgres_server_url: str) -> Iterator[str]:
    """A migrated database of its own for this module's admin commands."""
    url = _new_database(postgres_server_url)
    upgrade_head(url)
    try:
        yield url
    finally:
        _drop_database(postgres_server_url, url)


@pytest.fixture(scope="module")
def empty_hotel(cli_database: str) -> str:
    """A hotel with no knowledge and no staff, for the commands that must be refused."""
    return _create_hotel(cli_database)


def _create_hotel(database_url: str, slug: str | None = None, **options: str) -> str:
    slug = slug or f"hotel-{secrets.token_hex(3)}"
    args = {
        "--name": f"Hotel {slug}",
        "--instance-id": str(1100000000 + secrets.randbelow(10**8)),
        "--api-token": "tok-" + secrets.token_hex(8),
        **options,
    }
    result = hotelbot(
        "hotel", "create", "--slug", slug, *[x for kv in args.items() for x in kv], database_url=database_url
    )
    assert result.returncode == 0, result.stderr
    return slug


def _knowledge(database_url: str, slug: str) -> list[asyncpg.Record]:
    return _fetch(
        database_url,
        "SELECT k.title, k.body, k.language, k.search_config::text AS search_config, k.valid_from, "
        "k.valid_until FROM knowledge_entries k JOIN hotels h ON h.id = k.hotel_id WHERE h.slug = $1 "
        "ORDER BY k.title",
        slug,
    )


def _assert_clean_failure(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    for text in expected:
        assert text in result.stderr, result.stderr


# ---------------------------------------------------------------- --help


HELP: list[tuple[list[str], str, list[str]]] = [
    ([], "usage: hotelbot", ["demo", "serve", "worker", "migrate", "knowledge"]),
    (["demo"], "usage: hotelbot demo", ["--host", "--port", "PORT+1"]),
    (["serve"], "usage: hotelbot serve", ["--host", "--port", "--workers"]),
    (["worker"], "usage: hotelbot worker", []),
    (["migrate"], "usage: hotelbot migrate", ["--revision"]),
    (["sim"], "usage: hotelbot sim", ["green-api", "llm"]),
    (["sim", "green-api"], "usage:", ["--port", "--instance"]),
    (["sim", "llm"], "usage:", ["--port", "--latency-ms"]),
    (["hotel", "create"], "usage: hotelbot hotel create", ["--slug", "--instance-id", "--api-token"]),
    (["staff", "create"], "usage: hotelbot staff create", ["--email", "--role", "--password", "--hotel"]),
    (["knowledge", "import"], "usage: hotelbot knowledge import", ["file", "--hotel", "--replace"]),
    (["seed"], "usage: hotelbot seed", ["--hotels", "--conversations", "--days", "--seed"]),
]


@pytest.mark.parametrize(
    ("args", "usage", "mentions"), [pytest.param(*case, id=" ".join(case[0]) or "hotelbot") for case in HELP]
)
def test_help_of_every_command(args: list[str], usage: str, mentions: list[str]) -> None:
    result = hotelbot(*args, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(usage), result.stdout
    for word in mentions:
        assert word in result.stdout, f"{word!r} missing from the help of {args}"


def test_unknown_command_is_a_usage_error() -> None:
    result = hotelbot("frobnicate")
    _assert_clean_failure(result, "invalid choice")


# ---------------------------------------------------------------- migrate


def test_migrate_brings_a_fresh_database_to_head(empty_database: str) -> None:
    result = hotelbot("migrate", database_url=empty_database)
    assert result.returncode == 0, result.stderr
    assert "migrated to head" in result.stdout
    [row] = _fetch(empty_database, "SELECT version_num FROM alembic_version")
    assert row["version_num"] == HEAD
    tables = {r["tablename"] for r in _fetch(empty_database, "SELECT tablename FROM pg_tables")}
    assert {"hotels", "staff_users", "memberships", "knowledge_entries", "conversations"} <= tables
    again = hotelbot("migrate", database_url=empty_database)
    assert again.returncode == 0, "migrating an up-to-date database is a no-op, not an error"


def test_migrate_without_database_url_says_so() -> None:
    _assert_clean_failure(hotelbot("migrate"), "DATABASE_URL is not set")


# ---------------------------------------------------------------- hotel, staff, knowledge


async def _hotel(database_url: str, slug: str) -> Hotel:
    engine = create_engine(database_url, pool_size=1)
    try:
        async with session_factory(engine)() as session:
            return (await session.execute(select(Hotel).where(Hotel.slug == slug))).scalar_one()
    finally:
        await engine.dispose()


def test_set_up_a_hotel_from_the_command_line(cli_database: str) -> None:
    slug = f"aurora-{secrets.token_hex(3)}"
    created = hotelbot(
        "hotel", "create",
        "--name", "Hotel Aurora",
        "--slug", slug,
        "--instance-id", "1101999001",
        "--api-token", "secret-api-token-42",
        "--webhook-token", "hook-token-7",
        "--languages", "en,de",
        "--timezone", "Europe/Berlin",
        database_url=cli_database,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert f"hotel {slug} created" in created.stdout
    assert "hook-token-7" in created.stdout, "the operator is told the webhook token to configure"

    [raw] = _fetch(
        cli_database,
        "SELECT green_api_instance_id, green_api_token, webhook_token, languages, timezone "
        "FROM hotels WHERE slug = $1",
        slug,
    )
    assert raw["green_api_instance_id"] == 1101999001
    assert raw["languages"] == ["en", "de"]
    assert raw["timezone"] == "Europe/Berlin"
    assert "secret-api-token-42" not in raw["green_api_token"], "the API token is stored encrypted"
    assert "hook-token-7" not in raw["webhook_token"], "the webhook token is stored encrypted"
    hotel = asyncio.run(_hotel(cli_database, slug))
    assert hotel.green_api_token == "secret-api-token-42", "and decrypts with SECRET_KEY"
    assert hotel.webhook_token == "hook-token-7"

    staff = hotelbot(
        "staff", "create",
        "--hotel", slug,
        "--email", "Mia@Example.com",
        "--name", "Mia",
        "--role", "admin",
        "--password", "correct-horse-battery",
        database_url=cli_database,
    )  # fmt: skip
    assert staff.returncode == 0, staff.stderr
    assert f"is admin at {slug}" in staff.stdout
    [member] = _fetch(
        cli_database,
        "SELECT s.email, s.name, s.password_hash, m.role::text AS role FROM staff_users s "
        "JOIN memberships m ON m.staff_id = s.id JOIN hotels h ON h.id = m.hotel_id WHERE h.slug = $1",
        slug,
    )
    assert (member["email"], member["name"], member["role"]) == ("mia@example.com", "Mia", "admin")
    assert "correct-horse-battery" not in member["password_hash"]
    assert verify_password(member["password_hash"], "correct-horse-battery"), "she can log in with it"
    assert not verify_password(member["password_hash"], "wrong-password-123")

    imported = hotelbot(
        "knowledge", "import", "docs/demo-knowledge.md", "--hotel", slug, database_url=cli_database
    )
    assert imported.returncode == 0, imported.stderr
    entries = _knowledge(cli_database, slug)
    assert f"imported {len(entries)} knowledge entries into {slug}" in imported.stdout
    titles = [entry["title"] for entry in entries]
    assert {"Breakfast", "Parking", "Wi-Fi"} <= set(titles)
    breakfast = next(entry for entry in entries if entry["title"] == "Breakfast")
    assert "7:00 to 10:30" in breakfast["body"]
    assert not any("knowledge for the AI concierge" in entry["body"] for entry in entries), (
        "the file's preamble before the first '## ' is not an entry"
    )
    assert {entry["search_config"] for entry in entries} == {"english"}

    again = hotelbot(
        "knowledge",
        "import",
        "docs/demo-knowledge.md",
        "--hotel",
        slug,
        "--replace",
        database_url=cli_database,
    )
    assert again.returncode == 0, again.stderr
    assert len(_knowledge(cli_database, slug)) == len(entries), "--replace replaces instead of duplicating"


def test_too_short_password_is_refused(cli_database: str, empty_hotel: str) -> None:
    result = hotelbot(
        "staff", "create", "--hotel", empty_hotel, "--email", "short@example.com", "--name", "Shorty",
        "--role", "admin", "--password", "abc123", database_url=cli_database,
    )  # fmt: skip
    _assert_clean_failure(result, "at least 10 characters")
    rows = _fetch(cli_database, "SELECT 1 FROM staff_users WHERE email = 'short@example.com'")
    assert rows == [], "no account without a valid password"


@pytest.mark.parametrize(
    "command",
    [
        ["staff", "create", "--hotel", "no-such-hotel", "--email", "x@example.com", "--name", "X",
         "--password", "long-enough-password"],
        ["knowledge", "import", "docs/demo-knowledge.md", "--hotel", "no-such-hotel"],
    ],
    ids=["staff create", "knowledge import"],
)  # fmt: skip
def test_unknown_hotel_slug_is_refused(cli_database: str, command: list[str]) -> None:
    result = hotelbot(*command, database_url=cli_database)
    _assert_clean_failure(result, "no hotel with slug 'no-such-hotel'")
    assert _fetch(cli_database, "SELECT 1 FROM staff_users WHERE email = 'x@example.com'") == []


def test_duplicate_hotel_is_refused_clearly(cli_database: str, empty_hotel: str) -> None:
    result = hotelbot(
        "hotel", "create", "--name", "Again", "--slug", empty_hotel, "--instance-id", "1101888001",
        "--api-token", "tok", database_url=cli_database,
    )  # fmt: skip
    _assert_clean_failure(result, "already exists")


def test_import_yaml_with_validity_dates(cli_database: str, tmp_path: Path) -> None:
    slug = _create_hotel(cli_database)
    source = tmp_path / "seasonal.yaml"
    source.write_text(
        "entries:\n"
        "  - title: Christmas market shuttle\n"
        "    body: A free shuttle runs to the Gendarmenmarkt Christmas market every evening at 18:00.\n"
        "    valid_from: 2026-11-24\n"
        "    valid_until: 2026-12-31\n"
        "  - title: Frühstück\n"
        "    body: Das Frühstück gibt es täglich von 7:00 bis 10:30 Uhr.\n"
        "    language: de\n"
        "  - title: Pool renovation\n"
        "    body: The pool is closed for renovation until 15 March.\n"
        '    valid_until: "2027-03-15"\n',
        encoding="utf-8",
    )
    result = hotelbot("knowledge", "import", str(source), "--hotel", slug, database_url=cli_database)
    assert result.returncode == 0, result.stderr
    assert "imported 3 knowledge entries" in result.stdout
    entries = {entry["title"]: entry for entry in _knowledge(cli_database, slug)}
    shuttle = entries["Christmas market shuttle"]
    assert (str(shuttle["valid_from"]), str(shuttle["valid_until"])) == ("2026-11-24", "2026-12-31")
    assert shuttle["language"] == "en"
    assert (entries["Frühstück"]["language"], entries["Frühstück"]["search_config"]) == ("de", "german")
    assert entries["Frühstück"]["valid_from"] is None
    assert str(entries["Pool renovation"]["valid_until"]) == "2027-03-15"


@pytest.mark.parametrize("fmt", ["md", "yaml"])
def test_knowledge_export_imports_into_another_hotel_unchanged(
    cli_database: str, tmp_path: Path, fmt: str
) -> None:
    source, target = _create_hotel(cli_database), _create_hotel(cli_database)
    seasonal = tmp_path / "seasonal.yaml"
    seasonal.write_text(
        "- title: Pool renovation\n  body: Closed until March.\n  tags: [pool, works]\n"
        "  valid_from: 2026-11-01\n  valid_until: 2027-03-15\n"
        "- title: Frühstück\n  body: |\n    Ab 7:00 Uhr.\n\n    Am Wochenende bis 11:00.\n  language: de\n",
        encoding="utf-8",
    )
    assert (
        hotelbot(
            "knowledge", "import", str(seasonal), "--hotel", source, database_url=cli_database
        ).returncode
        == 0
    )
    exported = hotelbot("knowledge", "export", "--hotel", source, "--format", fmt, database_url=cli_database)
    assert exported.returncode == 0, exported.stderr
    copy = tmp_path / f"export.{fmt}"
    copy.write_text(exported.stdout, encoding="utf-8")
    imported = hotelbot("knowledge", "import", str(copy), "--hotel", target, database_url=cli_database)
    assert imported.returncode == 0, imported.stderr
    assert _knowledge(cli_database, target) == _knowledge(cli_database, source)
    tags = _fetch(
        cli_database,
        "SELECT k.tags FROM knowledge_entries k JOIN hotels h ON h.id = k.hotel_id "
        "WHERE h.slug = $1 AND k.title = 'Pool renovation'",
        target,
    )
    assert tags[0]["tags"] == ["pool", "works"]


MALFORMED: list[tuple[str, str | bytes | None, str]] = [
    ("broken.yaml", "- title: Sauna\n  body: [unclosed\n", "not valid YAML"),
    ("mapping.yaml", "title: Sauna\nbody: Open 7-21.\n", "expected a list of entries"),
    ("no-body.yaml", "- title: Sauna\n  body:\n", "needs a title and a body"),
    (
        "bad-date.yaml",
        "- title: Sauna\n  body: Open.\n  valid_from: next week\n",
        "valid_from must be a date",
    ),
    ("impossible-date.yaml", "- title: Sauna\n  body: Open.\n  valid_until: 2026-02-30\n", "not valid YAML"),
    (
        "reversed-dates.yaml",
        "- title: Sauna\n  body: Open.\n  valid_from: 2026-05-01\n  valid_until: 2026-04-01\n",
        "valid_from is after valid_until",
    ),
    ("no-headings.md", "Just some text without any entry headings.\n", "no entries found"),
    ("latin1.md", "## Frühstück\nAb 7 Uhr.\n".encode("latin-1"), "not a UTF-8 text file"),
    ("missing.yaml", None, "No such file"),
]


@pytest.mark.parametrize(
    ("name", "content", "message"), [pytest.param(*case, id=case[0]) for case in MALFORMED]
)
def test_malformed_knowledge_file_is_refused(
    cli_database: str, empty_hotel: str, tmp_path: Path, name: str, content: str | bytes | None, message: str
) -> None:
    source = tmp_path / name
    if isinstance(content, bytes):
        source.write_bytes(content)
    elif content is not None:
        source.write_text(content, encoding="utf-8")
    before = _knowledge(cli_database, empty_hotel)
    result = hotelbot("knowledge", "import", str(source), "--hotel", empty_hotel, database_url=cli_database)
    _assert_clean_failure(result, f"cannot import {source}", message)
    assert _knowledge(cli_database, empty_hotel) == before, "nothing of a refused file is imported"


def test_seed_generates_hotels_with_history_that_staff_can_sign_in_to(cli_database: str) -> None:
    args = ["seed", "--hotels", "2", "--conversations", "40", "--days", "14", "--prefix", "cli", "--quiet"]
    result = hotelbot(*args, database_url=cli_database)
    assert result.returncode == 0, result.stderr
    assert "seeded 2 hotels" in result.stdout
    assert "40 conversations" in result.stdout
    assert "manager@cli-berlin-1.example" in result.stdout
    counts = _fetch(
        cli_database,
        "SELECT h.slug, count(DISTINCT c.id) AS conversations, count(m.id) AS messages "
        "FROM hotels h JOIN conversations c ON c.hotel_id = h.id JOIN messages m ON m.conversation_id = c.id "
        "WHERE h.slug LIKE 'cli-%' GROUP BY h.slug ORDER BY h.slug",
    )
    assert [row["slug"] for row in counts] == ["cli-berlin-1", "cli-paris-1"]
    assert sum(row["conversations"] for row in counts) == 40
    assert all(row["messages"] > row["conversations"] for row in counts)
    staff = _fetch(
        cli_database, "SELECT password_hash FROM staff_users WHERE email = 'manager@cli-paris-1.example'"
    )
    assert verify_password(staff[0]["password_hash"], "seeded-staff-2026"), "the printed password signs in"
    # The same prefix again: refused, and nothing half-written.
    _assert_clean_failure(hotelbot(*args, database_url=cli_database), "exist already")
    assert _fetch(cli_database, "SELECT count(*) FROM hotels WHERE slug LIKE 'cli-%'")[0]["count"] == 2


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--hotels", "0", "--hotels"),
        ("--conversations", "-1", "--conversations"),
        ("--days", "100000", "--days"),
        ("--prefix", "bad prefix;", "--prefix"),
    ],
)
def test_seed_refuses_sizes_out_of_range(cli_database: str, option: str, value: str, says: str) -> None:
    _assert_clean_failure(hotelbot("seed", option, value, "--quiet", database_url=cli_database), says)


def test_status_reports_the_database_and_missing_workers(cli_database: str, redis_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": cli_database, "REDIS_URL": redis_url, "REDIS_PREFIX": "status-test:"}
    result = subprocess.run(
        [sys.executable, "-m", "cli", "status"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "database      ok" in result.stdout
    assert "no worker reported" in result.stdout
    assert "no worker on hotelbot:send" in result.stderr


# ---------------------------------------------------------------- SECRET_KEY


@pytest.mark.parametrize(
    "command",
    [
        ["serve", "--port", "1"],
        ["worker"],
        ["rotate-secrets"],
        ["seed"],
        ["hotel", "create", "--name", "X", "--slug", "x", "--instance-id", "1", "--api-token", "t"],
    ],
)
@pytest.mark.parametrize("secret", [None, "", "dev-only-secret-key-change-me", "short"])
def test_without_a_real_secret_key_the_commands_that_use_secrets_refuse_to_run(
    command: list[str], secret: str | None
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["DATABASE_URL"] = "postgresql://nobody@127.0.0.1:1/none"  # never reached: refused first
    if secret is not None:
        env["SECRET_KEY"] = secret
    result = subprocess.run(
        [sys.executable, "-m", "cli", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr, "a clear message, not a stack"


@pytest.mark.parametrize("command", [["serve"], ["worker"], ["migrate"]])
def test_a_setting_of_the_wrong_kind_stops_the_start_naming_the_variable(command: list[str]) -> None:
    result = hotelbot(
        *command,
        database_url="postgresql://nobody@127.0.0.1:1/none",
        extra_env={"SESSION_IDLE_SECONDS": "abc"},
    )
    _assert_clean_failure(result, "SESSION_IDLE_SECONDS='abc'", "valid integer")

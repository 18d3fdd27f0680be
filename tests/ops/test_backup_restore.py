"""scripts/backup.py and scripts/restore.py: a real backup, verify and restore cycle, damaged files,
the refusals that protect a live database, --latest and the retention policy."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import re
import secrets
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

import embedded
from tests.ops import (
    assert_exit,
    database_names,
    drop_database,
    execute,
    fetch,
    output,
    plain,
    run_script,
    scratch_database,
    script_env,
    url_for,
)
from tests.support.migrate import upgrade_head

# Guest text in several scripts, a quote that SQL must escape, and an emoji outside the BMP.
GUESTS = ["Zoë Müller", "Фёдор Достоевский", "山田 太郎", 'O\'Brien "Bob"', "Ayşe 🛎️ Yılmaz"]  # noqa: RUF001


def _fill(url: str, hotels: int, guests: list[str]) -> None:
    """Rows in the app's own tables (after ``alembic upgrade head``), written with plain SQL."""
    statements = []
    for n in range(hotels):
        statements.append(
            "INSERT INTO hotels (id, name, slug, webhook_token, persona, facts, languages,"
            " knowledge_language, timezone, ai_enabled, created_at, updated_at) VALUES"
            f" (gen_random_uuid(), 'Hôtel Ærø {n} — Straße', 'hotel-{n}-{secrets.token_hex(3)}', 'tok',"
            " 'Freundlich; дружелюбный', 'Frühstück 7–10 Uhr ☕', ARRAY['de','en'], 'de', 'Europe/Berlin',"  # noqa: RUF001
            " true, now(), now())"
        )
    for n, name in enumerate(guests):
        escaped = name.replace("'", "''")
        statements.append(
            "INSERT INTO guests (id, hotel_id, chat_id, phone, name, is_group, created_at, updated_at)"
            f" SELECT gen_random_uuid(), id, '49170{n:07d}@c.us', '+49170{n:07d}', '{escaped}', false,"
            " now(), now() FROM hotels ORDER BY slug LIMIT 1"
        )
    statements.append(
        "INSERT INTO conversations (id, hotel_id, guest_id, state, last_message_preview, created_at,"
        " updated_at) SELECT gen_random_uuid(), hotel_id, id, 'ai', 'Wann gibt es Frühstück? 🥐', now(),"
        " now() FROM guests"
    )
    execute(url, *statements)


def _rows(url: str) -> dict[str, list[tuple[object, ...]]]:
    """What the restore must bring back, compared field by field."""
    return {
        "hotels": [
            tuple(r) for r in fetch(url, "SELECT id, name, slug, facts, languages FROM hotels ORDER BY id")
        ],
        "guests": [tuple(r) for r in fetch(url, "SELECT id, hotel_id, name, phone FROM guests ORDER BY id")],
        "conversations": [
            tuple(r)
            for r in fetch(
                url, "SELECT id, guest_id, state::text, last_message_preview FROM conversations ORDER BY id"
            )
        ],
    }


@pytest.fixture(scope="module")
def source(postgres_server_url: str) -> Iterator[str]:
    """A migrated database with hotels, guests (non-ASCII names) and conversations."""
    with scratch_database(postgres_server_url, "ops_source") as url:
        upgrade_head(url)
        _fill(url, hotels=2, guests=GUESTS)
        yield url


@pytest.fixture(scope="module")
def occupied(postgres_server_url: str) -> Iterator[str]:
    """A database with other data than the backup's: what a restore must not overwrite lightly."""
    with scratch_database(postgres_server_url, "ops_occupied") as url:
        upgrade_head(url)
        _fill(url, hotels=1, guests=["Gäst Drei"])
        yield url


@pytest.fixture(scope="module")
def backup(source: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("backups")
    result = run_script("backup.py", "--dir", folder, database_url=source)
    assert_exit(result, 0, "backup written")
    [dump] = folder.glob("hotelbot-*.sql.gz")
    return dump


def _copy(backup: Path, folder: Path, stamp: str | None = None) -> Path:
    """The backup and its two companion files under another folder and (optionally) time."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"hotelbot-{stamp}" if stamp else backup.name.removesuffix(".sql.gz")
    target = folder / f"{stem}.sql.gz"
    shutil.copyfile(backup, target)
    shutil.copyfile(backup.with_name(backup.name + ".sha256"), target.with_name(target.name + ".sha256"))
    manifest = backup.with_name(backup.name.removesuffix(".sql.gz") + ".manifest.json")
    shutil.copyfile(manifest, folder / f"{stem}.manifest.json")
    return target


def _flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.fixture
def new_target(postgres_server_url: str) -> Iterator[str]:
    """A database name nobody uses yet; dropped afterwards if a restore created it."""
    name = f"ops_target_{secrets.token_hex(4)}"
    yield name
    drop_database(postgres_server_url, name)


# ---------------------------------------------------------------- backup


def test_backup_writes_dump_checksum_and_a_manifest_of_the_same_snapshot(source: str, backup: Path) -> None:
    assert re.fullmatch(r"hotelbot-\d{8}T\d{6}Z\.sql\.gz", backup.name)
    checksum = backup.with_name(backup.name + ".sha256").read_text()
    assert checksum == f"{hashlib.sha256(backup.read_bytes()).hexdigest()}  {backup.name}\n"  # sha256sum -c

    manifest = json.loads(
        backup.with_name(backup.name.removesuffix(".sql.gz") + ".manifest.json").read_text()
    )
    assert manifest["tables"]["public.hotels"] == 2
    assert manifest["tables"]["public.guests"] == len(GUESTS)
    assert manifest["tables"]["public.conversations"] == len(GUESTS)
    assert manifest["tables"]["public.alembic_version"] == 1
    assert manifest["sha256"] == checksum.split()[0]
    assert manifest["alembic_revision"] == fetch(source, "SELECT version_num FROM alembic_version")[0][0]

    dump = gzip.decompress(backup.read_bytes()).decode("utf-8")
    assert "PostgreSQL database dump complete" in dump
    assert "Фёдор Достоевский" in dump


def test_the_manifest_counts_the_rows_of_the_dump_while_the_hotel_keeps_writing(
    postgres_server_url: str, tmp_path: Path
) -> None:
    """Rows written before, during and after the backup: the manifest matches the dump exactly
    (one exported snapshot for the counts and pg_dump), so --verify-only passes."""
    with scratch_database(postgres_server_url, "ops_busy") as busy:
        upgrade_head(busy)
        _fill(busy, hotels=1, guests=[])
        stop = threading.Event()

        async def keep_writing() -> None:
            conn = await asyncpg.connect(plain(busy))
            try:
                while not stop.is_set():
                    await conn.execute(
                        "INSERT INTO instance_events (id, hotel_id, kind, detail, created_at, updated_at)"
                        " SELECT gen_random_uuid(), id, 'stateInstanceChanged', 'authorized — ok',"
                        " now(), now() FROM hotels"
                    )
            finally:
                await conn.close()

        writer = threading.Thread(target=asyncio.run, args=(keep_writing(),))
        writer.start()
        try:
            time.sleep(0.2)
            before = fetch(busy, "SELECT count(*) FROM instance_events")[0][0]
            made = run_script("backup.py", "--dir", tmp_path, database_url=busy)
            after = fetch(busy, "SELECT count(*) FROM instance_events")[0][0]
        finally:
            stop.set()
            writer.join(timeout=10)
        assert_exit(made, 0)

        [dump] = tmp_path.glob("hotelbot-*.sql.gz")
        counted = json.loads(next(tmp_path.glob("*.manifest.json")).read_text())["tables"]
        assert before < counted["public.instance_events"] < after  # the writes straddled the backup
        verify = run_script("backup.py", "--verify-only", dump, database_url=busy)
        assert_exit(verify, 0, "verify OK")


def test_list_shows_each_backup_with_its_checksum_status(backup: Path, tmp_path: Path) -> None:
    good = _copy(backup, tmp_path)
    bad = _copy(backup, tmp_path, "20200101T000000Z")
    _flip_byte(bad)

    result = run_script("backup.py", "--list", "--dir", tmp_path)

    assert_exit(result, 0, "2 backup(s)")
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if "hotelbot-" in line}
    assert " ok " in lines[good.name]
    assert "2020-01-01 00:00:00" in lines[bad.name]
    assert "mismatch" in lines[bad.name]
    assert (
        f"{len(json.loads(good.with_name(good.name[:-7] + '.manifest.json').read_text())['tables'])} tables"
        in (lines[good.name])
    )


# ---------------------------------------------------------------- verify and restore


def test_verify_only_restores_into_a_scratch_database_and_drops_it(
    postgres_server_url: str, source: str, backup: Path
) -> None:
    result = run_script("backup.py", "--verify-only", backup, database_url=source)

    assert_exit(result, 0, "checksum: ok", "verify OK", "public.guests")
    assert database_names(postgres_server_url, "hotelbot_verify_%") == []


def test_restore_into_a_new_database_brings_back_the_same_rows(
    postgres_server_url: str, source: str, backup: Path, new_target: str
) -> None:
    result = run_script(
        "restore.py",
        "--backup",
        backup,
        "--target-db",
        new_target,
        "--create-db",
        "--force",
        database_url=source,
    )

    assert_exit(result, 0, "checksum ok", "restore OK", "public.guests")
    restored = url_for(postgres_server_url, new_target)
    assert _rows(restored) == _rows(source)
    assert sorted(r["name"] for r in fetch(restored, "SELECT name FROM guests")) == sorted(GUESTS)


def test_restore_refuses_to_end_open_sessions_without_force(
    postgres_server_url: str, occupied: str, backup: Path
) -> None:
    before = _rows(occupied)
    psql = str(embedded.postgres_bin_dir() / "psql")
    session = subprocess.Popen([psql, "-X", "-q", occupied.replace("+asyncpg", "")], stdin=subprocess.PIPE)
    try:
        time.sleep(0.5)
        result = run_script(
            "restore.py", "--backup", backup, "--drop-existing", "--confirm", database_url=occupied
        )
    finally:
        session.kill()
        session.wait()
    assert_exit(result, 2, "open sessions", "--force")
    assert _rows(occupied) == before


def test_the_operations_guides_emergency_restore_works(
    postgres_server_url: str, source: str, occupied: str, backup: Path
) -> None:
    """python scripts/restore.py --latest --drop-existing --create-db --confirm (application stopped)."""
    result = run_script(
        "restore.py",
        "--latest",
        "--dir",
        backup.parent,
        "--drop-existing",
        "--create-db",
        "--confirm",
        database_url=occupied,
    )
    assert_exit(result, 0, "restore OK")
    assert _rows(occupied) == _rows(source)


def test_restore_replaces_a_database_in_use_only_with_all_three_flags(
    postgres_server_url: str, source: str, backup: Path
) -> None:
    with scratch_database(postgres_server_url, "ops_live") as live:
        upgrade_head(live)
        _fill(live, hotels=1, guests=["Someone Else"])
        psql = str(embedded.postgres_bin_dir() / "psql")
        # An open session on the database being replaced, as the worker's would be.
        session = subprocess.Popen([psql, "-X", "-q", live.replace("+asyncpg", "")], stdin=subprocess.PIPE)
        try:
            result = run_script(
                "restore.py", "--backup", backup, "--drop-existing", "--force", "--confirm", database_url=live
            )
        finally:
            session.kill()
            session.wait()

        assert_exit(result, 0, "replaced database", "restore OK")
        assert _rows(live) == _rows(source)
    assert database_names(postgres_server_url, "%\\_restore\\_%") == []


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ([], "--drop-existing --confirm"),
        (["--drop-existing"], "--confirm"),
        (["--drop-existing", "--force"], "--confirm"),
        (["--force"], "--drop-existing --confirm"),
        (["--force", "--confirm", "--create-db"], "--drop-existing"),
    ],
)
def test_restore_refuses_to_overwrite_a_database_with_data_and_names_the_missing_flag(
    postgres_server_url: str, occupied: str, backup: Path, given: list[str], missing: str
) -> None:
    before = _rows(occupied)

    result = run_script("restore.py", "--backup", backup, *given, database_url=occupied)

    assert_exit(result, 2, "is not empty", f"missing {missing} (")
    assert _rows(occupied) == before  # untouched
    assert database_names(postgres_server_url, "%\\_restore\\_%") == []


def test_a_corrupted_backup_fails_verify_and_restore(
    postgres_server_url: str, source: str, backup: Path, tmp_path: Path, new_target: str
) -> None:
    corrupted = _copy(backup, tmp_path)
    _flip_byte(corrupted)

    verify = run_script("backup.py", "--verify-only", corrupted, database_url=source)
    assert_exit(verify, 1, "checksum mismatch")

    restore = run_script(
        "restore.py", "--backup", corrupted, "--target-db", new_target, "--create-db", database_url=source
    )
    assert_exit(restore, 1, "checksum mismatch")
    assert database_names(postgres_server_url, new_target) == []


def test_damage_behind_a_matching_checksum_is_caught_while_restoring(
    postgres_server_url: str, source: str, backup: Path, tmp_path: Path, new_target: str
) -> None:
    """A file damaged before its checksum was written: gzip's own CRC stops the restore."""
    damaged = _copy(backup, tmp_path)
    _flip_byte(damaged)
    digest = hashlib.sha256(damaged.read_bytes()).hexdigest()
    damaged.with_name(damaged.name + ".sha256").write_text(f"{digest}  {damaged.name}\n")
    manifest_path = damaged.with_name(damaged.name.removesuffix(".sql.gz") + ".manifest.json")
    manifest = json.loads(manifest_path.read_text())
    manifest_path.write_text(json.dumps({**manifest, "sha256": digest}))

    verify = run_script("backup.py", "--verify-only", damaged, database_url=source)
    assert verify.returncode == 1, output(verify)
    assert "Traceback" not in output(verify)
    assert database_names(postgres_server_url, "hotelbot_verify_%") == []

    restore = run_script(
        "restore.py", "--backup", damaged, "--target-db", new_target, "--create-db", database_url=source
    )
    assert restore.returncode == 1, output(restore)
    assert "Traceback" not in output(restore)
    assert database_names(postgres_server_url, new_target) == []


def test_verify_fails_when_the_restore_does_not_match_the_manifest(
    source: str, backup: Path, tmp_path: Path
) -> None:
    copy = _copy(backup, tmp_path)
    manifest_path = copy.with_name(copy.name.removesuffix(".sql.gz") + ".manifest.json")
    manifest = json.loads(manifest_path.read_text())
    manifest["tables"]["public.guests"] += 1
    manifest_path.write_text(json.dumps(manifest))

    result = run_script("backup.py", "--verify-only", copy, database_url=source)

    assert_exit(
        result, 1, "verify FAILED", f"public.guests: {len(GUESTS)} rows, manifest says {len(GUESTS) + 1}"
    )


def test_latest_restores_the_newest_backup_by_the_time_in_its_name(
    postgres_server_url: str, backup: Path, tmp_path: Path, new_target: str
) -> None:
    with scratch_database(postgres_server_url, "ops_newer") as newer:
        upgrade_head(newer)
        _fill(newer, hotels=1, guests=["Newest Guest"])
        made = run_script("backup.py", "--dir", tmp_path, database_url=newer)
        assert_exit(made, 0)
        # Copied last, so newest by modification time, but older by name: --latest must not take it.
        _copy(backup, tmp_path, "20200101T000000Z")

        result = run_script(
            "restore.py",
            "--latest",
            "--dir",
            tmp_path,
            "--target-db",
            new_target,
            "--create-db",
            database_url=newer,
        )

        assert_exit(result, 0, "restore OK")
        assert "20200101T000000Z" not in result.stdout
        assert _rows(url_for(postgres_server_url, new_target)) == _rows(newer)


def test_latest_with_no_backups_fails_clearly(source: str, tmp_path: Path) -> None:
    result = run_script("restore.py", "--latest", "--dir", tmp_path, database_url=source)
    assert_exit(result, 1, "no backups in")


# ---------------------------------------------------------------- retention


def _fake_backups(folder: Path, times: list[datetime]) -> None:
    for moment in times:
        dump = folder / f"hotelbot-{moment:%Y%m%dT%H%M%SZ}.sql.gz"
        dump.write_bytes(b"not a real dump")
        dump.with_name(dump.name + ".sha256").write_text("0" * 64 + f"  {dump.name}\n")
        (folder / f"hotelbot-{moment:%Y%m%dT%H%M%SZ}.manifest.json").write_text("{}")


def test_cleanup_keeps_the_newest_per_day_for_7_days_and_per_week_for_4_weeks(tmp_path: Path) -> None:
    start = datetime(2026, 1, 1, 2, 0, tzinfo=UTC)  # a Thursday; 2026-03-01 is a Sunday
    times = [start + timedelta(days=d) for d in range(60)]  # 2026-01-01 .. 2026-03-01 at 02:00
    times += [datetime(2026, 2, 28, 14, 0, tzinfo=UTC), datetime(2026, 3, 1, 14, 0, tzinfo=UTC)]
    _fake_backups(tmp_path, times)
    (tmp_path / "notes.txt").write_text("not a backup")
    (tmp_path / "hotelbot-manual.sql.gz").write_bytes(b"not named by the script")

    preview = run_script("backup.py", "--cleanup", "--dry-run", "--dir", tmp_path)
    assert_exit(preview, 0, "would remove 52 backup(s), kept 10")
    assert len(list(tmp_path.iterdir())) == 62 * 3 + 2

    result = run_script("backup.py", "--cleanup", "--dir", tmp_path)

    assert_exit(result, 0, "removed 52 backup(s), kept 10", "removed hotelbot-20260101T020000Z.sql.gz")
    kept = sorted(p.name.removesuffix(".sql.gz") for p in tmp_path.glob("hotelbot-2*.sql.gz"))
    assert kept == [
        "hotelbot-20260208T020000Z",  # weekly: ISO week 6 (Feb 2-8)
        "hotelbot-20260215T020000Z",  # weekly: week 7
        "hotelbot-20260222T020000Z",  # weekly: week 8
        "hotelbot-20260223T020000Z",  # daily: the last 7 days that have backups
        "hotelbot-20260224T020000Z",
        "hotelbot-20260225T020000Z",
        "hotelbot-20260226T020000Z",
        "hotelbot-20260227T020000Z",
        "hotelbot-20260228T140000Z",  # the day's newest; the 02:00 one goes
        "hotelbot-20260301T140000Z",  # daily and weekly (week 9)
    ]
    remaining = {p.name for p in tmp_path.iterdir()}
    assert len(remaining) == 10 * 3 + 2  # each kept dump with its .sha256 and manifest, nothing else
    assert {"notes.txt", "hotelbot-manual.sql.gz"} <= remaining


def test_cleanup_flags_change_the_policy_and_the_newest_always_stays(tmp_path: Path) -> None:
    _fake_backups(tmp_path, [datetime(2026, 3, d, 2, 0, tzinfo=UTC) for d in range(1, 11)])

    two = run_script("backup.py", "--cleanup", "--keep-daily", "2", "--keep-weekly", "0", "--dir", tmp_path)
    assert_exit(two, 0, "removed 8 backup(s), kept 2")
    assert sorted(p.name for p in tmp_path.glob("*.sql.gz")) == [
        "hotelbot-20260309T020000Z.sql.gz",
        "hotelbot-20260310T020000Z.sql.gz",
    ]

    none = run_script("backup.py", "--cleanup", "--keep-daily", "0", "--keep-weekly", "0", "--dir", tmp_path)
    assert_exit(none, 0, "kept 1")
    assert [p.name for p in tmp_path.glob("*.sql.gz")] == ["hotelbot-20260310T020000Z.sql.gz"]


# ---------------------------------------------------------------- operator mistakes


def test_operator_mistakes_get_a_message_and_exit_2(source: str, tmp_path: Path) -> None:
    assert_exit(run_script("backup.py", env=script_env()), 2, "DATABASE_URL is not set")
    assert_exit(run_script("backup.py", env=script_env("mysql://x@y/z")), 2, "must start with postgresql://")
    assert_exit(
        run_script("backup.py", "--verify-only", tmp_path / "nope.sql.gz", database_url=source),
        2,
        "no such backup file",
    )
    assert_exit(run_script("backup.py", "--keep-daily", "-3"), 2, "expected a whole number")
    assert_exit(run_script("restore.py", database_url=source), 2, "one of the arguments --backup --latest")
    assert_exit(
        run_script("restore.py", "--backup", tmp_path / "nope.sql.gz", database_url=source),
        2,
        "no such backup file",
    )


def test_a_database_that_cannot_be_reached_fails_with_exit_1(tmp_path: Path) -> None:
    result = run_script(
        "backup.py", "--dir", tmp_path, database_url="postgresql://postgres@127.0.0.1:1/hotelbot"
    )
    assert_exit(result, 1, "cannot connect to postgresql://postgres@127.0.0.1:1/hotelbot")
    assert list(tmp_path.iterdir()) == []


def test_restore_into_a_missing_database_needs_create_db(source: str, backup: Path, new_target: str) -> None:
    result = run_script("restore.py", "--backup", backup, "--target-db", new_target, database_url=source)
    assert_exit(result, 2, f"database '{new_target}' does not exist; add --create-db")


@pytest.mark.parametrize("script", ["backup.py", "restore.py"])
def test_help(script: str) -> None:
    result = run_script(script, "--help", env=script_env())
    assert_exit(result, 0, "usage:", "DATABASE_URL")

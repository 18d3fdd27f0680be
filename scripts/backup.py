"""Back up the hotelbot database, list and verify backups, apply the retention policy.

  uv run python scripts/backup.py                      # backups/hotelbot-YYYYmmddTHHMMSSZ.sql.gz
  uv run python scripts/backup.py --list
  uv run python scripts/backup.py --verify-only backups/hotelbot-20260101T020000Z.sql.gz
  uv run python scripts/backup.py --cleanup [--keep-daily 7] [--keep-weekly 4] [--dry-run]

A backup is three files: the plain SQL dump through gzip, ``<dump>.sha256`` (``sha256sum -c``
format) and ``hotelbot-...manifest.json`` with the exact row count of every table. The counts
and the dump come from one snapshot: this script opens a REPEATABLE READ transaction, exports
its snapshot (``pg_export_snapshot()``), counts rows in it and runs ``pg_dump --snapshot``, so
the manifest describes exactly the rows in the dump even while the hotel keeps writing.
(``--serializable-deferrable`` would only make pg_dump's own snapshot consistent; the counts
would come from another moment.)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import json
import secrets
import subprocess
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from _ops import (
    CHUNK,
    EXIT_FAILED,
    EXIT_OK,
    STAMP_FORMAT,
    BackupFile,
    DbUrl,
    OpsError,
    UsageError,
    admin_connect,
    backups_in,
    compare_counts,
    connect,
    create_database,
    default_backup_dir,
    drop_database,
    existing_backup,
    pg_binary,
    print_counts,
    require_checksum,
    restore_sql_gz,
    run_main,
    server_major,
    sha256_file,
    table_row_counts,
)

# ---------------------------------------------------------------- create


def _run_pg_dump(pg_dump: str, env: dict[str, str], snapshot: str, target: Path, inner_name: str) -> None:
    command = [
        pg_dump,
        "--format=plain",
        "--no-owner",
        "--no-privileges",
        "--encoding=UTF8",
        "--lock-wait-timeout=60s",
        f"--snapshot={snapshot}",
    ]
    with tempfile.TemporaryFile() as errors, target.open("wb") as raw:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, env=env)
        assert process.stdout is not None
        with gzip.GzipFile(filename=inner_name, mode="wb", fileobj=raw, compresslevel=6) as out:
            while chunk := process.stdout.read(CHUNK):
                out.write(chunk)
        code = process.wait()
        errors.seek(0)
        detail = errors.read().decode("utf-8", "replace").strip()
    if code != 0:
        raise OpsError(f"pg_dump failed (exit {code}): {detail[-2000:]}")


async def create_backup(url: DbUrl, directory: Path) -> BackupFile:
    backup = BackupFile(directory / f"hotelbot-{datetime.now(UTC).strftime(STAMP_FORMAT)}.sql.gz")
    if backup.path.exists():
        raise OpsError(f"{backup.path} already exists; try again in a second")
    partial = backup.path.with_name(f".{backup.path.name}.partial")
    conn = await connect(url)
    try:
        env = url.libpq_env()
        pg_dump = pg_binary("pg_dump", await server_major(conn), env)
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            await conn.execute("SET LOCAL idle_in_transaction_session_timeout = 0")
            await conn.execute("SET LOCAL statement_timeout = 0")
            snapshot = await conn.fetchval("SELECT pg_export_snapshot()")
            counts = await table_row_counts(conn)
            revision = None
            if "public.alembic_version" in counts:
                revision = await conn.fetchval("SELECT string_agg(version_num, ',') FROM alembic_version")
            server_version = await conn.fetchval("SHOW server_version")
            # The transaction stays open until pg_dump has imported (and finished with) the snapshot.
            await asyncio.to_thread(_run_pg_dump, pg_dump, env, snapshot, partial, backup.path.stem)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        await conn.close()
    partial.rename(backup.path)
    digest = sha256_file(backup.path)
    backup.checksum_path.write_text(f"{digest}  {backup.path.name}\n", encoding="utf-8")
    manifest = {
        "format": 1,
        "file": backup.path.name,
        "created_at": backup.taken_at.isoformat() if backup.taken_at else None,
        "database": url.database,
        "server_version": server_version,
        "pg_dump": pg_dump,
        "snapshot": snapshot,
        "alembic_revision": revision,
        "sha256": digest,
        "size_bytes": backup.path.stat().st_size,
        "total_rows": sum(counts.values()),
        "tables": counts,
    }
    backup.manifest_path.write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return backup


def cmd_create(args: argparse.Namespace) -> int:
    url = DbUrl.from_env()
    print(f"backing up {url.display} ...")
    args.dir.mkdir(parents=True, exist_ok=True)
    backup = asyncio.run(create_backup(url, args.dir))
    manifest = backup.manifest()
    print(f"backup written: {backup.path} ({_size(backup.path.stat().st_size)})")
    print(f"  tables: {len(manifest['tables'])}, rows: {manifest['total_rows']}")
    print(f"  sha256: {manifest['sha256']}  ({backup.checksum_path.name})")
    print(f"  manifest: {backup.manifest_path.name}")
    return EXIT_OK


# ---------------------------------------------------------------- list


def _size(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TB"


def _manifest_summary(backup: BackupFile) -> str:
    try:
        manifest = backup.manifest()
    except OpsError:
        return "manifest missing"
    return f"{len(manifest['tables'])} tables, {manifest.get('total_rows', '?')} rows"


def cmd_list(args: argparse.Namespace) -> int:
    backups = backups_in(args.dir)
    if not backups:
        print(f"no backups in {args.dir}/")
        return EXIT_OK
    print(f"{len(backups)} backup(s) in {args.dir}/, oldest first:")
    width = max(len(b.path.name) for b in backups)
    print(f"  {'file':<{width}}  {'size':>9}  {'taken (UTC)':<19}  {'checksum':<10}  contents")
    for backup in backups:
        taken = backup.taken_at.strftime("%Y-%m-%d %H:%M:%S") if backup.taken_at else "?"
        status, _ = backup.checksum_status()
        size, contents = _size(backup.path.stat().st_size), _manifest_summary(backup)
        print(f"  {backup.path.name:<{width}}  {size:>9}  {taken:<19}  {status:<10}  {contents}")
    return EXIT_OK


# ---------------------------------------------------------------- verify


async def _restore_and_count(url: DbUrl, backup: BackupFile) -> dict[str, int]:
    scratch = f"hotelbot_verify_{secrets.token_hex(4)}"
    admin = await admin_connect(url)
    try:
        psql = pg_binary("psql", await server_major(admin), url.libpq_env())
        await create_database(admin, scratch)
        print(f"  restoring into scratch database {scratch} ...")
        try:
            await asyncio.to_thread(restore_sql_gz, psql, backup, url.with_database(scratch))
            conn = await connect(url.with_database(scratch))
            try:
                return await table_row_counts(conn)
            finally:
                await conn.close()
        finally:
            await drop_database(admin, scratch)
            print(f"  scratch database {scratch} dropped")
    finally:
        await admin.close()


def cmd_verify(args: argparse.Namespace) -> int:
    backup = existing_backup(args.verify_only)
    url = DbUrl.from_env()
    print(f"verifying {backup.path}")
    digest = require_checksum(backup)
    print(f"  checksum: ok ({digest})")
    manifest = backup.manifest()
    if manifest.get("sha256") not in (None, digest):
        raise OpsError(f"the manifest was written for another file (sha256 {manifest['sha256']})")
    expected = {str(k): int(v) for k, v in manifest["tables"].items()}
    print(f"  manifest: {len(expected)} tables, {sum(expected.values())} rows")
    actual = asyncio.run(_restore_and_count(url, backup))
    print_counts(expected, actual)
    problems = compare_counts(expected, actual)
    if problems:
        print("verify FAILED: row counts differ from the manifest:")
        for line in problems:
            print(f"  {line}")
        return EXIT_FAILED
    print(f"verify OK: {backup.path.name} restores with the manifest's {sum(actual.values())} rows")
    return EXIT_OK


# ---------------------------------------------------------------- cleanup


def retention(backups: list[BackupFile], keep_daily: int, keep_weekly: int) -> dict[Path, list[str]]:
    """Which backups the policy keeps, and why: the newest backup of each of the ``keep_daily``
    most recent days that have one, and of each of the ``keep_weekly`` most recent ISO weeks that
    have one (counted over backups, not the calendar, so a pause in backups never empties the
    folder). The newest backup is always kept."""
    dated = sorted((b for b in backups if b.taken_at), key=lambda b: b.taken_at or 0, reverse=True)
    kept: dict[Path, list[str]] = {}
    buckets: list[tuple[str, int, Any]] = [
        ("daily", keep_daily, lambda d: d.date()),
        ("weekly", keep_weekly, lambda d: d.isocalendar()[:2]),
    ]
    for reason, limit, bucket_of in buckets:
        seen: list[date | tuple[int, int]] = []
        for backup in dated:
            bucket = bucket_of(backup.taken_at)
            if bucket in seen:
                continue
            seen.append(bucket)
            if len(seen) > limit:
                break
            kept.setdefault(backup.path, []).append(reason)
    if dated:
        kept.setdefault(dated[0].path, []).append("newest")
    return kept


def cmd_cleanup(args: argparse.Namespace) -> int:
    backups = backups_in(args.dir)
    kept = retention(backups, args.keep_daily, args.keep_weekly)
    verb = "would remove" if args.dry_run else "removed"
    print(
        f"retention: newest per day for {args.keep_daily} day(s), per ISO week for {args.keep_weekly} week(s)"
    )
    removed = 0
    for backup in backups:
        if backup.path in kept:
            print(f"  keep    {backup.path.name} ({', '.join(kept[backup.path])})")
            continue
        files = [backup.path, *(p for p in backup.sidecars if p.exists())]
        if not args.dry_run:
            for path in files:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
        removed += 1
        print(f"  {verb} {', '.join(p.name for p in files)}")
    print(f"{verb} {removed} backup(s), kept {len(kept)}")
    return EXIT_OK


# ---------------------------------------------------------------- main


def _count(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {value!r}")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="backup.py",
        description=__doc__.split("\n\n", 1)[0] if __doc__ else None,
        epilog="Reads DATABASE_URL (postgresql:// or postgresql+asyncpg://). Exit codes: 0 ok, "
        "1 failed (checksum, restore, row counts, database), 2 usage error.",
    )
    action = parser.add_mutually_exclusive_group()
    action.add_argument(
        "--list", action="store_true", help="list backups with size, date and checksum status"
    )
    action.add_argument(
        "--verify-only",
        metavar="FILE",
        help="check FILE's checksum, restore it into a scratch database (created and dropped here) "
        "and compare per-table row counts with its manifest; exit 1 on any mismatch",
    )
    action.add_argument("--cleanup", action="store_true", help="apply the retention policy")
    parser.add_argument(
        "--dir",
        type=Path,
        default=default_backup_dir(),
        help="backup folder (default: $BACKUP_DIR or ./backups)",
    )
    parser.add_argument(
        "--keep-daily", type=_count, default=7, metavar="N", help="--cleanup: days to keep (default 7)"
    )
    parser.add_argument(
        "--keep-weekly", type=_count, default=4, metavar="N", help="--cleanup: weeks to keep (default 4)"
    )
    parser.add_argument("--dry-run", action="store_true", help="--cleanup: only say what would be removed")
    return parser


def main() -> int:
    parser = build_parser()
    args = parser.parse_args()
    if args.dry_run and not args.cleanup:
        raise UsageError("--dry-run goes with --cleanup")
    if args.list:
        return cmd_list(args)
    if args.verify_only:
        return cmd_verify(args)
    if args.cleanup:
        return cmd_cleanup(args)
    return cmd_create(args)


if __name__ == "__main__":
    run_main(main)

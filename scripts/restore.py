"""Restore a backup written by scripts/backup.py.

  uv run python scripts/restore.py --backup backups/hotelbot-20260101T020000Z.sql.gz \\
      --target-db hotel_bot_test --create-db
  uv run python scripts/restore.py --latest --drop-existing --create-db --confirm

The checksum is checked before anything is touched. A new or empty database is restored into
directly, in one transaction. A database that has tables is replaced only with --drop-existing and
--confirm, and while sessions are still connected to it (the application is running) only with
--force as well, which ends them. The backup is restored into a staging database first and its row
counts checked against the manifest; only then is the old database dropped and the staging one
renamed into its place. Whatever fails, the target is left as it was.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
from pathlib import Path

from _ops import (
    EXIT_OK,
    BackupFile,
    DbUrl,
    OpsError,
    UsageError,
    admin_connect,
    backups_in,
    compare_counts,
    connect,
    create_database,
    database_exists,
    default_backup_dir,
    drop_database,
    existing_backup,
    pg_binary,
    print_counts,
    quote_ident,
    require_checksum,
    restore_sql_gz,
    run_main,
    server_major,
    table_row_counts,
    user_tables,
)

OBJECTS_SQL = r"""
SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%')
     + (SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE t.typtype IN ('e', 'd', 'r', 'm')
          AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%')
"""


def _pick_backup(args: argparse.Namespace) -> BackupFile:
    if args.backup:
        return existing_backup(args.backup)
    backups = [b for b in backups_in(args.dir) if b.taken_at]
    if not backups:
        raise OpsError(f"no backups in {args.dir}/ (hotelbot-YYYYmmddTHHMMSSZ.sql.gz)")
    return backups[-1]


async def _objects_in(url: DbUrl) -> tuple[int, int]:
    """(user tables, user relations and types) in the database ``url``."""
    conn = await connect(url)
    try:
        return len(await user_tables(conn)), int(await conn.fetchval(OBJECTS_SQL))
    finally:
        await conn.close()


async def _check_counts(url: DbUrl, expected: dict[str, int]) -> None:
    conn = await connect(url)
    try:
        actual = await table_row_counts(conn)
    finally:
        await conn.close()
    print("row counts after restore:")
    print_counts(expected, actual)
    problems = compare_counts(expected, actual)
    if problems:
        raise OpsError("row counts differ from the manifest: " + "; ".join(problems))


def _missing_flags(args: argparse.Namespace) -> list[str]:
    return [
        flag
        for flag, given in (
            ("--drop-existing", args.drop_existing),
            ("--confirm", args.confirm),
        )
        if not given
    ]


async def restore(args: argparse.Namespace, url: DbUrl, backup: BackupFile, expected: dict[str, int]) -> int:
    target = args.target_db or url.database
    quote_ident(target)  # a usable name, before anything happens
    admin = await admin_connect(url, avoid=target)
    try:
        psql = pg_binary("psql", await server_major(admin), url.libpq_env())
        exists = await database_exists(admin, target)
        replace = False
        if exists:
            tables, objects = await _objects_in(url.with_database(target))
            if objects:
                missing = _missing_flags(args)
                if missing:
                    raise UsageError(
                        f"database {target!r} is not empty ({tables} tables); refusing to overwrite it: "
                        f"missing {' '.join(missing)} (replacing a database takes "
                        "--drop-existing --confirm, and --force if sessions are still connected)"
                    )
                sessions = await admin.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                    target,
                )
                if sessions and not args.force:
                    raise UsageError(
                        f"database {target!r} has {sessions} open sessions; stop the application first "
                        "(kubectl scale ... --replicas=0) or add --force to end them"
                    )
                replace = True
        elif not args.create_db:
            raise UsageError(f"database {target!r} does not exist; add --create-db to create it")

        into = f"{target[:40]}_restore_{secrets.token_hex(4)}" if replace else target
        created = not exists or replace
        if created:
            await create_database(admin, into)
            print(f"created database {into}")
        try:
            print(f"restoring {backup.path.name} into {into} ...")
            await asyncio.to_thread(restore_sql_gz, psql, backup, url.with_database(into))
            await _check_counts(url.with_database(into), expected)
        except BaseException:
            if created:
                await drop_database(admin, into)
                print(f"dropped {into}; {target} was left as it was" if replace else f"dropped {into}")
            raise
        if replace:
            await drop_database(admin, target)
            await admin.execute(f"ALTER DATABASE {quote_ident(into)} RENAME TO {quote_ident(target)}")
            print(f"replaced database {target} (old one dropped, {into} renamed into its place)")
    finally:
        await admin.close()
    print(f"restore OK: {target} has the backup's {sum(expected.values())} rows in {len(expected)} tables")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="restore.py",
        description=__doc__.split("\n\n", 1)[0] if __doc__ else None,
        epilog="Reads DATABASE_URL (postgresql:// or postgresql+asyncpg://): the server, and the "
        "default target database. Exit codes: 0 restored and checked, 1 failed (checksum, restore, "
        "row counts), 2 refused or usage error (nothing was changed).",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--backup", metavar="FILE", help="the .sql.gz file to restore")
    source.add_argument(
        "--latest", action="store_true", help="the newest backup in --dir (by the time in its name)"
    )
    parser.add_argument(
        "--dir",
        type=Path,
        default=default_backup_dir(),
        help="backup folder for --latest (default: $BACKUP_DIR or ./backups)",
    )
    parser.add_argument(
        "--target-db", metavar="NAME", help="database to restore into (default: DATABASE_URL's)"
    )
    parser.add_argument(
        "--create-db", action="store_true", help="create the target database if it does not exist"
    )
    parser.add_argument(
        "--drop-existing", action="store_true", help="replace a target database that has tables"
    )
    parser.add_argument(
        "--force", action="store_true", help="end other sessions on the database being replaced"
    )
    parser.add_argument(
        "--confirm", action="store_true", help="confirm that the target's current data is destroyed"
    )
    return parser


def main() -> int:
    args = build_parser().parse_args()
    url = DbUrl.from_env()
    backup = _pick_backup(args)
    print(f"backup: {backup.path}")
    digest = require_checksum(backup)
    print(f"checksum ok ({digest})")
    manifest = backup.manifest()
    if manifest.get("sha256") not in (None, digest):
        raise OpsError(f"the manifest was written for another file (sha256 {manifest['sha256']})")
    expected = {str(k): int(v) for k, v in manifest["tables"].items()}
    return asyncio.run(restore(args, url, backup, expected))


if __name__ == "__main__":
    run_main(main)

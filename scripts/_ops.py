"""What the operator scripts share: DATABASE_URL, clean errors, the PostgreSQL client binaries,
per-table row counts, and the backup files (``hotelbot-YYYYmmddTHHMMSSZ.sql.gz`` with its
``.sha256`` and ``.manifest.json``).

Not part of the application: the scripts run as ``uv run python scripts/<name>.py``.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import warnings
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import parse_qsl, quote, unquote, urlsplit, urlunsplit

import asyncpg

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # ``embedded`` and ``domain`` live in the project root
    sys.path.insert(0, str(ROOT))

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
CHUNK = 1024 * 1024


class OpsError(Exception):
    """A failure told to the operator in one line, without a traceback (exit 1)."""

    exit_code = EXIT_FAILED


class UsageError(OpsError):
    """The operator asked for something that cannot be done as asked (exit 2)."""

    exit_code = EXIT_USAGE


def run_main(main: Callable[[], int]) -> NoReturn:
    """Run a script's ``main`` and turn known failures into a message and an exit code."""
    try:
        code = main()
    except OpsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        code = exc.exit_code
    except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        print(f"error: PostgreSQL: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        code = EXIT_FAILED
    except OSError as exc:  # a folder not writable, a disk full, a file vanished
        print(f"error: {exc}", file=sys.stderr)
        code = EXIT_FAILED
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        code = 130
    sys.exit(code)


# ---------------------------------------------------------------- DATABASE_URL


_LIBPQ_PARAMS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "host": "PGHOST",
    "port": "PGPORT",
}


# Replaced by what DATABASE_URL says; other PG* variables (PGSSLROOTCERT, PGPASSFILE...) pass through.
_LIBPQ_CONNECTION_VARIABLES = frozenset(
    {"PGHOST", "PGHOSTADDR", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "PGSERVICE", "PGOPTIONS"}
)


@dataclass(frozen=True)
class DbUrl:
    """A PostgreSQL URL in any of the forms we accept, as asyncpg and the libpq tools want it."""

    raw: str

    @classmethod
    def from_env(cls) -> DbUrl:
        value = os.environ.get("DATABASE_URL", "").strip()
        if not value:
            raise UsageError("DATABASE_URL is not set (e.g. postgresql://user:pass@host:5432/hotelbot)")
        return cls.parse(value)

    @classmethod
    def parse(cls, value: str) -> DbUrl:
        scheme, sep, rest = value.partition("://")
        if not sep or scheme.split("+", 1)[0] not in ("postgresql", "postgres"):
            raise UsageError("DATABASE_URL must start with postgresql:// or postgresql+asyncpg://")
        url = cls("postgresql://" + rest)
        if not url.database:
            raise UsageError("DATABASE_URL names no database (postgresql://user@host:5432/DBNAME)")
        return url

    @property
    def _parts(self) -> Any:
        return urlsplit(self.raw)

    @property
    def database(self) -> str:
        return unquote(self._parts.path.lstrip("/"))

    @property
    def dsn(self) -> str:
        """For asyncpg and for Alembic (``Settings`` turns it into ``postgresql+asyncpg://``)."""
        return self.raw

    @property
    def display(self) -> str:
        """The URL without its password, for messages."""
        parts = self._parts
        netloc = parts.netloc.rsplit("@", 1)
        if len(netloc) == 2 and ":" in netloc[0]:
            netloc[0] = netloc[0].split(":", 1)[0] + ":***"
        return urlunsplit(parts._replace(netloc="@".join(netloc)))

    def with_database(self, name: str) -> DbUrl:
        return DbUrl(urlunsplit(self._parts._replace(path="/" + quote(name, safe=""))))

    def libpq_env(self) -> dict[str, str]:
        """The environment for pg_dump/psql: credentials in PG* variables, never on a command line."""
        parts = self._parts
        env = {k: v for k, v in os.environ.items() if k not in _LIBPQ_CONNECTION_VARIABLES}
        if parts.hostname:
            env["PGHOST"] = parts.hostname
        if parts.port:
            env["PGPORT"] = str(parts.port)
        if parts.username:
            env["PGUSER"] = unquote(parts.username)
        if parts.password:
            env["PGPASSWORD"] = unquote(parts.password)
        env["PGDATABASE"] = self.database
        for key, value in parse_qsl(parts.query):
            if key == "ssl" and "sslmode" not in parts.query:  # asyncpg's spelling
                key = "sslmode"  # noqa: PLW2901
                value = {"true": "require", "false": "disable"}.get(value.lower(), value)  # noqa: PLW2901
            if key in _LIBPQ_PARAMS:
                env[_LIBPQ_PARAMS[key]] = value
        env.setdefault("PGCONNECT_TIMEOUT", "10")
        env["PGAPPNAME"] = "hotelbot-ops"
        return env


async def connect(url: DbUrl) -> asyncpg.Connection:
    try:
        return await asyncpg.connect(
            url.dsn, timeout=10, server_settings={"application_name": "hotelbot-ops"}
        )
    except asyncpg.InvalidCatalogNameError as exc:
        raise OpsError(f"database {url.database!r} does not exist ({url.display})") from exc
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise OpsError(f"cannot connect to {url.display}: {exc}") from exc


async def admin_connect(url: DbUrl, avoid: str | None = None) -> asyncpg.Connection:
    """A connection for CREATE/DROP DATABASE: to ``url`` unless it is the database ``avoid``."""
    names = [url.database] if url.database != avoid else []
    names += [n for n in ("postgres", "template1") if n not in names and n != avoid]
    first: OpsError | None = None
    for name in names:
        try:
            return await connect(url.with_database(name))
        except OpsError as exc:
            first = first or exc
    raise first or OpsError("no maintenance database to connect to")


def quote_ident(name: str) -> str:
    if not name or "\x00" in name or len(name.encode()) > 63:
        raise UsageError(f"invalid database name {name!r}")
    return '"' + name.replace('"', '""') + '"'


async def server_major(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("SHOW server_version_num")) // 10000


async def database_exists(conn: asyncpg.Connection, name: str) -> bool:
    return bool(await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))


async def drop_database(conn: asyncpg.Connection, name: str) -> None:
    """Drop ``name``, ending its other sessions first (the scripts only call this when allowed to)."""
    if await server_major(conn) >= 13:
        await conn.execute(f"DROP DATABASE IF EXISTS {quote_ident(name)} WITH (FORCE)")
        return
    await conn.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = $1 AND pid <> pg_backend_pid()",
        name,
    )
    await conn.execute(f"DROP DATABASE IF EXISTS {quote_ident(name)}")


async def create_database(conn: asyncpg.Connection, name: str) -> None:
    # template0: a plain dump restores cleanly only into a database with nothing in it yet.
    await conn.execute(f"CREATE DATABASE {quote_ident(name)} TEMPLATE template0")


# ---------------------------------------------------------------- tables and row counts

USER_TABLES_SQL = r"""
SELECT n.nspname || '.' || c.relname AS name, format('%I.%I', n.nspname, c.relname) AS quoted
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1
"""


async def user_tables(conn: asyncpg.Connection) -> dict[str, str]:
    """``schema.table`` -> its quoted form (from the catalog through format('%I'): safe in SQL)."""
    return {row["name"]: row["quoted"] for row in await conn.fetch(USER_TABLES_SQL)}


async def table_row_counts(conn: asyncpg.Connection) -> dict[str, int]:
    """Exact ``count(*)`` per user table (what pg_dump dumps), in the connection's snapshot."""
    counts: dict[str, int] = {}
    for name, quoted in (await user_tables(conn)).items():
        counts[name] = int(await conn.fetchval(f"SELECT count(*) FROM {quoted}"))  # noqa: S608 - catalog-quoted
    return counts


def compare_counts(expected: dict[str, int], actual: dict[str, int]) -> list[str]:
    """The differences, one line each; empty when every table has the manifest's row count."""
    problems = []
    for table in sorted(set(expected) | set(actual)):
        want, got = expected.get(table), actual.get(table)
        if want is None:
            problems.append(f"{table}: not in the manifest ({got} rows)")
        elif got is None:
            problems.append(f"{table}: missing after restore (manifest: {want} rows)")
        elif want != got:
            problems.append(f"{table}: {got} rows, manifest says {want}")
    return problems


def print_counts(expected: dict[str, int], actual: dict[str, int]) -> None:
    width = max([len(t) for t in (*expected, *actual)] + [5])
    print(f"  {'table':<{width}}  {'rows':>10}  {'manifest':>10}")
    for table in sorted(set(expected) | set(actual)):
        want, got = expected.get(table, "-"), actual.get(table, "-")
        mark = "" if want == got else "   <-- MISMATCH"
        print(f"  {table:<{width}}  {got:>10}  {want:>10}{mark}")


# ---------------------------------------------------------------- PostgreSQL client binaries


def _version_major(binary: str, env: dict[str, str]) -> int | None:
    try:
        out = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, env=env, timeout=20, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", out)
    return int(match.group(1)) if match else None


def _candidates(name: str) -> Iterator[str]:
    forced = os.environ.get("PG_BINDIR")
    if forced:
        yield str(Path(forced) / name)
    found = shutil.which(name)
    if found:
        yield found
    bindir: Path | None = None
    with contextlib.suppress(Exception), warnings.catch_warnings():  # the pgserver wheel, when installed
        warnings.simplefilter("ignore")  # pgserver's import warns about XDG_RUNTIME_DIR
        import embedded

        bindir = embedded.postgres_bin_dir()
    if bindir is not None:
        yield str(bindir / name)
    for debian in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        yield str(debian / name)


def pg_binary(name: str, server_major_version: int, env: dict[str, str]) -> str:
    """``name`` (pg_dump, psql, ...) whose major version is at least the server's.

    pg_dump refuses to dump a newer server; psql of an older major may not understand a newer
    dump. Looked for on PATH, then in the pgserver wheel (``embedded.postgres_bin_dir()``).
    """
    seen: list[str] = []
    tried: set[str] = set()
    for binary in _candidates(name):  # lazily: the wheel is looked at only when PATH has no fit
        if binary in tried or not Path(binary).exists():
            continue
        tried.add(binary)
        major = _version_major(binary, env)
        seen.append(f"{binary} ({major or '?'})")
        if major is not None and major >= server_major_version:
            return binary
    found = ", ".join(seen) or "none"
    raise OpsError(
        f"no {name} of PostgreSQL {server_major_version} or newer (found: {found}); "
        "install the matching postgresql-client or set PG_BINDIR"
    )


# ---------------------------------------------------------------- backup files

BACKUP_NAME = re.compile(r"^hotelbot-(\d{8}T\d{6}Z)\.sql\.gz$")
STAMP_FORMAT = "%Y%m%dT%H%M%SZ"


@dataclass(frozen=True)
class BackupFile:
    path: Path

    @property
    def taken_at(self) -> datetime | None:
        match = BACKUP_NAME.match(self.path.name)
        if not match:
            return None
        return datetime.strptime(match.group(1), STAMP_FORMAT).replace(tzinfo=UTC)

    @property
    def checksum_path(self) -> Path:
        return self.path.with_name(self.path.name + ".sha256")

    @property
    def manifest_path(self) -> Path:
        return self.path.with_name(self.path.name.removesuffix(".sql.gz") + ".manifest.json")

    @property
    def sidecars(self) -> list[Path]:
        return [self.checksum_path, self.manifest_path]

    def manifest(self) -> dict[str, Any]:
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise OpsError(f"manifest missing: {self.manifest_path}") from exc
        except (OSError, ValueError) as exc:
            raise OpsError(f"manifest unreadable: {self.manifest_path}: {exc}") from exc
        if not isinstance(data, dict) or not isinstance(data.get("tables"), dict):
            raise OpsError(f"manifest has no per-table row counts: {self.manifest_path}")
        return data

    def checksum_status(self) -> tuple[str, str]:
        """("ok" | "missing" | "mismatch" | "unreadable", detail)."""
        try:
            recorded = self.checksum_path.read_text(encoding="utf-8").split()[0].lower()
        except FileNotFoundError:
            return "missing", f"no checksum file {self.checksum_path.name}"
        except (OSError, IndexError, UnicodeDecodeError) as exc:
            return "unreadable", f"{self.checksum_path.name}: {exc}"
        actual = sha256_file(self.path)
        if actual != recorded:
            return "mismatch", f"sha256 is {actual}, {self.checksum_path.name} says {recorded}"
        return "ok", actual


def default_backup_dir() -> Path:
    """``$BACKUP_DIR``, else ``backups/`` in the current folder (the guide's ``backups/*.sql.gz``)."""
    return Path(os.environ.get("BACKUP_DIR") or "backups")


def backups_in(directory: Path) -> list[BackupFile]:
    """The backups in ``directory``, oldest first by the time in their names."""
    if not directory.is_dir():
        return []
    found = [BackupFile(p) for p in directory.iterdir() if BACKUP_NAME.match(p.name) and p.is_file()]
    return sorted(found, key=lambda b: b.taken_at or datetime.min.replace(tzinfo=UTC))


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def require_checksum(backup: BackupFile) -> str:
    status, detail = backup.checksum_status()
    if status != "ok":
        raise OpsError(f"checksum {status} for {backup.path.name}: {detail}")
    return detail


def existing_backup(path: str) -> BackupFile:
    file = Path(path)
    if not file.is_file():
        raise UsageError(f"no such backup file: {path}")
    return BackupFile(file)


def restore_sql_gz(psql: str, backup: BackupFile, url: DbUrl) -> None:
    """Feed the gzip'd plain dump to psql in one transaction; any error leaves nothing behind.

    A damaged file is noticed while decompressing: psql is then killed rather than given an end of
    input, because with ``--single-transaction`` an end of input would commit what came before.
    """
    command = [psql, "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--single-transaction"]
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            env=url.libpq_env(),
        )
        assert process.stdin is not None
        failure = None
        try:
            with gzip.open(backup.path, "rb") as dump:
                while chunk := dump.read(CHUNK):
                    process.stdin.write(chunk)
            process.stdin.close()
        except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError
            failure = exc
            process.send_signal(signal.SIGKILL)
        code = process.wait()
        errors.seek(0)
        detail = errors.read().decode("utf-8", "replace").strip()
    if isinstance(failure, BrokenPipeError) or (failure is None and code != 0):
        raise OpsError(f"psql failed restoring {backup.path.name} (exit {code}): {detail[-2000:]}")
    if failure is not None:
        raise OpsError(f"{backup.path.name} is damaged, nothing was restored: {failure}")

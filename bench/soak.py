"""Soak with faults: the real processes for N minutes under a steady load while things break.

    uv run python -m bench.soak [--minutes 10] [--rate 20] [--guests 1000] [--fault-every 30] ...

Two web processes (behind a TCP balancer, as pods behind a service), one worker, the Green API and
LLM simulators, durable PostgreSQL and Redis (append-only), all started here on free ports on
127.0.0.1. Guests write through the Green API simulator's inbound path (``POST /sim/incoming``, as
a phone does) at a steady rate, some in bursts, some asking for a person; staff sign in (login form
and CSRF) and take over or reply now and then over HTTP, alternating between the two web
processes; a few staff websockets (``/live``) stay open on each web process and reconnect as the
browser does. Every ``--fault-every`` seconds a fault, in turn: Redis restart, PostgreSQL restart,
worker SIGKILL (started again), one web process SIGKILL (started again), Green API answering
5xx then 429 for 10 s, the LLM answering 503 for 10 s. After each fault has passed, a probe guest
writes, and every live socket must show it.

Then a bounded drain, and the checks (``bench/soak_check.py``); ``soak: PASSED`` or ``soak: FAILED``
(exit code 1).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import secrets
import signal
import sys
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import httpx

from bench import common  # first: it fixes SECRET_KEY for this run and its subprocesses
from bench import soak_check as checks
from bench.common import HOST
from bench.soak_stack import Balancer, World, soak_world
from bench.soak_traffic import Guests, LiveSocket, Staff, StaffDesk

FAULTS = (
    "redis restart",
    "postgres restart",
    "worker SIGKILL",
    "web SIGKILL",
    "green-api 5xx/429",
    "llm 503",
)
OUTAGE = 10.0  # seconds a simulator answers errors
SERVER_DOWN = 2.0  # seconds PostgreSQL or Redis stays down on a restart
PROBE_AFTER = 3.0  # seconds after a fault has passed until its probe guest writes
PROBE_WITHIN = 20.0  # seconds every socket has to show a probe, from when it was stored


@dataclass
class Fault:
    name: str
    at: float  # seconds into the run
    took: float = 0.0  # until it had passed (servers up again, simulator healthy)
    note: str = ""


class Soak:
    def __init__(self, world: World, args: argparse.Namespace):
        self.world = world
        self.args = args
        self.rng = random.Random(args.seed)
        self.faults: list[Fault] = []
        self.probes: list[checks.Probe] = []
        self.crashes: Counter[str] = Counter()
        self.killing: set[str] = set()
        self.t0 = 0.0

    def log(self, text: str) -> None:
        print(f"[{time.monotonic() - self.t0:6.1f} s] {text}", flush=True)

    # -- setup

    async def setup(self) -> None:
        from tests.support.web import PASSWORD, make_staff

        args = self.args
        # One hotel (its staff, their sockets and the probes) is watched; the guests are spread over
        # all of them, each hotel with its own Green API instance (see --hotels).
        self.hotels: list[tuple[Any, int, str, str]] = []  # hotel id, instance, webhook token, API token
        for _ in range(args.hotels):
            webhook_token, api_token = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
            hotel_id, id_instance = await common.seed_hotel(
                self.world.database_url, ai_enabled=True, api_token=api_token, webhook_token=webhook_token
            )
            self.hotels.append((hotel_id, id_instance, webhook_token, api_token))
        self.hotel_id, self.id_instance = self.hotels[0][:2]
        self.hotel_ids = [h[0] for h in self.hotels]
        self.instances = {h[0]: h[1] for h in self.hotels}
        from domain.db import create_engine, session_factory
        from domain.staff.models import Role

        engine = create_engine(self.world.database_url, pool_size=1)
        self.emails = [f"soak{i}@soak.example" for i in range(args.staff)]
        try:
            for i, email in enumerate(self.emails):
                await make_staff(session_factory(engine), self.hotel_id, email, Role.AGENT, f"Soak {i}")
        finally:
            await engine.dispose()
        self.password = PASSWORD

        ports = {name: common.free_port() for name in ("green-api", "llm", "web1", "web2")}
        self.green_url = f"http://{HOST}:{ports['green-api']}"
        self.llm_url = f"http://{HOST}:{ports['llm']}"
        self.web_urls = [f"http://{HOST}:{ports['web1']}", f"http://{HOST}:{ports['web2']}"]
        self.balancer = Balancer([ports["web1"], ports["web2"]])
        await self.balancer.start()
        w = self.world
        w.add(
            "green-api",
            [
                *("-m", "cli", "sim", "green-api", "--host", HOST, "--port", str(ports["green-api"])),
                "--no-rate-limits",
                *("--status-delays", "0.2,0.5,1.0", "--send-delay-ms", "0", "--min-send-delay-ms", "0"),
                *("--webhook-timeout", "10", "--webhook-retry-pause", "0.5", "--log-level", "warning"),
            ],
            w.env(),
            f"{self.green_url}/sim/instances",
        )
        w.add(
            "llm",
            ["-m", "cli", "sim", "llm", "--host", HOST, "--port", str(ports["llm"]), "--latency-ms", "50"],
            w.env(),
            f"{self.llm_url}/v1/models",
        )
        extra = {"GREEN_API_URL": self.green_url, "DEEPSEEK_API_URL": f"{self.llm_url}/v1"}
        extra["DEEPSEEK_API_KEY"] = "sk-soak"
        if args.debounce is not None:
            extra["AI_DEBOUNCE_SECONDS"] = str(args.debounce)
        env = w.env(**extra)
        for n, url in enumerate(self.web_urls, 1):
            w.add(f"web{n}", common.serve_args(ports[f"web{n}"]), env, f"{url}/health")
        w.add("worker", ["-m", "cli", "worker"], env)
        for name in ("green-api", "llm", "web1", "web2", "worker"):
            await asyncio.to_thread(w.start, name)
        self.http = httpx.AsyncClient(timeout=15, limits=httpx.Limits(max_connections=200))
        for _hotel_id, id_instance, webhook_token, api_token in self.hotels:
            created = await self.http.post(
                f"{self.green_url}/sim/instances",
                json={
                    "idInstance": id_instance,
                    "apiTokenInstance": api_token,
                    "webhookUrl": f"http://{HOST}:{self.balancer.port}/webhooks/green-api",
                    "webhookUrlToken": webhook_token,
                    "wid": "4930123456@c.us",
                },
            )
            created.raise_for_status()
        self.guests = Guests(self.http, self.green_url, list(self.instances.values()), args.guests, self.rng)
        self.staff = [
            await Staff.sign_in(self.web_urls[i % 2], email, self.password)
            for i, email in enumerate(self.emails)
        ]
        self.desk = StaffDesk(
            self.staff, self.web_urls, w.dsn, self.hotel_id, self.id_instance, self.guests, self.rng
        )
        self.sockets = [
            LiveSocket(
                f"web{n + 1}/socket{i + 1}", url, self.staff[(n * args.sockets + i) % len(self.staff)].cookie
            )
            for n, url in enumerate(self.web_urls)
            for i in range(args.sockets)
        ]

    # -- faults

    async def probe(self, after: str) -> None:
        number = len(self.probes) + 1
        chat_id = f"49170{number:07d}@c.us"
        sent = await self.guests.write(
            chat_id, f"SOAKPROBE{number:04d} is the pool open?", "probe", self.id_instance
        )
        self.probes.append(checks.Probe(number, after, sent))

    async def inject(self, n: int) -> Fault:
        name = FAULTS[n % len(FAULTS)]
        fault = Fault(name, time.monotonic() - self.t0)
        started = time.monotonic()
        w = self.world
        if name == "redis restart":
            await asyncio.to_thread(w.restart_redis, SERVER_DOWN)
        elif name == "postgres restart":
            await asyncio.to_thread(w.restart_postgres, SERVER_DOWN)
        elif name in ("worker SIGKILL", "web SIGKILL"):
            target = "worker" if name == "worker SIGKILL" else f"web{(n // len(FAULTS)) % 2 + 1}"
            fault.name = f"{target} SIGKILL"
            self.killing.add(target)
            try:
                w.kill(target)
                await asyncio.to_thread(w.start, target)
            finally:
                self.killing.discard(target)
        elif name == "green-api 5xx/429":
            for mode in ("503", "429"):
                await self.http.post(f"{self.green_url}/sim/faults", json={"mode": mode, "count": -1})
                await asyncio.sleep(OUTAGE / 2)
            await self.http.delete(f"{self.green_url}/sim/faults")
        elif name == "llm 503":
            await self.http.post(f"{self.llm_url}/sim/faults", json={"mode": "503", "count": -1})
            await asyncio.sleep(OUTAGE)
            await self.http.delete(f"{self.llm_url}/sim/faults")
        fault.took = time.monotonic() - started
        return fault

    async def faults_loop(self, until: float) -> None:
        n = 0
        while True:
            due = self.t0 + (n + 1) * self.args.fault_every
            if due >= until:
                return
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            fault = await self.inject(n)
            self.faults.append(fault)
            self.log(f"fault {n + 1}: {fault.name}, passed after {fault.took:.1f} s")
            await asyncio.sleep(PROBE_AFTER)
            await self.probe(fault.name)
            n += 1

    async def watchdog(self, stop: asyncio.Event) -> None:
        """A process that died without being killed is a finding: note it and start it again."""
        while not stop.is_set():
            for name in self.world.dead():
                if name not in self.killing:
                    self.crashes[name] += 1
                    self.log(f"{name} died on its own:\n{self.world.log_tail(name)}")
                    self.killing.add(name)
                    try:
                        await asyncio.to_thread(self.world.start, name)
                    finally:
                        self.killing.discard(name)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)

    # -- the run

    async def run(self) -> bool:
        args = self.args
        await self.setup()
        self.t0 = time.monotonic()
        stop = asyncio.Event()
        background = [asyncio.create_task(s.run(stop)) for s in self.sockets]
        background.append(asyncio.create_task(self.watchdog(stop)))
        await self.wait_sockets(30)
        self.log(
            f"soak: {args.minutes:g} min at {args.rate:g} guest messages/s over {args.guests} guests "
            f"of {len(self.hotels)} hotels, "
            f"a fault every {args.fault_every:g} s, {len(self.sockets)} live sockets, "
            f"{len(self.staff)} staff; logs in {self.world.log_dir}"
        )
        await self.probe("start")
        until = time.monotonic() + args.minutes * 60
        await asyncio.gather(
            self.guests.steady(args.rate, until, burst=args.bursts, person=args.persons),
            self.desk.run(args.staff_every, until),
            self.faults_loop(until),
            self.progress(until),
        )
        await self.guests.settle()
        await self.probe("the end")
        self.log(f"load done: {len(self.guests.sent)} guest messages sent; draining")
        drained = await self.drain(args.drain)
        await asyncio.sleep(PROBE_AFTER)  # the last probe's frames
        stop.set()
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        passed = await self.verdict(drained)
        await self.http.aclose()
        for member in self.staff:
            await member.http.aclose()
        await self.balancer.close()
        return passed

    async def wait_sockets(self, within: float) -> None:
        deadline = time.monotonic() + within
        while not all(s.connected for s in self.sockets):
            if time.monotonic() > deadline:
                raise RuntimeError(f"live sockets did not connect: {[dict(s.errors) for s in self.sockets]}")
            await asyncio.sleep(0.2)

    async def progress(self, until: float) -> None:
        while time.monotonic() < until - 30:
            await asyncio.sleep(30)
            self.log(
                f"{len(self.guests.sent)} guest messages sent, "
                f"staff {sum(self.desk.outcomes.values())} actions, "
                f"live sockets connected {sum(s.connected for s in self.sockets)}/{len(self.sockets)}, "
                f"waiting: {await self.backlog_text()}"
            )

    async def backlog_text(self) -> str:
        try:
            return ", ".join(f"{name} {count}" for name, count in (await self.backlog()).items())
        except Exception as exc:  # PostgreSQL restarting: say so, the next line will tell
            return f"unknown ({type(exc).__name__})"

    async def backlog(self) -> dict[str, int]:
        import asyncpg

        conn = await asyncpg.connect(self.world.dsn)
        try:
            row = await conn.fetchrow(
                "SELECT (SELECT count(*) FROM conversations WHERE hotel_id = ANY($1::uuid[]) "
                "AND state = 'ai' AND ai_pending_since IS NOT NULL) AS ai_pending, "
                "(SELECT count(*) FROM messages WHERE hotel_id = ANY($1::uuid[]) "
                "AND status IN ('queued', 'sending')) "
                "AS outbox",
                self.hotel_ids,
            )
        finally:
            await conn.close()
        return {
            "AI turns pending": row["ai_pending"],
            "outbox": row["outbox"],
            "webhooks queued at the simulator": await self.webhook_queue(),
        }

    async def webhook_queue(self) -> int:
        """Notifications the simulator has not delivered yet: it pushes them one at a time, in order,
        each only after the last one was answered 200 (Green API's rule), so this is the backlog."""
        instances = (await self.http.get(f"{self.green_url}/sim/instances")).json()
        return sum(
            int(i["notificationQueueLength"]) for i in instances if i["idInstance"] in self.instances.values()
        )

    async def drain(self, limit: float) -> dict[str, Any]:
        """Until nothing waits (AI turns, the outbox, webhooks at the simulator) for 3 s; at most
        ``limit`` seconds."""
        started = time.monotonic()
        quiet_since = None
        left: dict[str, int] = {}
        while time.monotonic() - started < limit:
            with contextlib.suppress(Exception):
                left = await self.backlog()
                if not any(left.values()):
                    quiet_since = quiet_since or time.monotonic()
                    if time.monotonic() - quiet_since >= 3:
                        break
                else:
                    quiet_since = None
            await asyncio.sleep(0.5)
        took = time.monotonic() - started
        self.log(f"drain: {took:.1f} s, left {left}")
        return {"seconds": took, "left": left}

    # -- the verdict

    async def verdict(self, drained: dict[str, Any]) -> bool:
        # Frozen first: with our processes stopped, the simulator's queue, the rows and the journal
        # cannot move while they are read one after the other.
        for name in ("worker", "web1", "web2"):
            await asyncio.to_thread(self.world.stop, name)
        undelivered: set[str] = set()
        for id_instance in self.instances.values():
            queued = await self.http.get(
                f"{self.green_url}/sim/notifications", params={"idInstance": id_instance}
            )
            undelivered |= {str(n["body"].get("idMessage")) for n in queued.json()}
        messages, moves = await checks.load(self.world.dsn, self.hotel_ids)
        waiting = await checks.waiting_turns(self.world.dsn, self.hotel_ids)
        sent = self.guests.sent
        answered, after = checks.turns(sent, messages, moves, waiting)
        results = [
            checks.stored_once(sent, messages, undelivered),
            answered,
            await checks.sent_once(self.http, self.green_url, self.instances, messages),
            after,
            checks.live(self.probes, self.sockets, messages, PROBE_WITHIN),
        ]
        drain = checks.Check(f"drained within {self.args.drain:g} s")
        drain.rows = [["seconds", f"{drained['seconds']:.1f}"], *[[k, v] for k, v in drained["left"].items()]]
        for name, count in drained["left"].items():
            if count:
                drain.fail(f"{name} after the drain", f"{count}")
        results.append(drain)
        crashes = checks.Check("no process died on its own")
        crashes.rows = [[name, proc.starts] for name, proc in self.world.procs.items()]
        crashes.rows.insert(0, ["(starts per process)", ""])
        for name, count in self.crashes.items():
            crashes.fail(f"{name} died", f"{count} times; see {self.world.log_dir}/{name}.log")
        results.append(crashes)
        print()
        print(f"faults ({len(self.faults)}):")
        print(
            common.table(
                ["fault", "at s", "passed after s"],
                [[f.name, f"{f.at:.0f}", f"{f.took:.1f}"] for f in self.faults],
            )
        )
        print()
        print("traffic:")
        kinds = Counter(s.kind for s in sent)
        rows: list[list[object]] = [[f"guest messages: {k}", v] for k, v in sorted(kinds.items())]
        rows += [[f"guest POST errors: {k}", v] for k, v in self.guests.errors.items()]
        rows += [[f"staff {k}", v] for k, v in sorted(self.desk.outcomes.items())]
        for s in self.sockets:
            errors = ", ".join(f"{k} {v}" for k, v in s.errors.items()) or "none"
            rows.append([f"{s.name}: connects / frames / errors", f"{s.connects} / {s.frames} / {errors}"])
        print(common.table(["", "count"], rows))
        for check in results:
            print()
            print(check.render())
        passed = all(check.passed for check in results)
        if not passed:
            await checks.keep_evidence(self.world.dsn, self.hotel_ids, self.world.log_dir)
        print()
        print(f"soak: {'PASSED' if passed else 'FAILED'}")
        return passed


async def until_signal(run: Any) -> bool:
    """Ctrl-C or SIGTERM cancels the run (a KeyboardInterrupt raised from a signal handler can land
    inside an event loop callback, which swallows it), and the world is then torn down."""
    task = asyncio.ensure_future(run)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(signum, task.cancel)
    try:
        return bool(await task)
    except asyncio.CancelledError:
        raise KeyboardInterrupt from None
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.remove_signal_handler(signum)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="how long the load runs (default 10)")
    parser.add_argument("--rate", type=float, default=20.0, help="guest messages per second (default 20)")
    parser.add_argument("--guests", type=int, default=1000, help="distinct guests (default 1000)")
    parser.add_argument(
        "--hotels",
        type=int,
        default=4,
        help="hotels the guests write to, each its own Green API instance (default 4; the staff work "
        "at the first)",
    )
    parser.add_argument("--bursts", type=float, default=0.05, help="share of messages starting a burst")
    parser.add_argument("--persons", type=float, default=0.003, help="share of messages asking for a person")
    parser.add_argument("--staff", type=int, default=3, help="staff members signed in (default 3)")
    parser.add_argument("--staff-every", type=float, default=4.0, help="seconds between staff actions")
    parser.add_argument("--sockets", type=int, default=3, help="live sockets per web process (default 3)")
    parser.add_argument("--fault-every", type=float, default=30.0, help="seconds between faults (default 30)")
    parser.add_argument("--drain", type=float, default=180.0, help="longest wait for the queues to empty")
    parser.add_argument("--debounce", type=float, default=None, help="AI_DEBOUNCE_SECONDS (default: ours)")
    parser.add_argument("--seed", type=int, default=9, help="random seed of the traffic")
    parser.add_argument("--keep-logs", action="store_true", help="keep the process logs even on success")
    args = parser.parse_args()
    try:
        with soak_world(keep_logs=args.keep_logs) as world:
            passed = common.run(until_signal(Soak(world, args).run()))
            world.failed = not passed
    except KeyboardInterrupt:
        print("\ninterrupted; everything stopped", file=sys.stderr)
        raise SystemExit(130) from None
    raise SystemExit(0 if passed else 1)


if __name__ == "__main__":
    main()

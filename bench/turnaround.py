"""Turnaround: a guest's question in, the AI's answer out through Green API, end to end.

    uv run python -m bench.turnaround [--guests 100] [--concurrency 1] [--poll-delay 0.01] ...

Starts a durable embedded PostgreSQL and Redis, the Green API simulator (no rate limits, no send
delay, short status delays), the LLM simulator (zero latency), ``python -m cli serve`` and
``python -m cli worker`` with ``AI_DEBOUNCE_SECONDS=0``. For each guest (a new chat each) it posts
``When is breakfast?`` to ``/sim/incoming`` and polls ``/sim/chats/...`` every 5 ms until the
hotel's reply is in the chat: the simulator puts it there when our worker's ``sendMessage``
reaches it. The simulator has nothing to wait on (no long poll, no stream), hence the polling;
it adds at most one interval plus one request (~1 ms) to each figure.

Then it breaks every turnaround into stages from timestamps the system already keeps: the rows'
``created_at``/``send_started_at``, arq's job results (enqueue, start, finish) and the
simulator's webhook delivery log, all on this machine's clock.

Target: p50 < 150 ms, p99 < 400 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench import common
from bench.common import HOST, Stack, ms, percentile, table

QUESTION = "When is breakfast?"
P50_TARGET_MS = 150.0
P99_TARGET_MS = 400.0


@dataclass
class Sample:
    chat_id: str
    id_message: str
    wall_start: float  # time.time() just before POST /sim/incoming
    seconds: float = float("nan")  # until the reply was seen in the chat
    reply: str = ""
    stages: dict[str, float] = field(default_factory=dict)

    @property
    def wall_seen(self) -> float:
        return self.wall_start + self.seconds


class Guests:
    """Guests writing to the hotel through the Green API simulator."""

    def __init__(
        self,
        stack: Stack,
        http: httpx.AsyncClient,
        green_url: str,
        id_instance: int,
        args: argparse.Namespace,
    ):
        self.stack = stack
        self.http = http
        self.green_url = green_url
        self.id_instance = id_instance
        self.args = args
        self.counter = 0

    def next_chat(self) -> str:
        self.counter += 1
        return f"4916{secrets.randbelow(10**4):04d}{self.counter:05d}@c.us"

    async def ask(self, chat_id: str, give_up_after: float) -> Sample:
        chat_url = f"{self.green_url}/sim/chats/{self.id_instance}/{chat_id}"
        wall = time.time()
        started = time.perf_counter()
        response = await self.http.post(
            f"{self.green_url}/sim/incoming",
            json={"idInstance": self.id_instance, "chatId": chat_id, "senderName": "Bench", "text": QUESTION},
        )
        response.raise_for_status()
        sample = Sample(chat_id, str(response.json()["idMessage"]), wall)
        polls = 0
        while time.perf_counter() - started < give_up_after:
            polls += 1
            if polls % 100 == 0:
                self.stack.check_alive()
            messages = (await self.http.get(chat_url)).json()["messages"]
            out = [m for m in messages if m.get("direction") == "outgoing"]
            if out:
                sample.seconds = time.perf_counter() - started
                sample.reply = str(out[0].get("text") or "")
                return sample
            await asyncio.sleep(self.args.poll_interval)
        return sample  # seconds stays NaN: no reply within the timeout


# ---------------------------------------------------------------- where the time goes

STAGES = [
    ("webhook in", "POST /sim/incoming -> the simulator pushes -> guest row inserted"),
    ("ingest commit+enqueue", "guest row inserted -> commit -> ai_reply job enqueued"),
    ("ai queue wait", "ai_reply enqueued -> a worker starts it (arq polls every WORKER_POLL_DELAY)"),
    ("ai job to reply row", "job start -> load, knowledge, LLM call -> reply row flushed"),
    ("reply commit+enqueue", "reply row flushed -> commit -> send_message job enqueued"),
    ("send queue wait", "send_message enqueued -> a worker starts it"),
    ("send job to seen", "job start -> claim (commit) -> sendMessage -> seen by our poll"),
]


async def attach_stages(
    stack: Stack, samples: list[Sample], hotel_id: Any, deliveries: list[dict[str, Any]]
) -> int:
    """Fill ``sample.stages``; answers how many samples have a complete breakdown."""
    import asyncpg
    from arq.connections import ArqRedis
    from arq.jobs import Job

    webhook_answered = {
        d["idMessage"]: float(d["at"])
        for d in deliveries
        if d.get("typeWebhook") == "incomingMessageReceived" and d.get("httpStatus") == 200
    }
    redis = ArqRedis.from_url(stack.redis_url)
    conn = await asyncpg.connect(stack.asyncpg_dsn)
    complete = 0
    try:
        for sample in samples:
            row = await conn.fetchrow(
                "SELECT i.id AS in_id, i.created_at AS in_at, o.id AS out_id, o.created_at AS out_at "
                "FROM messages i LEFT JOIN messages o ON o.ai_trigger_message_id = i.id "
                "WHERE i.hotel_id = $1 AND i.chat_id = $2 AND i.provider_message_id = $3",
                hotel_id,
                sample.chat_id,
                sample.id_message,
            )
            if row is None or row["out_id"] is None:
                continue
            ai = await Job(f"ai:{row['in_id']}", redis).result_info()
            send = await Job(f"send:{row['out_id']}", redis).result_info()
            if ai is None or send is None:
                continue  # arq keeps results 60 s
            times = [
                row["in_at"],
                ai.enqueue_time,
                ai.start_time,
                row["out_at"],
                send.enqueue_time,
                send.start_time,
            ]
            points = [sample.wall_start, *(t.timestamp() for t in times), sample.wall_seen]
            for (name, _), begin, end in zip(STAGES, points, points[1:], strict=False):
                sample.stages[name] = end - begin
            sample.stages["(ai job total)"] = (ai.finish_time - ai.start_time).total_seconds()
            sample.stages["(send job total)"] = (send.finish_time - send.start_time).total_seconds()
            if sample.id_message in webhook_answered:
                sample.stages["(webhook answered)"] = webhook_answered[sample.id_message] - sample.wall_start
            complete += 1
    finally:
        await conn.close()
        await redis.aclose()
    return complete


async def llm_round_trip(http: httpx.AsyncClient, llm_url: str, times: int = 20) -> list[float]:
    """Replay the last chat completion the worker sent, to price the LLM simulator's share."""
    recorded = (await http.get(f"{llm_url}/sim/requests")).json()
    if not recorded:
        return []
    body = recorded[-1]
    if isinstance(body, dict) and "body" in body and isinstance(body["body"], dict):
        body = body["body"]
    seconds = []
    for _ in range(times):
        started = time.perf_counter()
        response = await http.post(
            f"{llm_url}/v1/chat/completions", json=body, headers={"Authorization": "Bearer sk-bench"}
        )
        if response.status_code != 200:
            return []
        seconds.append(time.perf_counter() - started)
    return seconds


# ---------------------------------------------------------------- the run


async def bench(stack: Stack, args: argparse.Namespace) -> None:
    pg = await common.postgres_settings(stack.asyncpg_dsn)
    webhook_token = secrets.token_urlsafe(16)
    api_token = secrets.token_urlsafe(16)
    hotel_id, id_instance = await common.seed_hotel(
        stack.database_url, ai_enabled=True, api_token=api_token, webhook_token=webhook_token
    )
    green_port, llm_port, web_port = common.free_port(), common.free_port(), common.free_port()
    green_url, llm_url, web_url = (f"http://{HOST}:{p}" for p in (green_port, llm_port, web_port))
    green = stack.spawn(
        "green-api",
        [
            *("-m", "cli", "sim", "green-api", "--host", HOST, "--port", str(green_port)),
            "--no-rate-limits",
            *("--status-delays", args.status_delays),
            *("--send-delay-ms", "0", "--min-send-delay-ms", "0"),
            *("--webhook-timeout", "5", "--webhook-retry-pause", "0.2"),
            *("--log-level", "warning"),
        ],
        stack.env(),
    )
    llm = stack.spawn(
        "llm", ["-m", "cli", "sim", "llm", "--host", HOST, "--port", str(llm_port)], stack.env()
    )
    env = stack.env(
        GREEN_API_URL=green_url,
        DEEPSEEK_API_URL=f"{llm_url}/v1",
        DEEPSEEK_API_KEY="sk-bench",
        AI_DEBOUNCE_SECONDS="0",
        WORKER_POLL_DELAY=str(args.poll_delay),
    )
    web = stack.spawn("web", common.serve_args(web_port), env)
    stack.spawn("worker", ["-m", "cli", "worker"], env)
    stack.wait_http(f"{green_url}/sim/instances", green, "green-api")
    stack.wait_http(f"{llm_url}/v1/models", llm, "llm")
    stack.wait_http(f"{web_url}/health", web, "web")
    print(
        f"turnaround benchmark: {args.guests} guests, concurrency {args.concurrency}, "
        f"AI_DEBOUNCE_SECONDS=0, WORKER_POLL_DELAY={args.poll_delay:g}, LLM simulator latency 0, "
        f"Green API status delays {args.status_delays} s; PostgreSQL {pg['server_version']} "
        f"(fsync={pg['fsync']}, synchronous_commit={pg['synchronous_commit']})",
        flush=True,
    )

    async with httpx.AsyncClient(timeout=10) as http:
        created = await http.post(
            f"{green_url}/sim/instances",
            json={
                "idInstance": id_instance,
                "apiTokenInstance": api_token,
                "webhookUrl": f"{web_url}/webhooks/green-api",
                "webhookUrlToken": webhook_token,
                "wid": "4930123456@c.us",
            },
        )
        created.raise_for_status()
        guests = Guests(stack, http, green_url, id_instance, args)
        for n in range(args.warmup):  # the first also waits for the worker to start
            sample = await guests.ask(guests.next_chat(), 60 if n == 0 else args.timeout)
            if sample.seconds != sample.seconds:
                raise RuntimeError(f"warm-up guest got no reply:\n{stack.log_tail('worker')}")
        await asyncio.sleep(0.5)

        pending = [guests.next_chat() for _ in range(args.guests)]
        samples: list[Sample] = []

        async def client() -> None:
            while pending:
                chat_id = pending.pop(0)
                samples.append(await guests.ask(chat_id, args.timeout))
                if args.pause:
                    await asyncio.sleep(args.pause)

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(args.concurrency)))
        elapsed = time.perf_counter() - started
        await asyncio.sleep(0.5)  # let the last send jobs record their results
        deliveries = (
            await http.get(f"{green_url}/sim/deliveries", params={"idInstance": id_instance})
        ).json()
        complete = await attach_stages(stack, samples, hotel_id, deliveries)
        llm_seconds = await llm_round_trip(http, llm_url)
    report(args, samples, elapsed, complete, llm_seconds)


def report(
    args: argparse.Namespace, samples: list[Sample], elapsed: float, complete: int, llm_seconds: list[float]
) -> None:
    answered = [s.seconds for s in samples if s.seconds == s.seconds]
    missing = len(samples) - len(answered)
    print()
    print(f"{len(answered)} of {len(samples)} guests answered in {elapsed:.1f} s; example reply:")
    print(f"  {QUESTION!r} -> {next((s.reply for s in samples if s.reply), '')[:140]!r}")
    print()
    print(
        table(
            ["turnaround", "n", "p50 ms", "p95 ms", "p99 ms", "max ms", "mean ms"],
            [
                [
                    "webhook in -> sendMessage seen",
                    len(answered),
                    ms(percentile(answered, 50)),
                    ms(percentile(answered, 95)),
                    ms(percentile(answered, 99)),
                    ms(max(answered, default=float("nan"))),
                    ms(sum(answered) / len(answered) if answered else float("nan")),
                ]
            ],
        )
    )
    print()
    names = [name for name, _ in STAGES] + ["(webhook answered)", "(ai job total)", "(send job total)"]
    rows = []
    for name in names:
        values = [s.stages[name] for s in samples if name in s.stages]
        if not values:
            continue
        rows.append(
            [
                name,
                ms(percentile(values, 50)),
                ms(percentile(values, 95)),
                ms(percentile(values, 99)),
                ms(max(values)),
                ms(sum(values) / len(values)),
            ]
        )
    if llm_seconds:
        rows.append(
            [
                "(LLM sim round trip, replayed)",
                ms(percentile(llm_seconds, 50)),
                ms(percentile(llm_seconds, 95)),
                ms(percentile(llm_seconds, 99)),
                ms(max(llm_seconds)),
                ms(sum(llm_seconds) / len(llm_seconds)),
            ]
        )
    print(f"where the time goes ({complete} of {len(samples)} turnarounds broken down; arq times are in ms):")
    print(table(["stage", "p50 ms", "p95 ms", "p99 ms", "max ms", "mean ms"], rows))
    for name, meaning in STAGES:
        print(f"  {name}: {meaning}")
    print("  (in parentheses: overlapping figures for reference, not part of the sum)")
    print()
    p50, p99 = percentile(answered, 50) * 1000, percentile(answered, 99) * 1000
    met = not missing and p50 < P50_TARGET_MS and p99 < P99_TARGET_MS
    print(
        f"target: {'met' if met else 'NOT MET'}: p50 {p50:.1f} ms "
        f"{'<' if p50 < P50_TARGET_MS else '>='} {P50_TARGET_MS:g} ms, p99 {p99:.1f} ms "
        f"{'<' if p99 < P99_TARGET_MS else '>='} {P99_TARGET_MS:g} ms"
        + (f", {missing} guests got no reply within {args.timeout:g} s" if missing else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.turnaround", description=__doc__.split("\n")[0])
    parser.add_argument("--guests", type=int, default=100, help="measured guests, one question each")
    parser.add_argument("--concurrency", type=int, default=1, help="guests asking at once (default 1)")
    parser.add_argument("--warmup", type=int, default=5, help="guests before measuring (default 5)")
    parser.add_argument(
        "--poll-delay", type=float, default=0.01, help="WORKER_POLL_DELAY of the worker (default 0.01)"
    )
    parser.add_argument(
        "--poll-interval", type=float, default=0.005, help="how often the chat is polled (default 0.005)"
    )
    parser.add_argument(
        "--status-delays", default="0.05,0.05,0.05", help="simulator SENT,DELIVERED,READ delays"
    )
    parser.add_argument("--pause", type=float, default=0.0, help="pause after each guest, seconds")
    parser.add_argument("--timeout", type=float, default=10.0, help="give up on a guest after this long")
    parser.add_argument("--keep-logs", action="store_true", help="keep the subprocess logs")
    args = parser.parse_args()
    try:
        with common.bench_stack(keep_logs=args.keep_logs) as stack:
            common.run(bench(stack, args))
    except KeyboardInterrupt:
        print("\ninterrupted; everything stopped")
        raise SystemExit(130) from None


if __name__ == "__main__":
    main()

"""arq workers: AI turns and sends on separate queues, run side by side in one process."""

from __future__ import annotations

import asyncio
import contextlib
import enum
import functools
import gc
import logging
import signal
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from arq import Retry, cron
from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.worker import Worker, func

import domain.models  # noqa: F401 - every table registered before the first query
from domain.assistant.detector import LinguaDetector
from domain.assistant.service import AiOutcome, ai_turn
from domain.conversations.inbound import HotelRef, match_api_echo_again, reopen_stranded
from domain.conversations.outbox import SendOutcome, send_queued_message, sweep
from domain.conversations.timers import check_waits
from domain.crypto import SecretUndecryptable
from domain.guests.linking import LinkOutcome, link_guest_ids, sweep_unchecked_guests
from domain.guests.privacy import purge_expired_messages
from domain.hotels.secrets import hotels_with_unreadable_secrets, log_unreadable
from domain.ports import AI_QUEUE, SEND_QUEUE
from domain.settings import Settings, get_settings
from jobs.enqueue import queue_name
from jobs.services import provide_services
from observability.logs import bind, clear
from observability.metrics import AI_REPLY_LATENCY, JOBS, MESSAGES, serve_metrics

log = logging.getLogger(__name__)

SEND_MAX_TRIES = 8
AI_MAX_TRIES = 3
KEY_RETRY_SECONDS = 60.0
LINK_MAX_TRIES = 4


def backoff(job_try: int, base: float, cap: float = 60.0) -> float:
    return float(min(cap, base * 2 ** max(0, job_try - 1)))


def redis_settings(url: str) -> RedisSettings:
    settings = RedisSettings.from_dsn(url)
    settings.retry_on_timeout = True
    settings.conn_retries = 30
    settings.conn_retry_delay = 1
    return settings


@functools.cache
def language_detector() -> LinguaDetector:
    """One detector per process, models preloaded at start-up rather than on a guest's first
    message: both workers (and a restart after Redis was lost) share it."""
    return LinguaDetector()


async def startup(ctx: dict[str, Any]) -> None:
    settings: Settings = ctx.get("settings") or get_settings()
    closing = AsyncExitStack()
    services = await closing.enter_async_context(
        provide_services(settings, ctx["redis"], languages=language_detector())
    )
    ctx.update(settings=settings, closing=closing, services=services)
    try:
        async with services.sessions() as session:
            log_unreadable(await hotels_with_unreadable_secrets(session))
    except Exception as exc:  # the database may still be starting; the jobs retry
        log.warning("could not check the hotels' stored secrets at start-up (%s)", exc.__class__.__name__)
    gc.collect()
    gc.freeze()  # start-up objects live as long as the process: spare them the full collections


async def shutdown(ctx: dict[str, Any]) -> None:
    if "closing" in ctx:
        await ctx["closing"].aclose()


def _log_as(ctx: dict[str, Any], job: str, **ids: str) -> None:
    """The job's log lines name it, its ids and its try, and nothing bound by the job before it."""
    clear()
    bind(job=job, **ids, job_try=ctx["job_try"])


def _counted(ctx: dict[str, Any], function: str, outcome: enum.StrEnum, retry: enum.StrEnum) -> str:
    """Count the job's outcome; the ``retry`` outcome tries again later, after a growing backoff."""
    JOBS.labels(function, outcome.value).inc()
    if outcome is retry:
        raise Retry(defer=backoff(ctx["job_try"], ctx["settings"].retry_base_seconds))
    return outcome.value


def _wait_for_key(exc: SecretUndecryptable, function: str) -> Retry:
    """The hotel's provider token cannot be read: say so loudly and try again later. The row stays
    queued (the sweep re-enqueues it once the tries are spent), so nothing is lost or sent twice."""
    log.error("%s; the job waits %.0f s and tries again", exc, KEY_RETRY_SECONDS)
    JOBS.labels(function, "secrets_unreadable").inc()
    return Retry(defer=KEY_RETRY_SECONDS)


async def send_message(ctx: dict[str, Any], message_id: str) -> str:
    _log_as(ctx, "send_message", message_id=message_id)
    try:
        outcome = await send_queued_message(
            ctx["services"].outbox, UUID(message_id), final_attempt=ctx["job_try"] >= SEND_MAX_TRIES
        )
    except SecretUndecryptable as exc:
        raise _wait_for_key(exc, "send_message") from exc
    if outcome in (SendOutcome.SENT, SendOutcome.ADOPTED):
        MESSAGES.labels("out").inc()
    return _counted(ctx, "send_message", outcome, SendOutcome.RETRY)


async def ai_reply(ctx: dict[str, Any], conversation_id: str, trigger_message_id: str) -> str:
    _log_as(ctx, "ai_reply", conversation_id=conversation_id, message_id=trigger_message_id)
    try:
        outcome = await ai_turn(
            ctx["services"].assistant,
            UUID(conversation_id),
            UUID(trigger_message_id),
            final_attempt=ctx["job_try"] >= AI_MAX_TRIES,
        )
    except SecretUndecryptable as exc:
        raise _wait_for_key(exc, "ai_reply") from exc
    if outcome in (AiOutcome.REPLIED, AiOutcome.HANDED_OFF, AiOutcome.FAILED):
        enqueued = ctx.get("enqueue_time")
        if enqueued is not None:
            AI_REPLY_LATENCY.observe(max(0.0, (datetime.now(UTC) - enqueued).total_seconds()))
    return _counted(ctx, "ai_reply", outcome, AiOutcome.RETRY)


async def link_guest(ctx: dict[str, Any], guest_id: str, seen: list[str]) -> str:
    _log_as(ctx, "link_guest", guest_id=guest_id)
    outcome = await link_guest_ids(
        ctx["services"].outbox, UUID(guest_id), seen, final_attempt=ctx["job_try"] >= LINK_MAX_TRIES
    )
    return _counted(ctx, "link_guest", outcome, LinkOutcome.RETRY)


async def match_echo_again(ctx: dict[str, Any], hotel_id: str, ai_enabled: bool, echo: dict[str, Any]) -> str:
    _log_as(ctx, "match_echo_again", hotel_id=hotel_id)
    async with ctx["services"].uow() as uow:
        stored = await match_api_echo_again(uow, HotelRef(UUID(hotel_id), ai_enabled), echo)
    return "stored" if stored else "placed"


async def sweep_outbox(ctx: dict[str, Any]) -> str:
    settings: Settings = ctx["settings"]
    services = ctx["services"]
    lost_after = timedelta(seconds=max(2.0, settings.sweep_interval_seconds))
    result = await sweep(
        services.sessions,
        services.dispatcher,
        queued_after=lost_after,
        sending_after=timedelta(seconds=120),
        ai_after=timedelta(seconds=settings.ai_debounce_seconds + max(2.0, settings.sweep_interval_seconds)),
    )
    guests = await sweep_unchecked_guests(services.sessions, services.dispatcher, older_than=lost_after)
    now = datetime.now(UTC)
    async with services.uow() as uow:
        reopened = await reopen_stranded(uow, settled_before=now - lost_after, since=now - timedelta(days=2))
    return f"sends={result.sends} ai={result.ai_turns} guests={guests} reopened={reopened}"


async def watch_waits(ctx: dict[str, Any]) -> str:
    """The waiting-guest timers: breaches, escalations to managers, auto-return to the AI."""
    async with ctx["services"].uow() as uow:
        tally = await check_waits(uow, datetime.now(UTC))
    return str(tally)


async def purge_old_messages(ctx: dict[str, Any]) -> str:
    async with ctx["services"].uow() as uow:
        removed = await purge_expired_messages(uow, datetime.now(UTC))
    return f"purged={removed}"


def build_workers(settings: Settings, redis: ArqRedis, *, burst: bool = False) -> list[Worker]:
    common: dict[str, Any] = {
        "redis_pool": redis,
        "on_startup": startup,
        "on_shutdown": shutdown,
        "poll_delay": settings.worker_poll_delay,
        "keep_result": 60,
        "burst": burst,
        "handle_signals": False,
        "health_check_interval": 15,
        "job_completion_wait": 20,
        "ctx": {"settings": settings},
    }
    interval = max(1, settings.sweep_interval_seconds)
    send_timeout = settings.send_timeout_seconds
    send_worker = Worker(
        functions=[
            func(send_message, name="send_message", max_tries=SEND_MAX_TRIES, timeout=send_timeout),
            func(link_guest, name="link_guest", max_tries=LINK_MAX_TRIES, timeout=send_timeout),
            func(match_echo_again, name="match_echo_again", max_tries=3, timeout=send_timeout),
        ],
        cron_jobs=[
            cron(
                sweep_outbox,
                second=set(range(0, 60, interval)),
                run_at_startup=True,
                unique=True,
                timeout=send_timeout,
            ),
            # Once a minute (targets are whole minutes), at :30 to stay clear of the sweep's :00.
            cron(watch_waits, second={30}, unique=True, timeout=send_timeout),
        ],
        job_timeout=send_timeout,
        queue_name=queue_name(settings.redis_prefix, SEND_QUEUE),
        max_jobs=20,
        **common,
    )
    ai_worker = Worker(
        functions=[
            func(ai_reply, name="ai_reply", max_tries=AI_MAX_TRIES, timeout=settings.ai_timeout_seconds)
        ],
        job_timeout=settings.ai_timeout_seconds,
        # Nightly retention purge; on the AI worker so the send queue's crash recovery stays quick
        # (arq's in-progress lock lasts as long as a worker's longest job timeout).
        cron_jobs=[
            cron(purge_old_messages, hour={3}, minute={17}, unique=True, timeout=settings.ai_timeout_seconds)
        ],
        queue_name=queue_name(settings.redis_prefix, AI_QUEUE),
        max_jobs=10,
        **common,
    )
    return [send_worker, ai_worker]


async def run_workers(settings: Settings | None = None, stop: asyncio.Event | None = None) -> None:
    """Both workers in one process. When ``stop`` is set (SIGTERM), they take no new jobs, let the
    running ones finish within ``job_completion_wait`` seconds (inside the pod's grace period), and
    only then exit; a job cut short is retried by arq, so nothing is lost."""
    settings = settings or get_settings()
    if settings.worker_metrics_port:
        try:
            serve_metrics(settings.worker_metrics_port, settings.metrics_token)
        except OSError as exc:
            log.warning(
                "worker metrics port %s unavailable (%s); metrics not served",
                settings.worker_metrics_port,
                exc,
            )
    stop = stop or asyncio.Event()
    delay = 1.0
    while not stop.is_set():
        try:
            await _run_once(settings, stop)
        except Exception:
            log.warning("workers stopped unexpectedly", exc_info=True)
        if stop.is_set():
            break
        # arq gives up when Redis goes away: start again once it is back (the sweep then
        # re-enqueues whatever the outage left behind).
        log.warning("workers lost Redis; starting again in %.0f s", delay)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        delay = min(delay * 2, 30.0)


async def _run_once(settings: Settings, stop: asyncio.Event) -> None:
    redis = await create_pool(redis_settings(settings.redis_url))
    workers = build_workers(settings, redis)
    runs = [asyncio.ensure_future(worker.async_run()) for worker in workers]

    async def drain_on_stop() -> None:
        await stop.wait()
        log.info("stopping: finishing running jobs, taking no new ones")
        for worker in workers:
            worker.handle_sig_wait_for_completion(signal.SIGTERM)

    watcher = asyncio.ensure_future(drain_on_stop())
    try:
        await asyncio.gather(*runs, return_exceptions=True)
    finally:
        watcher.cancel()
        for worker in workers:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await worker.close()


async def workers_healthy(settings: Settings | None = None) -> list[str]:
    """The queues whose worker has not reported within its health-check interval (empty: healthy)."""
    settings = settings or get_settings()
    quick = redis_settings(settings.redis_url)
    quick.conn_retries = 0  # a probe answers fast: Redis down is "unhealthy" now, not in 30 s
    quick.conn_timeout = 2
    redis = await create_pool(quick)
    try:
        names = [queue_name(settings.redis_prefix, queue) for queue in (SEND_QUEUE, AI_QUEUE)]
        return [name for name in names if not await redis.exists(f"{name}:health-check")]
    finally:
        await redis.aclose()

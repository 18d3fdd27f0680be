"""The whole product in one test: our web app and workers against both simulators, over real HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from arq.connections import ArqRedis, create_pool
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.conversations.models import Conversation, Message
from domain.hotels.models import Hotel
from domain.ports import AI_QUEUE, SEND_QUEUE
from domain.settings import Settings
from jobs.enqueue import RedisDispatcher, queue_name
from jobs.worker import build_workers, redis_settings
from sim.green_api import SimConfig
from sim.green_api import create_app as green_api_app
from sim.llm import create_app as llm_app
from tests.support.factories import make_hotel
from tests.support.servers import serve_app
from web.app import create_app

T = TypeVar("T")
GUEST = "491701234567@c.us"
GUEST_LID = "104236588716712@lid"  # the same person's lid, once the simulator is told (``contact``)


def fast_green_api() -> SimConfig:
    return SimConfig(
        status_delays=(0.05, 0.05, 0.05),
        webhook_timeout=5,
        webhook_retry_pause=0.2,
        send_delay_ms=0,
        min_send_delay_ms=0,
        rate_limits=False,
    )


@dataclass
class Workers:
    settings: Settings
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    workers: list[Any] = field(default_factory=list)

    async def start(self) -> None:
        redis = await create_pool(redis_settings(self.settings.redis_url))
        self.workers = build_workers(self.settings, redis)
        self.tasks = [asyncio.create_task(worker.async_run()) for worker in self.workers]

    async def drain(self) -> None:
        """Run every queued job, deferred retries included, until none is left, then return: what
        the jobs were going to do is done, so a test asserts "nothing more happens" without sleeping
        and looking. Running workers stop first (their jobs finish), so no job runs outside this."""
        await self.stop()
        redis = await create_pool(redis_settings(self.settings.redis_url))
        try:
            # One outbox sweep, as a worker starting up does; the schedules themselves stay off,
            # or the next sweep, queued ahead of its second, would keep a burst from ending.
            await redis.enqueue_job("cron:sweep_outbox", _queue_name=self._queues()[0])
            # One round per hop (an AI reply queues a send on the other queue) until both are empty.
            while any([await redis.zcard(queue) for queue in self._queues()]):
                workers = build_workers(self.settings, redis, burst=True)
                for worker in workers:
                    worker.cron_jobs = []
                await asyncio.gather(*(worker.async_run() for worker in workers))
                for worker in workers:
                    await worker.close()
        finally:
            await redis.aclose()

    def _queues(self) -> list[str]:
        return [queue_name(self.settings.redis_prefix, queue) for queue in (SEND_QUEUE, AI_QUEUE)]

    async def stop(self) -> None:
        """Stop the workers for good, whatever their jobs are doing (a cancelled job is fine here)."""
        try:
            for worker in self.workers:
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    await asyncio.wait_for(worker.close(), 10)
        finally:
            for task in self.tasks:
                task.cancel()
            await asyncio.gather(*self.tasks, return_exceptions=True)
            self.tasks, self.workers = [], []


@dataclass
class Stack:
    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    hotel: Hotel
    web_url: str
    green_url: str
    llm_url: str
    workers: Workers
    http: httpx.AsyncClient

    async def guest_writes(self, text: str, chat_id: str = GUEST, **extra: Any) -> str:
        response = await self.http.post(
            f"{self.green_url}/sim/incoming",
            json={
                "idInstance": self.hotel.green_api_instance_id,
                "chatId": chat_id,
                "senderName": "Anna",
                "text": text,
                **extra,
            },
        )
        assert response.status_code == 202, response.text
        return str(response.json()["idMessage"])

    async def contact(self, phone: str = GUEST, lid: str = GUEST_LID) -> None:
        """Tell the Green API simulator that the guest of ``phone`` also goes by ``lid``
        (docs/external-apis.md §A9)."""
        response = await self.http.post(f"{self.green_url}/sim/contacts", json={"phone": phone, "lid": lid})
        response.raise_for_status()

    async def chat(self, chat_id: str = GUEST) -> list[dict[str, Any]]:
        response = await self.http.get(
            f"{self.green_url}/sim/chats/{self.hotel.green_api_instance_id}/{chat_id}"
        )
        response.raise_for_status()
        data = response.json()
        return list(data["messages"] if isinstance(data, dict) else data)

    async def replies(self, chat_id: str = GUEST) -> list[str]:
        """What the guest's phone received from the hotel, oldest first."""
        return [
            m.get("textMessage") or m.get("text") or "" for m in await self.chat(chat_id) if _is_outgoing(m)
        ]

    async def green_fault(self, method: str, mode: str, count: int = 1, delay: float | None = None) -> None:
        body: dict[str, Any] = {
            "idInstance": self.hotel.green_api_instance_id,
            "method": method,
            "mode": mode,
            "count": count,
        }
        if delay is not None:
            body["delay"] = delay
        (await self.http.post(f"{self.green_url}/sim/faults", json=body)).raise_for_status()

    async def deliveries(self) -> list[dict[str, Any]]:
        """The webhooks the Green API simulator delivered to us, each with our answer's status."""
        response = await self.http.get(
            f"{self.green_url}/sim/deliveries", params={"idInstance": self.hotel.green_api_instance_id}
        )
        response.raise_for_status()
        data = response.json()
        return list(data["deliveries"] if isinstance(data, dict) else data)

    async def llm_fault(self, mode: str, count: int = -1) -> None:
        (
            await self.http.post(f"{self.llm_url}/sim/faults", json={"mode": mode, "count": count})
        ).raise_for_status()

    async def llm_requests(self) -> list[dict[str, Any]]:
        data = (await self.http.get(f"{self.llm_url}/sim/requests")).json()
        return list(data["requests"] if isinstance(data, dict) else data)

    async def dispatcher(self) -> RedisDispatcher:
        return RedisDispatcher(ArqRedis.from_url(self.settings.redis_url), self.settings.redis_prefix)

    async def messages(self) -> list[Message]:
        async with self.sessions() as session:
            return list((await session.execute(select(Message).order_by(Message.created_at))).scalars())

    async def conversation(self) -> Conversation:
        found = await self.conversation_or_none()
        assert found is not None, "no conversation yet"
        return found

    async def conversation_or_none(self) -> Conversation | None:
        async with self.sessions() as session:
            return (await session.execute(select(Conversation))).scalar_one_or_none()


def _is_outgoing(message: dict[str, Any]) -> bool:
    return message.get("direction") == "outgoing" or message.get("type") == "outgoing"


async def eventually(check: Callable[[], Awaitable[T]], timeout: float = 10.0, interval: float = 0.05) -> T:
    """Poll until ``check`` returns something truthy; fail with its last value."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s; last value: {last!r}")


@contextlib.asynccontextmanager
async def running_stack(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    *,
    start_workers: bool = True,
    knowledge: list[tuple[str, str]] | None = None,
) -> AsyncIterator[Stack]:
    with serve_app(green_api_app(fast_green_api())) as green_url, serve_app(llm_app()) as llm_url:
        settings = settings.model_copy(
            update={"green_api_url": green_url, "deepseek_api_url": llm_url + "/v1"}
        )
        hotel = await make_hotel(
            sessions, webhook_token="hook-secret", api_token="api-secret", knowledge=knowledge
        )
        with serve_app(create_app(settings)) as web_url:
            async with httpx.AsyncClient(timeout=10) as http:
                created = await http.post(
                    f"{green_url}/sim/instances",
                    json={
                        "idInstance": hotel.green_api_instance_id,
                        "apiTokenInstance": "api-secret",
                        "webhookUrl": f"{web_url}/webhooks/green-api",
                        "webhookUrlToken": "hook-secret",
                        "wid": "4930123456@c.us",
                    },
                )
                created.raise_for_status()
                workers = Workers(settings)
                if start_workers:
                    await workers.start()
                try:
                    yield Stack(settings, sessions, hotel, web_url, green_url, llm_url, workers, http)
                finally:
                    await workers.stop()

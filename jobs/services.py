"""One provider of the domain services' dependencies, for the worker and the CLI.

litestar-fullstack's ``provide_services`` pattern: an async context manager that builds the engine,
the unit of work's dispatcher and (for the worker) the gateways' HTTP clients, hands them out, and
closes them when the block ends. Web requests get theirs from the app's lifespan instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

import httpx
from arq.connections import ArqRedis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.assistant.language import LanguageDetector
from domain.assistant.service import AssistantDeps
from domain.conversations.outbox import OutboxDeps
from domain.db import create_engine, session_factory
from domain.events import Event
from domain.integrations.green_api import HttpGreenApi, green_api_timeout
from domain.integrations.llm import LlmEndpoint, OpenAICompatibleLlm, llm_timeout
from domain.ports import Dispatcher, JobRequest
from domain.settings import Settings
from domain.uow import UnitOfWork
from jobs.enqueue import RedisDispatcher
from observability.metrics import count_deepseek, count_green_api


class NoDispatcher:
    """For commands run without Redis: a use case that publishes or enqueues there is a bug."""

    async def publish(self, events: Sequence[Event]) -> None:
        raise RuntimeError(f"no Redis to publish {len(events)} live events to")

    async def enqueue(self, jobs: Sequence[JobRequest]) -> None:
        raise RuntimeError(f"no Redis to enqueue {len(jobs)} jobs on")


@dataclass(frozen=True, slots=True)
class Services:
    sessions: async_sessionmaker[AsyncSession]
    dispatcher: Dispatcher
    outbox: OutboxDeps | None = None  # with Redis: the worker's
    assistant: AssistantDeps | None = None

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, self.dispatcher)


def _green_api_client(settings: Settings) -> httpx.AsyncClient:
    # The HTTP read timeout stays inside the job timeout: a slow Green API becomes a retry
    # (with a journal check first), never a job killed by arq's own timeout.
    timeout = green_api_timeout()
    return httpx.AsyncClient(
        event_hooks={"response": [count_green_api]},
        timeout=httpx.Timeout(
            connect=timeout.connect,
            read=min(timeout.read or 30.0, settings.send_timeout_seconds * 0.75),
            write=timeout.write,
            pool=timeout.pool,
        ),
    )


@asynccontextmanager
async def provide_services(
    settings: Settings,
    redis: ArqRedis | None = None,
    *,
    languages: LanguageDetector | None = None,
    pool_size: int = 5,
) -> AsyncIterator[Services]:
    """Everything the services need, closed when the block ends. Without ``redis`` (a CLI
    command): the database only."""
    async with AsyncExitStack() as stack:
        engine = create_engine(settings.sqlalchemy_url, pool_size=pool_size)
        stack.push_async_callback(engine.dispose)
        sessions = session_factory(engine)
        if redis is None:
            yield Services(sessions, NoDispatcher())
            return
        dispatcher = RedisDispatcher(redis, settings.redis_prefix)
        green_http = await stack.enter_async_context(_green_api_client(settings))
        llm_http = await stack.enter_async_context(
            httpx.AsyncClient(timeout=llm_timeout(), event_hooks={"response": [count_deepseek]})
        )
        yield Services(
            sessions,
            dispatcher,
            outbox=OutboxDeps(sessions, dispatcher, HttpGreenApi(green_http), settings.green_api_url),
            assistant=AssistantDeps(
                sessions,
                dispatcher,
                OpenAICompatibleLlm(llm_http),
                LlmEndpoint(settings.deepseek_api_url, settings.deepseek_api_key, settings.deepseek_model),
                knowledge_token_budget=settings.knowledge_token_budget,
                history_messages=settings.ai_history_messages,
                languages=languages,
            ),
        )

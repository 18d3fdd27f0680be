"""Every LLM call, recorded as an ``llm_calls`` row: what it was for, the model, the tokens (the
prompt cache's hits and misses too), how long it took, and whether it worked.

``RecordingLlm`` wraps a client for one turn and keeps what each call used, failed calls included;
``record_calls`` writes them in the caller's transaction (the AI turn's, with its result), inside
a savepoint: a row that cannot be written is logged and dropped, and the turn's result (a reply
queued, a draft, a hand-off) commits all the same. Losing a cost row is a gap in a report; losing
the reply, or retrying the turn and sending it twice, is what a guest would notice.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.assistant.models import LlmCall
from domain.assistant.rules import count
from domain.integrations.llm import Completion, LlmClient, LlmEndpoint, Usage

log = logging.getLogger(__name__)

MAX_MODEL_NAME = 100
NO_USAGE = Usage(prompt_tokens=0, completion_tokens=0, cache_hit_tokens=0, cache_miss_tokens=0)


@dataclass(frozen=True, slots=True)
class CallRecord:
    at: datetime.datetime
    model: str
    usage: Usage
    latency_ms: int
    ok: bool

    def row(self, hotel_id: UUID, conversation_id: UUID | None, purpose: str) -> LlmCall:
        usage = self.usage
        return LlmCall(
            hotel_id=hotel_id,
            conversation_id=conversation_id,
            at=self.at,
            purpose=purpose[:20],
            model=self.model[:MAX_MODEL_NAME],
            prompt_tokens=count(usage.prompt_tokens),
            completion_tokens=count(usage.completion_tokens),
            cache_hit_tokens=count(usage.cache_hit_tokens),
            cache_miss_tokens=count(usage.cache_miss_tokens),
            latency_ms=count(self.latency_ms),
            ok=self.ok,
        )


class RecordingLlm:
    """An ``LlmClient`` that remembers every call it passes on (``calls``), answered or not."""

    def __init__(self, llm: LlmClient) -> None:
        self._llm = llm
        self.calls: list[CallRecord] = []

    async def complete(
        self, endpoint: LlmEndpoint, messages: list[dict[str, Any]], **options: Any
    ) -> Completion:
        at = datetime.datetime.now(datetime.UTC)
        started = time.monotonic()
        try:
            completion = await self._llm.complete(endpoint, messages, **options)
        except Exception:
            self.calls.append(CallRecord(at, endpoint.model, NO_USAGE, _since(started), ok=False))
            raise
        model = completion.model or endpoint.model
        self.calls.append(CallRecord(at, model, completion.usage, _since(started), ok=True))
        return completion


def _since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


async def record_calls(
    session: AsyncSession,
    hotel_id: UUID,
    conversation_id: UUID | None,
    purpose: str,
    calls: Sequence[CallRecord],
) -> None:
    """Add the rows to the session's transaction in a savepoint; if they cannot be written, that
    is logged and the transaction goes on without them."""
    if not calls:
        return
    await session.flush()  # the turn's own rows first: only these rows go in the savepoint
    try:
        async with session.begin_nested():
            session.add_all([call.row(hotel_id, conversation_id, purpose) for call in calls])
    except Exception as exc:  # the rows are dropped, not the turn
        log.warning(
            "could not record %d LLM call(s) (%s: %s); the turn goes on without them",
            len(calls),
            purpose,
            exc.__class__.__name__,
        )


async def record_calls_alone(
    sessions: async_sessionmaker[AsyncSession],
    hotel_id: UUID,
    conversation_id: UUID | None,
    purpose: str,
    calls: Sequence[CallRecord],
) -> None:
    """Where there is no result to write them with (a turn to be retried, a staff suggestion):
    in a transaction of their own; a failure is logged, never raised."""
    if not calls:
        return
    try:
        async with sessions() as session, session.begin():
            await record_calls(session, hotel_id, conversation_id, purpose, calls)
    except Exception as exc:
        log.warning("could not record LLM calls (%s: %s)", purpose, exc.__class__.__name__)

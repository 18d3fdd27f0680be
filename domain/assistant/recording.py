"""An ``LlmClient`` that notes every call it passes on (tokens, latency, success), for the
``llm_calls`` rows analytics reads; the caller stores them, in its own transaction."""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from domain.assistant.models import LlmCall
from domain.integrations.llm import Completion, LlmClient, LlmEndpoint


@dataclass(frozen=True, slots=True)
class CallNote:
    at: datetime.datetime
    model: str
    prompt_tokens: int
    completion_tokens: int
    cache_hit_tokens: int
    cache_miss_tokens: int
    latency_ms: int
    ok: bool

    def row(self, hotel_id: UUID, purpose: str, conversation_id: UUID | None = None) -> LlmCall:
        return LlmCall(
            hotel_id=hotel_id,
            conversation_id=conversation_id,
            at=self.at,
            purpose=purpose,
            model=self.model[:100],
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            cache_hit_tokens=self.cache_hit_tokens,
            cache_miss_tokens=self.cache_miss_tokens,
            latency_ms=self.latency_ms,
            ok=self.ok,
        )


@dataclass(slots=True)
class RecordingLlm:
    llm: LlmClient
    notes: list[CallNote] = field(default_factory=list)

    async def complete(
        self,
        endpoint: LlmEndpoint,
        messages: list[dict[str, Any]],
        *,
        tools: list[dict[str, Any]] | None = None,
        temperature: float = 0.3,
        max_tokens: int = 800,
        json_object: bool = False,
        user_id: str | None = None,
    ) -> Completion:
        at = datetime.datetime.now(datetime.UTC)
        started = time.perf_counter()
        try:
            completion = await self.llm.complete(
                endpoint,
                messages,
                tools=tools,
                temperature=temperature,
                max_tokens=max_tokens,
                json_object=json_object,
                user_id=user_id,
            )
        except Exception:
            self.notes.append(CallNote(at, endpoint.model, 0, 0, 0, 0, _since(started), ok=False))
            raise
        usage = completion.usage
        self.notes.append(
            CallNote(
                at,
                completion.model or endpoint.model,
                usage.prompt_tokens,
                usage.completion_tokens,
                usage.cache_hit_tokens,
                usage.cache_miss_tokens,
                _since(started),
                ok=True,
            )
        )
        return completion


def _since(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)

"""The hotel's LLM provider (any OpenAI-compatible endpoint): what the admin sees and sets, and
"test", one chat call recorded as an ``LlmCall`` with purpose ``test``.

The key is never read for display: the page learns only whether one is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import Text, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from domain.assistant.calls import RecordingLlm
from domain.audit.service import record
from domain.crypto import SecretUndecryptable
from domain.errors import Invalid
from domain.hotels.models import Hotel
from domain.hotels.provider_rules import ProviderChange
from domain.hotels.service import changes, hotel_row, update_hotel
from domain.integrations.llm import LlmClient, LlmEndpoint, LlmError, LlmTransientError
from domain.uow import UnitOfWork

TEST_PURPOSE = "test"
TEST_MAX_TOKENS = 120
MAX_SHOWN_ANSWER = 1000
TEST_MESSAGES: list[dict[str, Any]] = [
    {
        "role": "system",
        "content": "You are the AI concierge of a hotel. The hotel's admin is testing the connection.",
    },
    {"role": "user", "content": "Hello! Please greet our guests in one short sentence."},
]

# What the provider's HTTP status says, as an admin can act on it (200: an answer we cannot use).
ERROR_KINDS = {
    401: "the provider refused the key",
    403: "the provider refused the key",
    402: "the account has no balance left",
    404: "nothing answers at this URL (check the base URL and the model)",
    400: "the provider refused the request (check the model name)",
    422: "the provider refused the request (check the model name)",
    429: "rate limited: too many requests just now",
    200: "the provider answered something unusable",
}


@dataclass(frozen=True, slots=True)
class ProviderView:
    base_url: str | None
    model: str | None
    has_key: bool


@dataclass(frozen=True, slots=True)
class ProviderTest:
    """One test call: the answer and the latency, or what kind of failure it was."""

    ok: bool
    base_url: str
    model: str
    latency_ms: int
    answer: str = ""
    error_kind: str = ""
    error: str = ""


def error_kind(exc: LlmError) -> str:
    """The kind of failure, as an admin can act on it."""
    status = exc.status
    if status in ERROR_KINDS:
        return ERROR_KINDS[status]
    if status is not None and status >= 500:
        return "the provider has a problem of its own"
    if isinstance(exc, LlmTransientError):
        return "the provider could not be reached, or did not answer in time"
    return "the call could not be made"


async def provider_of(session: AsyncSession, hotel_id: UUID) -> ProviderView:
    has_key = type_coerce(Hotel.llm_api_key, Text).is_not(None)
    return ProviderView(*await hotel_row(session, hotel_id, Hotel.llm_base_url, Hotel.llm_model, has_key))


async def save_provider(
    uow: UnitOfWork, hotel_id: UUID, change: ProviderChange, by: UUID | None = None
) -> None:
    """Store the provider; the audit log says what changed (the key: only that it did)."""
    before = await provider_of(uow.session, hotel_id)
    values: dict[str, Any] = {"llm_base_url": change.base_url, "llm_model": change.model}
    if change.forget_key:
        values["llm_api_key"] = None
    elif change.api_key is not None:
        values["llm_api_key"] = change.api_key
    await update_hotel(uow.session, hotel_id, values)
    changed = changes(
        {"base_url": before.base_url, "model": before.model},
        {"base_url": change.base_url, "model": change.model},
    )
    if "llm_api_key" in values and (values["llm_api_key"] is not None or before.has_key):
        changed["api_key"] = "(changed)"
    if changed:
        await record(uow, hotel_id, by, "ai_provider.updated", "AI provider", changed)


async def _endpoint(session: AsyncSession, hotel_id: UUID, default: LlmEndpoint) -> LlmEndpoint:
    try:
        row = await hotel_row(session, hotel_id, Hotel.llm_base_url, Hotel.llm_model, Hotel.llm_api_key)
    except SecretUndecryptable:
        raise Invalid("the stored key cannot be decrypted with SECRET_KEY: enter it again") from None
    base_url, model, api_key = row
    return LlmEndpoint(base_url or default.base_url, api_key or default.api_key, model or default.model)


async def try_provider(
    session: AsyncSession, uow: UnitOfWork, llm: LlmClient, default: LlmEndpoint, hotel_id: UUID
) -> ProviderTest:
    """One chat call with the hotel's provider (the default where it has none), recorded.

    ``session`` reads the provider; the call happens outside any transaction, and ``uow`` records it.
    """
    endpoint = await _endpoint(session, hotel_id, default)
    recorder = RecordingLlm(llm)
    try:
        completion = await recorder.complete(endpoint, TEST_MESSAGES, max_tokens=TEST_MAX_TOKENS)
    except LlmError as exc:
        [call] = recorder.calls
        kind = error_kind(exc)
        result = ProviderTest(
            False, endpoint.base_url, endpoint.model, call.latency_ms, error_kind=kind, error=str(exc)[:300]
        )
    else:
        [call] = recorder.calls
        answer = completion.content.strip() or "(the model called a tool instead of answering)"
        result = ProviderTest(
            True, endpoint.base_url, completion.model, call.latency_ms, answer=answer[:MAX_SHOWN_ANSWER]
        )
    async with uow:
        uow.add(call.row(hotel_id, None, TEST_PURPOSE))
    return result

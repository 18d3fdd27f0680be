"""Restricted topics go to a person (by the cheap word check, or by the model's own hand-off), and
every LLM call is an ``llm_calls`` row with the simulator's token counts, failed calls too; a row
that cannot be written costs neither the guest's message nor a second send."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text, update

from domain.assistant.models import LlmCall
from domain.conversations import guest_texts
from domain.conversations.models import Author, Direction, State
from domain.hotels.models import Hotel
from domain.staff.models import Role
from sim.llm.usage import PromptCache, count_tokens, prompt_text
from tests.support.stack import Stack, running_stack
from tests.support.web import make_staff, sign_in


@pytest.fixture
async def stack(settings: Any, sessions: Any) -> AsyncIterator[Stack]:
    async with running_stack(settings, sessions, start_workers=False) as running:
        yield running


async def calls(stack: Stack) -> list[LlmCall]:
    async with stack.sessions() as session:
        return list((await session.execute(select(LlmCall).order_by(LlmCall.at))).scalars())


async def guest_says(stack: Stack, words: str) -> None:
    await stack.guest_writes(words)
    await stack.workers.drain()


# --------------------------------------------------------------------------- restricted topics


async def test_a_refund_goes_to_a_person_without_asking_the_model(stack: Stack) -> None:
    await guest_says(stack, "I would like a refund for last night")

    assert await stack.replies() == [guest_texts.HOLDING["en"]]
    conversation = await stack.conversation()
    assert conversation.state is State.NEEDS_HUMAN
    assert conversation.handoff_reason == "topic:refunds"
    assert await stack.llm_requests() == [], "the word check decided: no model call"
    assert await calls(stack) == []


async def test_the_model_hands_off_a_restricted_topic_the_words_miss(stack: Stack) -> None:
    await guest_says(stack, "I was charged twice for the minibar")

    assert await stack.replies() == [guest_texts.HOLDING["en"]], "the holding message, not the model's"
    conversation = await stack.conversation()
    assert conversation.state is State.NEEDS_HUMAN
    assert conversation.handoff_reason == "topic:billing"
    [request, *_] = await stack.llm_requests()
    assert any(
        "These topics always go to a person: refunds, complaints, billing." in m["content"]
        for m in request["messages"]
    )


async def test_a_restricted_topic_in_another_language_names_the_topic_for_staff(
    stack: Stack, settings: Any
) -> None:
    await make_staff(stack.sessions, stack.hotel.id, "anna@aurora.example", Role.AGENT)
    await guest_says(stack, "Ich möchte mich über den Lärm beschweren")

    assert await stack.replies() == [guest_texts.HOLDING["de"]]
    conversation = await stack.conversation()
    assert conversation.handoff_reason == "topic:complaints"
    async with httpx.AsyncClient(base_url=stack.web_url) as http:
        await sign_in(http, "anna@aurora.example")  # type: ignore[arg-type]
        inbox = (await http.get("/inbox")).text
        page = (await http.get(f"/conversations/{conversation.id}")).text
    assert "complaints (always a person)" in inbox
    assert "handed off: complaints (always a person)" in page


async def test_a_hotel_that_lets_the_ai_answer_billing_gets_an_answer(stack: Stack) -> None:
    async with stack.sessions() as session, session.begin():
        await session.execute(update(Hotel).where(Hotel.id == stack.hotel.id).values(restricted_topics=[]))
    await guest_says(stack, "Can I pay the bill for parking by card?")

    [reply] = await stack.replies()
    assert "18 EUR" in reply
    assert (await stack.conversation()).state is State.AI


# --------------------------------------------------------------------------- llm_calls


def simulated_usage(requests: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """(prompt tokens, cache hits) the simulator reported for each request, worked out again by
    its own functions."""
    cache = PromptCache()
    found = []
    for request in requests:
        prompt = prompt_text(request["messages"], request.get("tools") or [])
        hits = cache.hit_tokens(("sk-test", request.get("user_id") or ""), prompt)
        found.append((count_tokens(prompt), hits))
    return found


async def test_every_call_of_a_turn_is_recorded_with_the_simulators_token_counts(stack: Stack) -> None:
    await guest_says(stack, "What time is breakfast?")
    await guest_says(stack, "And is there parking?")

    rows = await calls(stack)
    requests = await stack.llm_requests()
    assert len(rows) == len(requests) == 2
    assert [(r.prompt_tokens, r.cache_hit_tokens) for r in rows] == simulated_usage(requests)
    assert rows[1].cache_hit_tokens > 0, "the stable prefix is served from the cache"
    for row in rows:
        assert row.purpose == "reply"
        assert row.ok
        assert row.model == "deepseek-flash"
        assert row.hotel_id == stack.hotel.id
        assert row.conversation_id == (await stack.conversation()).id
        assert row.cache_hit_tokens + row.cache_miss_tokens == row.prompt_tokens
        assert row.completion_tokens > 0
        assert row.latency_ms >= 0


async def test_failed_calls_are_recorded_too(stack: Stack) -> None:
    await stack.llm_fault("503", count=1)
    await guest_says(stack, "What time is breakfast?")

    rows = await calls(stack)
    assert [(r.ok, r.purpose) for r in rows] == [(False, "reply"), (True, "reply")]
    assert rows[0].prompt_tokens == 0
    assert len(await stack.replies()) == 1


async def test_a_turn_that_gives_up_records_its_calls_with_the_hand_off(stack: Stack) -> None:
    await stack.llm_fault("402", count=-1)  # no balance: nothing to retry
    await guest_says(stack, "What time is breakfast?")

    assert await stack.replies() == [guest_texts.HOLDING["en"]]
    assert [r.ok for r in await calls(stack)] == [False]


async def test_draft_and_suggest_calls_say_what_they_were_for(stack: Stack) -> None:
    async with stack.sessions() as session, session.begin():
        await session.execute(update(Hotel).where(Hotel.id == stack.hotel.id).values(ai_mode="draft"))
    await make_staff(stack.sessions, stack.hotel.id, "anna@aurora.example", Role.AGENT, "Anna")
    await guest_says(stack, "What time is breakfast?")
    conversation = await stack.conversation()
    async with httpx.AsyncClient(base_url=stack.web_url) as http:
        csrf = await sign_in(http, "anna@aurora.example")  # type: ignore[arg-type]
        suggested = await http.post(
            f"/conversations/{conversation.id}/suggest", headers={"X-CSRF-Token": csrf, "HX-Request": "true"}
        )
        assert suggested.status_code == 200

    assert [r.purpose for r in await calls(stack)] == ["draft", "suggest"]


async def test_a_call_row_that_cannot_be_written_costs_neither_the_message_nor_a_second_send(
    stack: Stack,
) -> None:
    """The likely failure: the row is refused (the table rewritten by a migration, a constraint an
    analytics change added, a value out of range). The turn commits without it; the job is not
    retried into a second model call and a second reply."""
    async with stack.sessions() as session, session.begin():
        await session.execute(
            text("ALTER TABLE llm_calls ADD CONSTRAINT refuse_every_row CHECK (false) NOT VALID")
        )
    try:
        await guest_says(stack, "What time is breakfast?")
        await stack.llm_fault("503", count=1)  # and a failed call, recorded on its own, refused too
        await guest_says(stack, "Is there parking?")
    finally:
        async with stack.sessions() as session, session.begin():
            await session.execute(text("ALTER TABLE llm_calls DROP CONSTRAINT refuse_every_row"))

    replies = await stack.replies()
    assert len(replies) == 2, replies
    assert "7:00 to 10:30" in replies[0]
    assert "18 EUR" in replies[1]
    messages = await stack.messages()
    assert [m.text for m in messages if m.author is Author.GUEST] == [
        "What time is breakfast?",
        "Is there parking?",
    ]
    assert len([m for m in messages if m.direction is Direction.OUT]) == 2
    assert len(await stack.llm_requests()) == 3, "one model call per turn, and the retry after the 503"
    assert await calls(stack) == []

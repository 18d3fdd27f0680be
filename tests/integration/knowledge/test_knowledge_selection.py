"""Which knowledge the model sees: all of it while it fits the budget, else a search; never stale entries."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from sqlalchemy import select

from domain.conversations.models import Author
from domain.knowledge.models import KnowledgeEntry
from domain.settings import Settings
from tests.support.factories import DEMO_KNOWLEDGE
from tests.support.stack import Stack, eventually, running_stack

SIGHTS = [
    "Museum Island", "Brandenburg Gate", "Reichstag dome", "Checkpoint Charlie", "East Side Gallery",
    "Berlin Cathedral", "Pergamon Museum", "Tiergarten", "Charlottenburg Palace", "Potsdamer Platz",
    "Alexanderplatz TV tower", "Gendarmenmarkt", "Topography of Terror", "Jewish Museum",
    "Tempelhofer Feld", "Mauerpark flea market", "Hackescher Markt", "Kurfürstendamm",
    "Berlin Zoo", "Natural History Museum", "Victory Column", "Spandau Citadel", "Holocaust Memorial",
    "Berlin Wall Memorial", "Treptower Park", "Teufelsberg",
]  # fmt: skip
ROOMS = [
    "Amber", "Basalt", "Cedar", "Dune", "Ember", "Fjord", "Granite", "Harbor", "Iris", "Juniper", "Kestrel",
    "Lagoon", "Meadow", "Nimbus", "Onyx", "Pine", "Quartz", "Raven", "Sierra", "Tundra", "Umber",
    "Velvet", "Willow", "Yarrow", "Zephyr", "Aster", "Birch",
]  # fmt: skip
FILLER = [
    (
        f"Sightseeing: {sight}",
        f"{sight} is about {10 + i} minutes from the hotel by U-Bahn; reception sells day tickets and "
        "has free city maps.",
    )
    for i, sight in enumerate(SIGHTS)
] + [
    (
        f"Meeting room {room}",
        f"The {room} meeting room seats {8 + i} people and has a projector, a whiteboard and video "
        "conferencing; the events team books it.",
    )
    for i, room in enumerate(ROOMS)
]
KNOWLEDGE = DEMO_KNOWLEDGE + FILLER
BREAKFAST = "Breakfast is served daily from 7:00 to 10:30"
ENTRY = re.compile(r"^\[kb:[0-9a-f-]{36}\] (.+)$", re.MULTILINE)


def _is_rewrite(request: dict[str, Any]) -> bool:
    system = request["messages"][0]["content"]
    return "Rewrite the guest's question as a search query" in system


def _answers(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The completions that answer the guest (they offer the tools), as opposed to query rewrites."""
    return [r for r in requests if r.get("tools") and not _is_rewrite(r)]


def _sent_titles(request: dict[str, Any]) -> list[str]:
    return ENTRY.findall(request["messages"][0]["content"])


async def _ask(stack: Stack, question: str, chat_id: str = "491709990001@c.us") -> str:
    await stack.guest_writes(question, chat_id=chat_id)
    [reply] = await eventually(lambda: stack.replies(chat_id), timeout=15)
    return reply


async def test_small_knowledge_base_goes_to_the_model_whole(settings: Settings, sessions: Any) -> None:
    async with running_stack(settings, sessions, knowledge=KNOWLEDGE) as stack:
        reply = await _ask(stack, "Wann gibt es Frühstück?")
        requests = await stack.llm_requests()
    assert "7:00" in reply
    assert not any(_is_rewrite(r) for r in requests), "no search needed while everything fits"
    [answer] = _answers(requests)
    assert len(_sent_titles(answer)) == 60


async def test_german_question_finds_the_english_breakfast_entry_when_over_budget(
    settings: Settings, sessions: Any
) -> None:
    small = settings.model_copy(update={"knowledge_token_budget": 400})
    async with running_stack(small, sessions, knowledge=KNOWLEDGE) as stack:
        reply = await _ask(stack, "Wann gibt es Frühstück?")
        requests = await stack.llm_requests()
        ai = next(m for m in await stack.messages() if m.author is Author.AI)
        async with stack.sessions() as session:
            breakfast_id = (
                await session.execute(
                    select(KnowledgeEntry.id).where(
                        KnowledgeEntry.hotel_id == stack.hotel.id, KnowledgeEntry.title == "Breakfast"
                    )
                )
            ).scalar_one()

    assert "Gerne" in reply, "answered in German"
    assert "7:00" in reply, "with the breakfast fact from the English knowledge"
    assert ai.sources == [breakfast_id]

    [rewrite] = [r for r in requests if _is_rewrite(r)]
    assert "in English" in rewrite["messages"][0]["content"]
    assert rewrite["messages"][-1]["content"] == "Wann gibt es Frühstück?"
    assert rewrite.get("response_format") == {"type": "json_object"}

    [answer] = _answers(requests)
    system = answer["messages"][0]["content"]
    assert BREAKFAST in system
    titles = _sent_titles(answer)
    assert "Breakfast" in titles
    assert len(titles) < 60, "not the whole knowledge base"
    assert not any(title.startswith(("Sightseeing", "Meeting room")) for title in titles), titles
    knowledge_chars = sum(len(title) + len(body) for title, body in KNOWLEDGE if title in titles)
    assert knowledge_chars // 4 <= 400, "what is sent stays within the token budget"


async def test_question_without_a_match_hands_off_instead_of_guessing_when_over_budget(
    settings: Settings, sessions: Any
) -> None:
    small = settings.model_copy(update={"knowledge_token_budget": 400})
    async with running_stack(small, sessions, knowledge=KNOWLEDGE) as stack:
        await stack.guest_writes("Do you have a helipad on the roof?", chat_id="491709990002@c.us")
        conversation = await eventually(_handed_off(stack), timeout=15)
        requests = await stack.llm_requests()
    assert conversation.handoff_reason == "not_in_knowledge"
    assert any(_is_rewrite(r) for r in requests)
    answers = _answers(requests)
    assert answers
    assert all(len(_sent_titles(answer)) < 60 for answer in answers)


def _handed_off(stack: Stack) -> Any:
    async def check() -> Any:
        conversation = await stack.conversation_or_none()
        return conversation if conversation is not None and conversation.handoff_reason else None

    return check


@pytest.mark.parametrize("budget", [6000, 400], ids=["whole knowledge", "searched knowledge"])
async def test_entries_outside_their_validity_are_not_sent(
    settings: Settings, sessions: Any, budget: int
) -> None:
    today = datetime.datetime.now(datetime.UTC).date()
    day = datetime.timedelta(days=1)
    dated = [
        ("Breakfast on the roof terrace", "In summer breakfast is on the roof terrace from 6:00.", -90, -30),
        ("Breakfast in the lobby cafe", "During the renovation breakfast is in the lobby cafe.", 30, None),
        ("Breakfast this week", "This week breakfast includes a free glass of champagne.", -1, 1),
    ]
    async with running_stack(
        settings.model_copy(update={"knowledge_token_budget": budget}), sessions, knowledge=KNOWLEDGE
    ) as stack:
        async with stack.sessions() as session, session.begin():
            for title, body, start, end in dated:
                session.add(
                    KnowledgeEntry(
                        hotel_id=stack.hotel.id,
                        title=title,
                        body=body,
                        language="en",
                        search_config="english",
                        valid_from=today + start * day,
                        valid_until=None if end is None else today + end * day,
                    )
                )
        reply = await _ask(stack, "When is breakfast?")
        requests = await stack.llm_requests()

    assert any(_is_rewrite(r) for r in requests) == (budget == 400), "the path this case means to test"
    [answer] = _answers(requests)
    system = answer["messages"][0]["content"]
    assert BREAKFAST in system
    assert "champagne" in system, "an entry valid today is sent"
    assert "roof terrace" not in system, "an expired entry is not sent"
    assert "lobby cafe" not in system, "an entry valid only from next month is not sent"
    assert "7:00" in reply
    assert "roof terrace" not in reply
    assert "lobby" not in reply

""" "Try the bot": the admin asks what a guest might, and sees what the AI would do.

The same turn as a guest's, routed as a guest's is (``service.route_for`` and ``routed_plan``: a
restricted topic goes to a person without asking the model, draft mode or a draft topic makes the
reply a draft; the hotel's knowledge, prompt, tools and LLM provider) and worded as a guest's is
(``service.guest_words``), without a guest, a conversation or a message: nothing is stored but the
LLM calls (purpose ``playground``), and nothing is sent.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import select

from domain.assistant import prompt
from domain.assistant.calls import RecordingLlm, record_calls_alone
from domain.assistant.service import AssistantDeps, Question, TurnPlan, guest_words, route_for, routed_plan
from domain.errors import Invalid, NotFound, Unavailable
from domain.hotels.models import Hotel
from domain.integrations.llm import LlmError
from domain.knowledge.models import KnowledgeEntry

MAX_QUESTION = 2000
PURPOSE = "playground"


class PlaygroundUnavailable(Unavailable):
    pass


@dataclass(frozen=True, slots=True)
class Source:
    id: UUID
    title: str


@dataclass(frozen=True, slots=True)
class PlaygroundAnswer:
    question: str
    #: what the guest would read (the model's reply, or our own words with a hand-off), or the
    #: draft a person would approve first
    reply: str
    sources: list[Source]
    #: (reason, summary) when the AI would hand the conversation to staff
    hand_off: tuple[str, str] | None
    service_requests: list[dict[str, str]]
    #: why the reply would wait for a person's approval ("mode": the hotel drafts every reply, or
    #: the draft topic the question is about); None when it would be sent at once
    drafted: str | None = None
    #: the closed desk's notice the guest would read after the model's own words
    notice: str = ""


def check_question(text: str) -> str:
    text = text.strip()
    if not text:
        raise Invalid("write a question first")
    if len(text) > MAX_QUESTION:
        raise Invalid(f"the question is longer than {MAX_QUESTION} characters")
    return text


async def try_the_bot(deps: AssistantDeps, hotel_id: UUID, staff_id: UUID, text: str) -> PlaygroundAnswer:
    question = check_question(text)
    async with deps.sessions() as session:
        hotel = (await session.execute(select(Hotel).where(Hotel.id == hotel_id))).scalar_one_or_none()
    if hotel is None:
        raise NotFound(str(hotel_id))
    recorder = RecordingLlm(deps.llm)
    asking = Question(
        hotel=hotel,
        guest_name="",
        room=None,
        chat_id=f"playground:{staff_id}",
        history=[prompt.HistoryItem("guest", question)],
        guest_text=question,
        language=None,  # the model reads it from the question, as with a guest's first message
    )
    route = route_for(asking)
    try:
        plan = await routed_plan(dataclasses.replace(deps, llm=recorder), asking, route)
    except LlmError as exc:
        await record_calls_alone(deps.sessions, hotel_id, None, PURPOSE, recorder.calls)
        raise PlaygroundUnavailable(f"the AI could not answer just now: {exc}") from exc
    await record_calls_alone(deps.sessions, hotel_id, None, PURPOSE, recorder.calls)
    words = guest_words(plan, route, asking)
    return PlaygroundAnswer(
        question=question,
        reply=words.text,
        sources=await _sources(deps, hotel_id, plan),
        hand_off=plan.hand_off,
        service_requests=plan.service_requests,
        drafted=route.why if words.draft else None,
        notice=words.notice,
    )


async def _sources(deps: AssistantDeps, hotel_id: UUID, plan: TurnPlan) -> list[Source]:
    if not plan.sources:
        return []
    async with deps.sessions() as session:
        rows = await session.execute(
            select(KnowledgeEntry.id, KnowledgeEntry.title).where(
                KnowledgeEntry.hotel_id == hotel_id, KnowledgeEntry.id.in_(plan.sources)
            )
        )
        titles = dict(rows.tuples().all())
    return [Source(entry_id, titles[entry_id]) for entry_id in plan.sources if entry_id in titles]

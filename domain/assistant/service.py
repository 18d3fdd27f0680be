"""The AI turn: answer a guest from the hotel's knowledge, or hand off. Never over a human."""

from __future__ import annotations

import datetime
import enum
import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.assistant import prompt
from domain.assistant.calls import CallRecord, RecordingLlm, record_calls, record_calls_alone
from domain.assistant.language import LanguageDetector, guest_language, language_name
from domain.assistant.rules import (
    Route,
    TurnMode,
    extract_citations,
    restricted_hand_off,
    route_turn,
    topic_reason,
)
from domain.conversations.drafts import write_draft
from domain.conversations.guest_texts import desk_closed_message, hand_off_message, holding_message
from domain.conversations.models import AiDraft, Author, Conversation, Message, State
from domain.conversations.outbound import after_queue, queue_outbound
from domain.conversations.service import hand_off, lock_conversation
from domain.events import ServiceRequestChanged
from domain.guests.models import Guest
from domain.hotels import hours as desk_hours
from domain.hotels.models import Hotel
from domain.integrations.llm import LlmClient, LlmEndpoint, LlmPermanentError, LlmTransientError
from domain.knowledge import service as knowledge
from domain.ports import Dispatcher
from domain.service_requests.models import ServiceRequest
from domain.uow import UnitOfWork

log = logging.getLogger(__name__)

MAX_TOOL_ROUNDS = 3


class AiOutcome(enum.StrEnum):
    REPLIED = "replied"
    DRAFTED = "drafted"  # a draft waits for a person to approve, edit or discard it
    HANDED_OFF = "handed_off"
    SKIPPED = "skipped"
    DROPPED = "dropped"  # a human took over while the model was thinking
    RETRY = "retry"
    FAILED = "failed"  # gave up: handed off with a holding message


@dataclass(frozen=True, slots=True)
class AssistantDeps:
    sessions: async_sessionmaker[AsyncSession]
    dispatcher: Dispatcher
    llm: LlmClient
    default_endpoint: LlmEndpoint
    knowledge_token_budget: int = 6000
    history_messages: int = 20
    #: only the worker has one (its AI turn records the guest's language); web processes never load it
    languages: LanguageDetector | None = None


@dataclass(slots=True)
class TurnPlan:
    """What the model decided, applied in one transaction at the end."""

    reply: str = ""
    sources: list[UUID] = field(default_factory=list)
    hand_off: tuple[str, str] | None = None
    service_requests: list[dict[str, str]] = field(default_factory=list)
    #: the reply is our own holding text, not the model's (a closed desk's text replaces it)
    own_words: bool = False
    #: the topic the model's hand-off named (reason ``restricted_topic``)
    topic: str = ""


@dataclass(frozen=True, slots=True)
class Question:
    """What the model is asked in a turn: the guest's real turn, or the admin's playground."""

    hotel: Hotel
    guest_name: str
    room: str | None
    #: who asks, for the provider's abuse tracking (hashed, ``_user_id``)
    chat_id: str
    history: list[prompt.HistoryItem]
    guest_text: str
    #: the guest's language after these messages (ISO 639-1), None while unknown
    language: str | None


@dataclass(frozen=True, slots=True)
class TurnContext:
    conversation: Conversation
    guest: Guest
    question: Question


def _question(
    hotel: Hotel, guest: Guest, history: list[prompt.HistoryItem], text: str, language: str | None
) -> Question:
    return Question(hotel, guest.name, guest.room, guest.chat_id, history, text, language)


def endpoint_for(hotel: Hotel, default: LlmEndpoint) -> LlmEndpoint:
    return LlmEndpoint(
        base_url=hotel.llm_base_url or default.base_url,
        api_key=hotel.llm_api_key or default.api_key,
        model=hotel.llm_model or default.model,
    )


async def _conversation_row(
    session: AsyncSession, conversation_id: UUID, hotel_id: UUID | None = None
) -> tuple[Conversation, Hotel, Guest] | None:
    query = (
        select(Conversation, Hotel, Guest)
        .join(Hotel, Hotel.id == Conversation.hotel_id)
        .join(Guest, Guest.id == Conversation.guest_id)
        .where(Conversation.id == conversation_id)
    )
    if hotel_id is not None:
        query = query.where(Conversation.hotel_id == hotel_id)
    return (await session.execute(query)).tuples().one_or_none()


async def _recent_messages(session: AsyncSession, conversation_id: UUID, limit: int) -> list[Message]:
    """The latest messages, newest first."""
    rows = await session.execute(
        select(Message)
        .where(Message.conversation_id == conversation_id)
        .order_by(Message.created_at.desc())
        .limit(limit)
    )
    return list(rows.scalars())


async def _load(deps: AssistantDeps, conversation_id: UUID, trigger_id: UUID) -> TurnContext | None:
    async with deps.sessions() as session:
        row = await _conversation_row(session, conversation_id)
        if row is None:
            return None
        conversation, hotel, guest = row
        if conversation.state is not State.AI or conversation.ai_pending_since is None:
            return None
        recent = await _recent_messages(session, conversation_id, deps.history_messages)
        latest_guest = next((m for m in recent if m.author is Author.GUEST), None)
        if latest_guest is None or latest_guest.id != trigger_id:
            return None  # a newer guest message has its own job, which answers the whole burst
        history = [prompt.HistoryItem(m.author.value, _as_text(m)) for m in reversed(recent)]
        unanswered: list[Message] = []
        for m in recent:
            if m.author is not Author.GUEST:
                break
            unanswered.insert(0, m)
        guest_text = "\n".join(_as_text(m) for m in unanswered)
        own_words = "\n".join(m.text for m in unanswered if m.text and m.type_message not in _NOT_WORDS)
        language = _language_after(deps, own_words, guest)
        return TurnContext(conversation, guest, _question(hotel, guest, history, guest_text, language))


def _language_after(deps: AssistantDeps, own_words: str, guest: Guest) -> str | None:
    if deps.languages is None or not own_words.strip():
        return guest.language
    return guest_language(deps.languages.detect(own_words), own_words, guest.language)


#: Messages whose text is not the guest's own words: a place's or a contact's name ("Piazza San
#: Marco" reads as Italian at 0.99). Nor are our stand-ins ("[the guest sent a location: ...]",
#: English at 0.97): only texts and captions say which language the guest writes.
_NOT_WORDS = frozenset({"locationMessage", "contactMessage", "contactsArrayMessage", "reactionMessage"})


def _as_text(message: Message) -> str:
    if message.type_message in ("textMessage", "extendedTextMessage", "quotedMessage"):
        return message.text or ""
    label = message.type_message.removesuffix("Message")
    caption = f": {message.text}" if message.text else ""
    return f"[the guest sent a {label}{caption}]"


async def _knowledge_for(
    deps: AssistantDeps, ctx: Question, endpoint: LlmEndpoint, today: datetime.date
) -> list[prompt.KnowledgeItem]:
    async with deps.sessions() as session:
        entries = await knowledge.current_entries(session, ctx.hotel.id, today)
        if knowledge.total_tokens(entries) <= deps.knowledge_token_budget:
            return entries
        # Too large to send whole: restate the question in the knowledge's language, then search.
        completion = await deps.llm.complete(
            endpoint,
            prompt.rewrite_request(ctx.guest_text, ctx.hotel.knowledge_language),
            json_object=True,
            max_tokens=100,
        )
        try:
            query = str(json.loads(completion.content).get("query", ""))
        except (ValueError, AttributeError):
            query = ctx.guest_text
        found = await knowledge.search_entries(session, ctx.hotel.id, f"{query} {ctx.guest_text}", today)
        return knowledge.within_budget(found, deps.knowledge_token_budget)


def _user_id(chat_id: str) -> str:
    return hashlib.sha256(chat_id.encode()).hexdigest()[:32]


async def _prompt(
    deps: AssistantDeps,
    ctx: Question,
    endpoint: LlmEndpoint,
    *,
    restricted: list[str],
    draft_by: str | None = None,
) -> tuple[list[prompt.KnowledgeItem], list[dict[str, Any]]]:
    """The knowledge the model is given and the messages that ask it; ``draft_by``: a draft
    written as that staff member would."""
    hotel = ctx.hotel
    now = datetime.datetime.now(desk_hours.zone_of(hotel.timezone))
    entries = await _knowledge_for(deps, ctx, endpoint, now.date())
    note = prompt.context_note(now, ctx.guest_name, ctx.room, language_name(ctx.language))
    if draft_by is not None:
        note += " " + prompt.draft_note(draft_by, language_name(ctx.language))
    prefix = prompt.system_prefix(hotel.name, hotel.persona, hotel.facts, entries, restricted)
    return entries, prompt.build_messages(prefix, note, ctx.history)


async def plan_turn(deps: AssistantDeps, ctx: Question) -> TurnPlan:
    """What the model decides for a question: the guests' turn and the admin's playground both
    ask through here (same knowledge, prompt, tools and provider); applying it is the caller's."""
    endpoint = endpoint_for(ctx.hotel, deps.default_endpoint)
    entries, messages = await _prompt(deps, ctx, endpoint, restricted=_restricted(ctx.hotel))
    plan = TurnPlan()
    known = {entry.id for entry in entries}
    for _ in range(MAX_TOOL_ROUNDS):
        completion = await deps.llm.complete(
            endpoint, messages, tools=prompt.TOOLS, user_id=_user_id(ctx.chat_id)
        )
        if not completion.tool_calls:
            plan.reply, plan.sources = extract_citations(completion.content, known)
            if not plan.reply and plan.hand_off is None:
                raise LlmTransientError("the model answered with nothing", status=None)
            return plan
        messages.append(completion.message)
        for call in completion.tool_calls:
            answer = _apply_tool(plan, call.name, call.arguments)
            messages.append({"role": "tool", "tool_call_id": call.id, "content": answer})
    if plan.hand_off is None:
        plan.hand_off = ("other", "The AI could not finish its answer.")
    return plan


def _apply_tool(plan: TurnPlan, name: str, arguments: dict[str, Any]) -> str:
    if name == "hand_off_to_staff":
        reason = str(arguments.get("reason") or "other")[:60]
        plan.hand_off = (reason, str(arguments.get("summary") or "")[:1000])
        plan.topic = str(arguments.get("topic") or "")[:40]
        return "Handed off: a colleague will answer. Tell the guest briefly, in their language."
    if name == "create_service_request":
        plan.service_requests.append(
            {
                "category": str(arguments.get("category") or "other")[:40],
                "details": str(arguments.get("details") or "")[:2000],
                "room": str(arguments.get("room") or "")[:20],
            }
        )
        return "Request created; staff have been notified. Confirm to the guest briefly, in their language."
    return f"Unknown tool {name}."


def _desk_closed(ctx: Question) -> str | None:
    """The holding text of a hand-off while the front desk is closed: when a person will answer.
    None while it is open (or staffed around the clock, or never: then there is nothing to say)."""
    hotel, now = ctx.hotel, datetime.datetime.now(datetime.UTC)
    opening = desk_hours.next_opening(hotel.business_hours, hotel.timezone, now)
    if opening is None or opening <= now:
        return None
    return desk_closed_message(ctx.language, desk_hours.opening_label(opening, hotel.timezone, now))


def _restricted(hotel: Hotel) -> list[str]:
    return list(hotel.restricted_topics or [])


def route_for(ctx: Question) -> Route:
    """How this turn goes, before any model call (``rules.route_turn``)."""
    hotel = ctx.hotel
    drafts = list(hotel.draft_topics or [])
    return route_turn(ctx.guest_text, ai_mode=hotel.ai_mode, restricted=_restricted(hotel), drafts=drafts)


async def routed_plan(deps: AssistantDeps, ctx: Question, route: Route) -> TurnPlan:
    """The turn's plan along its route: a restricted topic hands off without asking the model;
    otherwise the model decides (``plan_turn``), and a hand-off it asks for over a restricted topic
    is that topic's. The guests' turn and the admin's playground both plan through here."""
    if route.mode is TurnMode.RESTRICTED:
        # A person answers: hand off, naming the topic, with the holding message.
        summary = f"The guest wrote about {route.why}, which always goes to a person."
        reason = topic_reason(route.why)
        return TurnPlan(reply=holding_message(ctx.language), hand_off=(reason, summary), own_words=True)
    plan = await plan_turn(deps, ctx)
    if plan.hand_off is None:
        return plan
    # The model handed off over a restricted topic (its tool's ``topic``, or a reason that names
    # one): the reason names the topic and the guest gets the holding message, not the model's words.
    topic = restricted_hand_off(plan.hand_off[0], plan.topic, _restricted(ctx.hotel))
    if topic is not None:
        plan.hand_off = (topic_reason(topic), plan.hand_off[1])
        plan.reply = holding_message(ctx.language)
        plan.own_words = True
    return plan


#: ``details.automated`` of the product's own texts to a guest (analytics never counts them as replies)
DESK_CLOSED = "desk_closed"
HOLDING = "holding"
HAND_OFF = "hand_off"


@dataclass(frozen=True, slots=True)
class GuestWords:
    """What a guest reads after a turn, or the draft a person approves first."""

    text: str
    #: the text is the product's own, not the model's: which one (``details.automated``)
    automated: str | None = None
    #: the closed desk's notice, after the model's own words (sent by the ``system`` author)
    notice: str = ""
    #: the text is a draft: nothing reaches the guest before a person approves it
    draft: bool = False


def guest_words(plan: TurnPlan, route: Route, ctx: Question) -> GuestWords:
    """The model's reply, as a draft where the route drafts; else the model's words, or our own: a
    hand-off the model did not announce still tells the guest, and so does one in draft mode (the
    model's words reach the guest only once a person approved them). While the desk is closed, a
    hand-off's words say when it opens, or a notice saying so follows the model's own."""
    drafting = route.mode is TurnMode.DRAFT
    if drafting and plan.hand_off is None and plan.reply:
        return GuestWords(plan.reply, draft=True)
    closed = _desk_closed(ctx) if plan.hand_off is not None else None
    unreviewed = drafting and plan.hand_off is not None
    model_words = "" if plan.own_words or unreviewed else plan.reply
    if model_words:
        return GuestWords(model_words, notice=closed or "")
    if closed:
        return GuestWords(closed, automated=DESK_CLOSED)
    if plan.own_words and plan.reply:
        return GuestWords(plan.reply, automated=HOLDING)
    if plan.hand_off is not None:
        return GuestWords(hand_off_message(ctx.language), automated=HAND_OFF)
    return GuestWords("")


async def _apply(
    deps: AssistantDeps,
    ctx: TurnContext,
    trigger_id: UUID,
    plan: TurnPlan,
    *,
    route: Route,
    calls: Sequence[CallRecord] = (),
) -> AiOutcome:
    """The turn's result and its LLM calls, in one transaction."""
    async with UnitOfWork(deps.sessions, deps.dispatcher) as uow:
        outcome = await _apply_plan(uow, ctx, trigger_id, plan, route)
        purpose = "draft" if route.mode is TurnMode.DRAFT else "reply"
        await record_calls(uow.session, ctx.question.hotel.id, ctx.conversation.id, purpose, calls)
    return outcome


async def _apply_plan(
    uow: UnitOfWork, ctx: TurnContext, trigger_id: UUID, plan: TurnPlan, route: Route
) -> AiOutcome:
    conversation = await lock_conversation(uow, ctx.question.hotel.id, ctx.conversation.id)
    if conversation.state is not State.AI:
        log.info("AI reply dropped: conversation %s is %s now", conversation.id, conversation.state)
        return AiOutcome.DROPPED
    if await _answered_already(uow, trigger_id):
        return AiOutcome.SKIPPED
    newer = await uow.session.execute(
        select(Message.id)
        .where(Message.conversation_id == conversation.id, Message.author == Author.GUEST)
        .order_by(Message.created_at.desc())
        .limit(1)
    )
    if newer.scalar_one() != trigger_id:
        return AiOutcome.SKIPPED  # the guest wrote again meanwhile; that job answers everything
    for request in plan.service_requests:
        uow.session.add(
            ServiceRequest(
                hotel_id=conversation.hotel_id,
                conversation_id=conversation.id,
                guest_id=conversation.guest_id,
                created_by="ai",
                status="open",
                **request,
            )
        )
    if plan.service_requests:
        # The requests board shows it at once (the message's own event reads only the inbox).
        uow.publish(
            ServiceRequestChanged(
                hotel_id=conversation.hotel_id, conversation_id=conversation.id, status="open"
            )
        )
    guest = await uow.session.get(Guest, conversation.guest_id)
    if guest is not None:
        if ctx.question.language is not None:
            guest.language = ctx.question.language
        if plan.service_requests and plan.service_requests[0]["room"] and not guest.room:
            guest.room = plan.service_requests[0]["room"]
    conversation.ai_pending_since = None
    words = guest_words(plan, route, ctx.question)
    if words.draft:
        await write_draft(
            uow,
            conversation,
            trigger_message_id=trigger_id,
            text=words.text,
            sources=plan.sources,
            why=route.why,
        )
        return AiOutcome.DRAFTED
    if words.text:
        reply = queue_outbound(
            uow,
            hotel_id=conversation.hotel_id,
            conversation_id=conversation.id,
            chat_id=ctx.guest.chat_id,
            text=words.text,
            author=Author.AI,
            sources=plan.sources,
            ai_trigger_message_id=trigger_id,
            automated=words.automated,
        )
        conversation.last_message_at = datetime.datetime.now(datetime.UTC)
        await after_queue(uow, reply)
    if words.notice:
        notice = queue_outbound(
            uow,
            hotel_id=conversation.hotel_id,
            conversation_id=conversation.id,
            chat_id=ctx.guest.chat_id,
            text=words.notice,
            author=Author.SYSTEM,
            automated=DESK_CLOSED,
        )
        await after_queue(uow, notice)
    if plan.hand_off is not None:
        await hand_off(uow, conversation, reason=plan.hand_off[0], summary=plan.hand_off[1])
        return AiOutcome.HANDED_OFF
    return AiOutcome.REPLIED


async def _answered_already(uow: UnitOfWork, trigger_id: UUID) -> bool:
    """This guest message has its AI reply, or its draft, already (a job that ran twice)."""
    # ai_trigger_message_id is unique: there is one reply at most.
    replied = await uow.session.scalar(select(Message.id).where(Message.ai_trigger_message_id == trigger_id))
    if replied is not None:
        return True
    drafted = await uow.session.scalar(
        select(AiDraft.id).where(AiDraft.trigger_message_id == trigger_id).limit(1)
    )
    return drafted is not None


async def ai_turn(
    deps: AssistantDeps, conversation_id: UUID, trigger_id: UUID, *, final_attempt: bool
) -> AiOutcome:
    ctx = await _load(deps, conversation_id, trigger_id)
    if ctx is None:
        return AiOutcome.SKIPPED
    route = route_for(ctx.question)
    llm = RecordingLlm(deps.llm)
    try:
        plan = await routed_plan(replace(deps, llm=llm), ctx.question, route)
    except LlmTransientError as exc:
        if not final_attempt:
            log.info("AI turn for %s will be retried: %s", conversation_id, exc)
            purpose = "draft" if route.mode is TurnMode.DRAFT else "reply"
            await record_calls_alone(
                deps.sessions, ctx.question.hotel.id, ctx.conversation.id, purpose, llm.calls
            )
            return AiOutcome.RETRY
        why = f"LLM unavailable: {exc}"
    except LlmPermanentError as exc:
        why = f"LLM refused: {exc}"
    else:
        return await _apply(deps, ctx, trigger_id, plan, route=route, calls=llm.calls)
    # After the last try: hand off to staff and tell the guest, briefly, in their language.
    holding = holding_message(ctx.question.language)
    plan = TurnPlan(reply=holding, hand_off=("ai_failure", why[:1000]), own_words=True)
    outcome = await _apply(deps, ctx, trigger_id, plan, route=route, calls=llm.calls)
    return AiOutcome.FAILED if outcome is AiOutcome.HANDED_OFF else outcome


@dataclass(frozen=True, slots=True)
class Draft:
    text: str
    language: str | None  # the guest's, which the composer's saved-reply shortcuts follow


async def suggest_reply(deps: AssistantDeps, hotel_id: UUID, conversation_id: UUID, staff_name: str) -> Draft:
    """A draft for staff to edit and send, written as ``staff_name`` would: no tools.

    In the guest's stored language (the web process, which asks for drafts, has no detector).
    """
    async with deps.sessions() as session:
        row = await _conversation_row(session, conversation_id, hotel_id)
        if row is None:
            raise LookupError(str(conversation_id))
        conversation, hotel, guest = row
        recent = await _recent_messages(session, conversation_id, deps.history_messages)
    history = [prompt.HistoryItem(m.author.value, _as_text(m)) for m in reversed(recent)]
    guest_text = "\n".join(item.text for item in history if item.author == "guest")[-2000:]
    ctx = _question(hotel, guest, history, guest_text, guest.language)
    llm = RecordingLlm(deps.llm)
    try:
        return await _suggest(replace(deps, llm=llm), ctx, staff_name)
    finally:
        await record_calls_alone(deps.sessions, hotel.id, conversation.id, "suggest", llm.calls)


async def _suggest(deps: AssistantDeps, ctx: Question, staff_name: str) -> Draft:
    endpoint = endpoint_for(ctx.hotel, deps.default_endpoint)
    entries, messages = await _prompt(deps, ctx, endpoint, restricted=[], draft_by=staff_name)
    completion = await deps.llm.complete(endpoint, messages, user_id=_user_id(ctx.chat_id))
    text, _ = extract_citations(completion.content, {entry.id for entry in entries})
    return Draft(text, ctx.language)

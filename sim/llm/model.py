"""The simulated model: a deterministic answer grounded in the knowledge it is sent.

Keyed on the last user message: about a topic the prompt says always goes to a person ("These
topics always go to a person: refunds, ...") -> ``hand_off_to_staff`` with reason
``restricted_topic`` and the topic (``restricted.py``); asks for a person -> ``hand_off_to_staff``;
a service request -> ``create_service_request``; a known topic with a matching knowledge entry, or
an entry whose title or text holds the question's specific words -> that entry's body, verbatim,
with its ``[kb:<id>]`` marker; anything else -> ``hand_off_to_staff``
(``not_in_knowledge``). It never states a fact the prompt does not hold.

It answers in the guest's language (``language.py``), helped by a "Guest language: Italian." line
in a system message. A system message with "Draft for staff:" asks for a message a member of staff
sends as their own: no promise of a colleague, and signed with the name after "Sign it as:".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from sim.llm.intents import GREETING, HOUSEKEEPING, MAINTENANCE, PERSON, THANKS
from sim.llm.knowledge import (
    Entry,
    entries_for_topics,
    entries_matching_text,
    entries_named_in,
    parse_entries,
)
from sim.llm.language import NAMES, code_for_name, detect_language
from sim.llm.lexicon import TOPICS, Topic
from sim.llm.phrases import say
from sim.llm.restricted import restricted_topics, topic_of
from sim.llm.stopwords import STOPWORDS
from sim.llm.text import normalize

HAND_OFF = "hand_off_to_staff"
SERVICE_REQUEST = "create_service_request"

_REWRITE = re.compile(
    r"Rewrite the guest['\u2019]s question as a search query in\s+([^\W\d_]+)", re.IGNORECASE
)
_GUEST_LANGUAGE = re.compile(r"Guest language:\s*([^\W\d_]+(?: [^\W\d_]+)?)\.")
_DRAFT = "Draft for staff:"
_SIGNATURE = re.compile(r"Sign it as: (.{1,80}?)\.\s*$")
_WORD = re.compile(r"[^\W\d_]+")
_ROOM_WORDS = (
    r"(?:room|zimmer|zi|habitacion|chambre|camera|quarto|kamer|pokoj\w*|oda\w*|номер\w*|комнат\w*"
    r"|suite|apartment|appartement)"
)
_ROOM_NEAR_WORD = re.compile(_ROOM_WORDS + r"\.?\s*(?:number|nr|no|num|numero|#|№)?\.?\s*(\d{3,4})(?!\d)")
_ROOM_ALONE = re.compile(r"(?<![\d:.,])(\d{3,4})(?![\d:]|[.,]\d)")
_ALL_STOPWORDS = frozenset().union(*STOPWORDS.values())
_FILLER = frozenset(
    normalize(
        "there team everyone all again lot much very so zusammen alle allen vielmals todos "
        "mucho muchas tout monde beaucoup tous вам всем большое очень mille tante tanto muito "
        "muita wel hartelijk bardzo serdecznie cok дуже вам"
    ).split(" ")
)


@dataclass(frozen=True, slots=True)
class PlannedToolCall:
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Voice:
    """Who speaks, and in which language."""

    language: str
    #: a draft a member of staff sends as their own (else the hotel's concierge speaks)
    staff: bool = False
    #: the name a staff draft is signed with
    signature: str = ""


@dataclass(frozen=True, slots=True)
class Reply:
    content: str
    tool_calls: tuple[PlannedToolCall, ...] = ()
    reasoning: str = ""


def text_of(message: dict[str, Any]) -> str:
    """The text of a message whose content is a string or a list of text parts."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


def reply_to(messages: list[dict[str, Any]], tool_names: frozenset[str]) -> Reply:
    """What the model answers to a (validated) conversation, offering ``tool_names``."""
    system_texts = [text_of(message) for message in messages if message["role"] == "system"]
    user_texts = [text_of(message) for message in messages if message["role"] == "user"]
    guest_text = user_texts[-1] if user_texts else ""

    rewrite = next((m for m in map(_REWRITE.search, system_texts) if m), None)
    if rewrite:
        return _search_query(guest_text, code_for_name(rewrite.group(1)) or "en")
    voice = _voice(system_texts, guest_text)
    if messages[-1]["role"] == "tool":
        return _after_tool(messages, voice.language)
    if voice.staff:
        tool_names = frozenset()  # a draft is text for a person to send, never an action
    restricted = restricted_topics(system_texts)
    topic = topic_of(normalize(guest_text), restricted) if HAND_OFF in tool_names else None
    if topic is not None:
        summary = f'Guest wrote about {topic}, which always goes to a person: "{_clip(guest_text)}"'
        arguments = {"reason": "restricted_topic", "topic": topic, "summary": summary}
        reasoning = f"The guest writes about {topic}: the hotel says a person answers that."
        return Reply("", (PlannedToolCall(HAND_OFF, arguments),), reasoning)
    reply = _answer(guest_text, voice, parse_entries(system_texts), tool_names)
    if voice.staff and voice.signature and reply.content:
        signed = f"{reply.content}\n\n{say('sign_off', voice.language).format(name=voice.signature)}"
        return Reply(signed, reply.tool_calls, reply.reasoning)
    return reply


def _voice(system_texts: list[str], guest_text: str) -> Voice:
    named = next((m for m in map(_GUEST_LANGUAGE.search, system_texts) if m), None)
    hint = code_for_name(named.group(1)) if named else None
    staff = any(_DRAFT in text for text in system_texts)
    signed = next((m for m in map(_SIGNATURE.search, system_texts) if m), None) if staff else None
    return Voice(detect_language(guest_text, hint), staff, signed.group(1).strip() if signed else "")


def _answer(text: str, voice: Voice, entries: list[Entry], tool_names: frozenset[str]) -> Reply:
    normalized = normalize(text)
    language = voice.language
    if PERSON.found_in(normalized):
        summary = f'Guest asked to speak with a staff member: "{_clip(text)}"'
        return _hand_off("guest_requested_human", summary, voice, tool_names)
    if HOUSEKEEPING.found_in(normalized) or MAINTENANCE.found_in(normalized):
        category = "maintenance" if MAINTENANCE.found_in(normalized) else "housekeeping"
        arguments = {"category": category, "details": text.strip(), "room": _room_number(normalized)}
        reasoning = f"The guest writes in {NAMES[language]} and asks for {category}."
        if SERVICE_REQUEST in tool_names:
            return Reply("", (PlannedToolCall(SERVICE_REQUEST, arguments),), reasoning)
        summary = f'Guest asked for {category}: "{_clip(text)}"'
        return _hand_off("service_request", summary, voice, tool_names)

    topics = [topic for topic in TOPICS if topic.keywords.found_in(normalized)]
    if not topics and (small_talk := _small_talk(normalized)):
        return Reply(
            say(small_talk, language), reasoning=f"The guest writes in {NAMES[language]}: {small_talk}."
        )
    if topics:
        found = entries_for_topics(topics, entries)
    else:
        found = entries_named_in(text, entries) or entries_matching_text(text, entries)
    if found:
        return _grounded(found, language)
    about = ", ".join(topic.name for topic in topics) or "a question"
    summary = f'Guest asked about {about}, which the knowledge does not cover: "{_clip(text)}"'
    return _hand_off("not_in_knowledge", summary, voice, tool_names)


def _grounded(entries: list[Entry], language: str) -> Reply:
    bodies = "\n\n".join(entry.body for entry in entries)
    markers = " ".join(entry.marker for entry in entries)
    reasoning = (
        f"The guest writes in {NAMES[language]}. The knowledge answers it: "
        + ", ".join(f"{entry.title} {entry.marker}" for entry in entries)
        + "."
    )
    content = f"{say('lead_in', language)}\n{bodies}\n\n{markers}"
    return Reply(content, reasoning=reasoning)


#: what a member of staff writes instead of handing off (they are the person the guest waits for)
_STAFF_INSTEAD_OF_HAND_OFF = {"guest_requested_human": "staff_here", "service_request": "staff_arrange"}


def _hand_off(reason: str, summary: str, voice: Voice, tool_names: frozenset[str]) -> Reply:
    reasoning = f"The guest writes in {NAMES[voice.language]}. Hand off to staff: {reason}."
    if HAND_OFF in tool_names:
        return Reply("", (PlannedToolCall(HAND_OFF, {"reason": reason, "summary": summary}),), reasoning)
    if voice.staff:
        key = _STAFF_INSTEAD_OF_HAND_OFF.get(reason, "staff_check")
        return Reply(say(key, voice.language), reasoning=f"Drafting for staff: {reason}.")
    return Reply(say("check_with_team", voice.language), reasoning=reasoning)


def _after_tool(messages: list[dict[str, Any]], language: str) -> Reply:
    """The turn after tool results: confirm what the tools did, in the guest's language."""
    calls = {
        call["id"]: call["function"]
        for message in messages
        if message["role"] == "assistant"
        for call in message.get("tool_calls") or ()
    }
    results = []
    for message in reversed(messages):
        if message["role"] != "tool":
            break
        results.append(message)
    keys: list[str] = []
    for result in reversed(results):
        function = calls.get(result["tool_call_id"], {})
        key = _confirmation(function.get("name", ""), function.get("arguments", "{}"), text_of(result))
        if key not in keys:
            keys.append(key)
    reasoning = f"The tools answered ({', '.join(keys)}); confirm to the guest in {NAMES[language]}."
    return Reply(" ".join(say(key, language) for key in keys), reasoning=reasoning)


def _confirmation(name: str, raw_arguments: str, result: str) -> str:
    if re.search(r'"(?:error|ok"\s*:\s*false)', result) or result.casefold().startswith("error"):
        return "tool_failed"
    if name == HAND_OFF:
        return "handoff"
    if name == SERVICE_REQUEST:
        try:
            category = json.loads(raw_arguments).get("category")
        except (ValueError, AttributeError):
            category = None
        return "service_maintenance" if category == "maintenance" else "service_housekeeping"
    return "done"


def _search_query(question: str, language: str) -> Reply:
    topics: list[Topic] = [topic for topic in TOPICS if topic.keywords.found_in(normalize(question))]
    if topics:
        query = " ".join(topic.query.get(language, topic.query["en"]) for topic in topics)
    else:
        words = [word for word in _WORD.findall(question.casefold()) if normalize(word) not in _ALL_STOPWORDS]
        query = " ".join(words)
    reasoning = f"Search query in {NAMES.get(language, 'English')} for the guest's question."
    return Reply(json.dumps({"query": query}, ensure_ascii=False), reasoning=reasoning)


def _small_talk(normalized: str) -> str | None:
    """Whether the message only greets ("greeting") or thanks or agrees ("thanks")."""
    if not _WORD.search(normalized) and not any(char.isdigit() for char in normalized):
        return "thanks"  # only emoji or punctuation: a thumbs-up
    kind = "thanks" if THANKS.found_in(normalized) else "greeting" if GREETING.found_in(normalized) else None
    if kind is None:
        return None
    rest = normalized
    for keyword in (*GREETING.keywords, *THANKS.keywords):
        rest = keyword.pattern.sub(" ", rest)
    words = [word for word in _WORD.findall(rest) if word not in _ALL_STOPWORDS and word not in _FILLER]
    return kind if len(words) <= 1 else None


def _room_number(normalized: str) -> str:
    match = _ROOM_NEAR_WORD.search(normalized) or _ROOM_ALONE.search(normalized)
    return match.group(1) if match else ""


def _clip(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"

"""Building the model's input: a stable system prefix (persona, facts, knowledge), then history.

The prefix is byte-for-byte stable for a hotel while its knowledge does not change, so the
provider's prompt cache applies (contract B10). Entries carry ids the model cites as ``[kb:<id>]``.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from domain.assistant.language import language_name


def _tool(name: str, description: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    """A function the model may call, in the chat completions API's shape."""
    parameters = {"type": "object", "properties": properties, "required": required}
    return {
        "type": "function",
        "function": {"name": name, "description": description, "parameters": parameters},
    }


HAND_OFF_TOOL = _tool(
    "hand_off_to_staff",
    "Pass the conversation to the hotel's staff: the guest asks for a person, the knowledge does "
    "not answer the question, or the matter needs a human decision.",
    {
        "reason": {
            "type": "string",
            "enum": [
                "guest_requested_human",
                "not_in_knowledge",
                "complaint",
                "booking_change",
                "restricted_topic",
                "other",
            ],
        },
        "topic": {
            "type": "string",
            "description": "With reason restricted_topic: which of the topics that always go to "
            "a person the message is about, as the rules name it.",
        },
        "summary": {"type": "string", "description": "One or two sentences for the staff, in English."},
    },
    ["reason", "summary"],
)

SERVICE_REQUEST_TOOL = _tool(
    "create_service_request",
    "Create a request for hotel staff: towels, cleaning, repairs, amenities.",
    {
        "category": {
            "type": "string",
            "enum": ["housekeeping", "maintenance", "amenities", "room_service", "other"],
        },
        "details": {"type": "string"},
        "room": {"type": "string", "description": "Room number if the guest gave one, else empty."},
    },
    ["category", "details", "room"],
)

TOOLS = [HAND_OFF_TOOL, SERVICE_REQUEST_TOOL]

RULES = "\n".join(
    [
        "Rules:",
        "- Answer only from the hotel facts and the knowledge below. If they do not hold the answer, call "
        'hand_off_to_staff with reason "not_in_knowledge". Never invent facts, prices, times or promises.',
        "- Always reply in the language the guest writes in, whatever the language of the knowledge.",
        "- Keep replies short and warm, written for WhatsApp: no markdown headings, no tables.",
        "- At the end of a reply, cite every knowledge entry you used as [kb:<id>].",
        '- If the guest asks for a person, call hand_off_to_staff with reason "guest_requested_human".',
        "- For housekeeping, maintenance and similar requests, call create_service_request.",
    ]
)


@dataclass(frozen=True, slots=True)
class KnowledgeItem:
    id: UUID
    title: str
    body: str


@dataclass(frozen=True, slots=True)
class HistoryItem:
    author: str  # guest | ai | staff | system
    text: str


def restricted_rule(topics: Sequence[str]) -> str:
    """The rule for the hotel's topics that always go to a person ("" when it has none)."""
    names = ", ".join(" ".join(topic.split()) for topic in topics if topic.strip())
    if not names:
        return ""
    return (
        f"- These topics always go to a person: {names}. If the guest's message is about one of them, "
        'do not answer it: call hand_off_to_staff with reason "restricted_topic" and the topic.'
    )


def system_prefix(
    hotel_name: str,
    persona: str,
    facts: str,
    knowledge: Sequence[KnowledgeItem],
    restricted: Sequence[str] = (),
) -> str:
    rules = RULES + ("\n" + restricted_rule(restricted) if restricted_rule(restricted) else "")
    parts = [
        f"You are the WhatsApp concierge of {hotel_name}.",
        persona.strip(),
        rules,
        "## Hotel facts",
        facts.strip() or "(none)",
        "## Knowledge",
    ]
    entries = [f"[kb:{item.id}] {item.title.strip()}\n{item.body.strip()}" for item in knowledge]
    return "\n\n".join(part for part in parts if part) + "\n\n" + ("\n\n".join(entries) or "(empty)")


def context_note(now: datetime.datetime, guest_name: str, room: str | None, language: str | None) -> str:
    """What changes per turn, after the stable prefix. ``language`` is the guest's, by name."""
    lines = [f"Now: {now:%A %Y-%m-%d %H:%M} hotel time.", f"Guest name: {guest_name or 'unknown'}."]
    if room:
        lines.append(f"Guest room: {room}.")
    if language:
        # Named, so a short "ok" or "thanks" is still answered in the guest's language.
        lines.append(
            f"Guest language: {language}. Reply in {language} unless the guest's latest message is "
            "clearly in another language."
        )
    return " ".join(lines)


def draft_note(staff_name: str, language: str | None) -> str:
    """For a draft: the reply is the staff member's own message, not the concierge's."""
    name = " ".join(staff_name.split())[:80]
    writer = name or "a member of the front-desk staff"
    lines = [
        "Draft for staff: this time you do not answer as the concierge.",
        f"Write the message {writer} will send to the guest, as {writer}, a person at the hotel's "
        "front desk, in the first person.",
        "Never say or suggest that you are an AI, a bot or an assistant, and do not promise that a "
        "colleague will take over: the writer is that colleague.",
        f"Write it in {language}." if language else "Write it in the language of the guest's messages.",
    ]
    if name:
        lines.append(f"Sign it as: {name}.")
    return " ".join(lines)


def build_messages(prefix: str, note: str, history: Sequence[HistoryItem]) -> list[dict[str, Any]]:
    """System prefix, context, then the history with consecutive guest messages joined."""
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": prefix},
        {"role": "system", "content": note},
    ]
    for item in history:
        if not item.text.strip() or item.author == "system":
            continue
        role = "user" if item.author == "guest" else "assistant"
        text = item.text if item.author != "staff" else f"(hotel staff) {item.text}"
        if messages[-1]["role"] == role and role == "user":
            messages[-1]["content"] += "\n" + text
        else:
            messages.append({"role": role, "content": text})
    return messages


def rewrite_request(question: str, knowledge_language: str) -> list[dict[str, Any]]:
    """Ask the model to restate a question in the knowledge's language, for full-text search."""
    language = language_name(knowledge_language) or "English"
    return [
        {
            "role": "system",
            "content": (
                f"Rewrite the guest's question as a search query in {language}: a few keywords, no "
                'sentences. Answer in json as {"query": "..."}.'
            ),
        },
        {"role": "user", "content": question},
    ]

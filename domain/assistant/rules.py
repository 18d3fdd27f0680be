"""Pure rules of the AI turn: citations, token estimates, the topics that always go to a person
or to a draft, and how a turn goes."""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

CITATION = re.compile(r"\s*\[kb:([^\]\s]+)\]")


def extract_citations(text: str, known: set[UUID]) -> tuple[str, list[UUID]]:
    """Strip ``[kb:<id>]`` markers; keep the ids that name entries the model was given."""
    cited: list[UUID] = []
    for raw in CITATION.findall(text):
        try:
            entry_id = UUID(raw)
        except ValueError:
            continue
        if entry_id in known and entry_id not in cited:
            cited.append(entry_id)
    return CITATION.sub("", text).strip(), cited


def estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4)


# --------------------------------------------------------------------------- topics

#: Words that give a topic away, in the languages guests write most; each a whole word, or a word
#: start with ``*`` after it. A cheap check before the model is asked: a guest who writes "refund"
#: goes to a person without a model call. The model catches what it misses (the hand-off tool's
#: ``topic``). An admin's own topic ("parking") is found by its own name.
TOPIC_WORDS: dict[str, dict[str, str]] = {
    "refunds": {
        "en": "refund*, reimburse*, money back",
        "de": "rückerstattung*, erstattung*, geld zurück, rückzahlung*",
        "es": "reembols*, devolución del dinero, devolucion del dinero",
        "fr": "rembours*",
        "it": "rimbors*",
        "pt": "reembolso*",
        "nl": "terugbetal*, geld terug",
        "pl": "zwrot pieniędzy, zwrotu pieniędzy",
        "ru": "возврат*, вернуть деньги",
    },
    "complaints": {
        "en": "complain*, complaint*",
        "de": "beschwerde*, beschweren, reklamation*",
        "es": "queja*, quejarme, reclamación, reclamacion",
        "fr": "plainte*, réclamation*, reclamation*",
        "it": "reclamo*, lamentela*",
        "pt": "reclamação, reclamacao, queixa*",
        "nl": "klacht*",
        "pl": "skarg*, reklamacj*",
        "ru": "жалоб*, претензи*",
    },
    "billing": {
        "en": "invoice*, bill, billing, receipt*",
        "de": "rechnung*, quittung*",
        "es": "factura*, recibo*",
        "fr": "facture*",
        "it": "fattura*, ricevuta*",
        "pt": "fatura*",
        "nl": "rekening*, factuur*",
        "pl": "rachun*, faktur*",
        "ru": "счет, счёт, счета, квитанци*",
    },
}


def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    parts = []
    for word in words:
        stem = word.endswith("*")
        core = r"\s+".join(re.escape(part) for part in word.rstrip("*").casefold().split())
        parts.append(core + (r"\w*" if stem else r"(?!\w)"))
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + ")")


@functools.lru_cache(maxsize=1000)
def _topic_pattern(topic: str) -> re.Pattern[str]:
    own = " ".join(topic.replace("_", " ").split())
    known = TOPIC_WORDS.get(topic, {})
    words = tuple(w.strip() for ws in known.values() for w in ws.split(",") if w.strip())
    words = words or ((own + "*",) if own else ())
    return _pattern(words) if words else re.compile(r"(?!)")


def topic_in(text: str, topics: Sequence[str]) -> str | None:
    """The first of ``topics`` the guest's text is about, by its words; None if none."""
    folded = text.casefold()
    for topic in topics:
        if topic and _topic_pattern(topic).search(folded):
            return topic
    return None


#: The model's own hand-off reasons that are one of our topics by another name.
_REASON_TOPICS = {"complaint": "complaints"}


def restricted_hand_off(reason: str, topic: str, restricted: Sequence[str]) -> str | None:
    """Which restricted topic a hand-off the model asked for is about, if any: its ``topic``
    argument with reason ``restricted_topic``, or a reason that names a restricted topic."""
    if reason == "restricted_topic" and topic in restricted:
        return topic
    named = _REASON_TOPICS.get(reason, reason)
    return named if named in restricted else None


def topic_reason(topic: str) -> str:
    """The hand-off reason that names a restricted topic (what the inbox and analytics show)."""
    return f"topic:{topic}"[:60]


class TurnMode(enum.StrEnum):
    REPLY = "reply"  # the AI answers the guest itself
    DRAFT = "draft"  # the AI drafts, a person approves
    RESTRICTED = "restricted"  # a person answers: hand off without asking the model


@dataclass(frozen=True, slots=True)
class Route:
    mode: TurnMode
    #: the restricted topic (RESTRICTED), or why it is a draft (DRAFT: "mode" or the draft topic)
    why: str = ""


def route_turn(guest_text: str, *, ai_mode: str, restricted: Sequence[str], drafts: Sequence[str]) -> Route:
    """How the AI turn goes, before any model call: a restricted topic always goes to a person
    (whatever the mode), then a draft where the hotel drafts everything or the message is about
    a draft topic; otherwise the AI replies."""
    topic = topic_in(guest_text, restricted)
    if topic is not None:
        return Route(TurnMode.RESTRICTED, topic)
    if ai_mode == "draft":
        return Route(TurnMode.DRAFT, "mode")
    topic = topic_in(guest_text, drafts)
    if topic is not None:
        return Route(TurnMode.DRAFT, topic)
    return Route(TurnMode.REPLY)


# --------------------------------------------------------------------------- LLM call records

INT4_MAX = 2**31 - 1


def count(value: int | None) -> int:
    """A token count or latency as the ``llm_calls`` integer columns hold it: never negative,
    never past int4 (an odd server's usage must not cost the turn its row)."""
    return max(0, min(int(value or 0), INT4_MAX))

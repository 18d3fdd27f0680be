"""Pure rules of the AI turn: language, citations, holding messages."""

from __future__ import annotations

import re
from uuid import UUID

CITATION = re.compile(r"\s*\[kb:([^\]\s]+)\]")

_STOPWORDS = {
    "de": {
        "ich",
        "und",
        "der",
        "die",
        "das",
        "ist",
        "nicht",
        "wann",
        "wie",
        "gibt",
        "es",
        "ein",
        "eine",
        "bitte",
        "haben",
        "sie",
        "wo",
        "frühstück",
        "danke",
        "hallo",
        "zimmer",
        "kann",
    },
    "es": {
        "el",
        "la",
        "los",
        "las",
        "es",
        "y",
        "que",
        "de",
        "para",
        "cuándo",
        "cuando",
        "dónde",
        "hay",
        "por",
        "favor",
        "gracias",
        "hola",
        "habitación",
        "puedo",
        "una",
        "un",
        "con",
    },
    "fr": {
        "le",
        "la",
        "les",
        "est",
        "et",
        "que",
        "de",
        "pour",
        "quand",
        "où",
        "il",
        "y",
        "a",
        "vous",
        "merci",
        "bonjour",
        "chambre",
        "je",
        "une",
        "un",
        "avec",
        "quelle",
        "quel",
    },
    "en": {
        "the",
        "is",
        "and",
        "what",
        "when",
        "where",
        "how",
        "can",
        "i",
        "you",
        "please",
        "thanks",
        "hello",
        "hi",
        "room",
        "do",
        "a",
        "an",
        "with",
        "my",
        "time",
    },
}

HOLDING_MESSAGES = {
    "en": "Thank you for your message. A member of our team will get back to you here shortly.",
    "de": (
        "Vielen Dank für Ihre Nachricht. Ein Mitarbeiter unseres Teams meldet sich hier in Kürze bei Ihnen."
    ),
    "es": "Gracias por su mensaje. Un miembro de nuestro equipo le responderá aquí en breve.",
    "fr": "Merci pour votre message. Un membre de notre équipe vous répondra ici très bientôt.",
    "ru": "Спасибо за ваше сообщение. Сотрудник нашей команды скоро ответит вам здесь.",
}


def detect_language(text: str, default: str = "en") -> str:
    """A small, dependable guess among the languages the hotel staff see most."""
    if re.search(r"[\u0400-\u04FF]", text):
        return "ru"
    words = re.findall(r"[a-zà-ÿß]+", text.lower())
    if not words:
        return default
    scores = {lang: sum(word in stop for word in words) for lang, stop in _STOPWORDS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    return best if scores[best] > 0 else default


def holding_message(language: str | None) -> str:
    return HOLDING_MESSAGES.get(language or "en", HOLDING_MESSAGES["en"])


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

"""The guest's language: which languages we tell apart, and when a message changes what we know.

The detector itself (lingua, ``domain.assistant.detector``) lives in the worker only; this module is
pure, so the web process can name a stored language without loading any model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

#: The languages we detect, ISO 639-1, with their English names (the model is told the name).
#: Hotel guests write most in these: the large European source markets (en de fr es it pt nl pl
#: ru uk cs hu ro el), the Nordics (sv da nb fi), Turkey and the Middle East (tr ar he), and the
#: Asian markets (zh ja ko hi th id vi). Not more: every language costs about 1.5 MiB of model in
#: the worker and adds look-alikes (Malay beside Indonesian, Catalan beside Spanish) that make short
#: messages less certain in lingua's low-accuracy mode.
GUEST_LANGUAGES: dict[str, str] = {
    "en": "English",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "it": "Italian",
    "pt": "Portuguese",
    "nl": "Dutch",
    "pl": "Polish",
    "ru": "Russian",
    "uk": "Ukrainian",
    "cs": "Czech",
    "hu": "Hungarian",
    "ro": "Romanian",
    "el": "Greek",
    "sv": "Swedish",
    "da": "Danish",
    "nb": "Norwegian",
    "fi": "Finnish",
    "tr": "Turkish",
    "ar": "Arabic",
    "he": "Hebrew",
    "zh": "Chinese",
    "ja": "Japanese",
    "ko": "Korean",
    "hi": "Hindi",
    "th": "Thai",
    "id": "Indonesian",
    "vi": "Vietnamese",
}

#: How sure the detector must be to replace a language we already know. Measured on guests' short
#: messages: "Ciao" reads as Vietnamese at 0.84, "Booking.com" as English at 0.85, a Norwegian
#: breakfast question as German at 0.93; real sentences in the guest's new language, and distinctive
#: words ("Danke schön", "Dziękuję", "Sì, grazie"), score 0.95 to 1.
SWITCH_CONFIDENCE = 0.95
#: For a guest whose language we do not know yet, a plain question is enough: a short Russian
#: question about breakfast scores 0.72 (Russian over Ukrainian), a Danish one 0.61 to 0.79. A single
#: word must still reach SWITCH_CONFIDENCE ("Ciao", "Hallo", "parking?" read wrong at 0.5-0.85).
FIRST_CONFIDENCE = 0.6


@dataclass(frozen=True, slots=True)
class Detection:
    language: str  # ISO 639-1, one of GUEST_LANGUAGES
    confidence: float  # 0..1, lingua's relative confidence among GUEST_LANGUAGES


class LanguageDetector(Protocol):
    def detect(self, text: str) -> Detection | None:
        """The most likely language of ``text``; None when nothing in it is language."""
        ...


def guest_language(detection: Detection | None, text: str, known: str | None) -> str | None:
    """The guest's language after ``text``: the detected one only when it is certain enough.

    "ok", "thanks" or a thumbs-up from a guest we know never change their language.
    """
    if detection is None or detection.language not in GUEST_LANGUAGES:
        return known
    if detection.confidence >= SWITCH_CONFIDENCE:
        return detection.language
    if known is None and detection.confidence >= FIRST_CONFIDENCE and len(text.split()) >= 2:
        return detection.language
    return known


def language_name(code: str | None) -> str | None:
    """ "it" -> "Italian"; None for no language or one we do not know."""
    return GUEST_LANGUAGES.get(code or "")

"""Which of the five languages a guest writes in."""

from __future__ import annotations

import re

from sim.llm.lexicon import GREETING, HOUSEKEEPING, MAINTENANCE, PERSON, STOPWORDS, THANKS, TOPICS
from sim.llm.text import LANGUAGES, KeywordSet, normalize

_WORD = re.compile(r"[^\W\d_]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[a-zA-Z\u00c0-\u024f]")
#: French elisions: l'heure, qu'est-ce, j'ai, c'est, n'est, s'il, d'eau
_ELISION = re.compile(r"(?<!\w)(?:qu|[ljcnmtsd])'\w")

#: characters that hint at a language, with their weight
_LETTER_HINTS: dict[str, dict[str, float]] = {
    "de": {"ä": 2, "ö": 2, "ü": 2, "ß": 3},
    "es": {"ñ": 3, "¿": 3, "¡": 3, "á": 1, "í": 1, "ó": 1, "ú": 1, "é": 0.5},
    "fr": {
        "ç": 2,
        "œ": 3,
        "è": 2,
        "ê": 2,
        "à": 1.5,
        "â": 2,
        "ù": 2,
        "û": 2,
        "î": 2,
        "ô": 2,
        "ë": 2,
        "ï": 2,
        "é": 1,
    },
}

_SETS: tuple[KeywordSet, ...] = (
    *(topic.keywords for topic in TOPICS),
    PERSON,
    HOUSEKEEPING,
    MAINTENANCE,
    GREETING,
    THANKS,
)

NAMES = {"en": "English", "de": "German", "es": "Spanish", "fr": "French", "ru": "Russian"}
_NAME_TO_CODE = {
    "english": "en",
    "german": "de",
    "deutsch": "de",
    "spanish": "es",
    "espanol": "es",
    "castellano": "es",
    "french": "fr",
    "francais": "fr",
    "russian": "ru",
    "русский": "ru",
    "russkii": "ru",
}


def code_for_name(name: str) -> str | None:
    """ "German" -> "de"; None for a language the simulator does not speak."""
    return _NAME_TO_CODE.get(normalize(name).strip(" .:\"'"))


def detect_language(text: str) -> str:
    """The language of a guest message: en, de, es, fr or ru (en when unsure)."""
    cyrillic = len(_CYRILLIC.findall(text))
    latin = len(_LATIN.findall(text))
    if cyrillic and cyrillic * 2 >= latin:
        return "ru"
    lowered = text.casefold().replace("\u2019", "'")
    normalized = normalize(text)
    scores = dict.fromkeys(LANGUAGES, 0.0)
    for word in _WORD.findall(normalized):
        for language in LANGUAGES:
            if word in STOPWORDS[language]:
                scores[language] += 1
    for keyword_set in _SETS:
        for keyword in keyword_set.matches(normalized):
            if len(keyword.languages) == 1:
                scores[next(iter(keyword.languages))] += 2
    for language, hints in _LETTER_HINTS.items():
        scores[language] += sum(weight * lowered.count(char) for char, weight in hints.items())
    scores["fr"] += 2 * len(_ELISION.findall(lowered))
    best = max(LANGUAGES, key=lambda language: scores[language])
    return best if scores[best] > 0 else "en"

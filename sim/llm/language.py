# ruff: noqa: RUF001  (Cyrillic and other scripts look like Latin letters to the linter)
"""Which language a guest writes in, and which of the simulator's fifteen it answers in.

Two readers: lingua (a third-party detector, low-accuracy mode, built once per process), good on
sentences but unsure on a few words ("What is the wifi password?" reads as Italian at 0.93), and
the simulator's own keywords, function words and letters, good on short questions in the fifteen
languages it speaks. A sure reading of either decides; then the language the prompt names for the
guest (so "ok" from an Italian guest is answered in Italian); then weaker readings. A guest in a
language the simulator has no phrases for (Swedish, say) is answered in English, never in a third
language. Deterministic: the same text and prompt always give the same language.
"""

from __future__ import annotations

import functools
import re

from lingua import IsoCode639_1, LanguageDetector, LanguageDetectorBuilder

from sim.llm.intents import GREETING, HOUSEKEEPING, MAINTENANCE, PERSON, THANKS
from sim.llm.lexicon import TOPICS
from sim.llm.stopwords import STOPWORDS
from sim.llm.text import LANGUAGES, KeywordSet, normalize

#: The languages recognised: the fifteen spoken, and others guests often write in, so that those
#: are recognised as such rather than mistaken for a spoken one.
NAMES = {
    "en": "English",
    "de": "German",
    "es": "Spanish",
    "fr": "French",
    "ru": "Russian",
    "it": "Italian",
    "pt": "Portuguese",
    "nl": "Dutch",
    "pl": "Polish",
    "uk": "Ukrainian",
    "tr": "Turkish",
    "ar": "Arabic",
    "zh": "Chinese",
    "ja": "Japanese",
    "ko": "Korean",
    "cs": "Czech",
    "hu": "Hungarian",
    "ro": "Romanian",
    "el": "Greek",
    "sv": "Swedish",
    "da": "Danish",
    "nb": "Norwegian",
    "fi": "Finnish",
    "he": "Hebrew",
    "hi": "Hindi",
    "th": "Thai",
    "id": "Indonesian",
    "vi": "Vietnamese",
}
_NATIVE_NAMES = {
    "deutsch": "de",
    "espanol": "es",
    "castellano": "es",
    "francais": "fr",
    "русский": "ru",
    "russkii": "ru",
    "italiano": "it",
    "portugues": "pt",
    "nederlands": "nl",
    "polski": "pl",
    "українська": "uk",
    "turkce": "tr",
    "العربية": "ar",
    "中文": "zh",
    "日本語": "ja",
    "한국어": "ko",
    "norwegian bokmal": "nb",
    "bokmal": "nb",
}
_NAME_TO_CODE = {normalize(name): code for code, name in NAMES.items()} | {
    normalize(name): code for name, code in _NATIVE_NAMES.items()
}

#: lingua's confidence: decides alone / decides unless the keywords are sure / is a fair guess
DECISIVE = 0.99
CONFIDENT = 0.9
PLAUSIBLE = 0.5
#: a keyword reading is sure with this score and this lead over the runner-up
SURE_SCORE = 3.0
SURE_LEAD = 2.0

_WORD = re.compile(r"[^\W\d_]+")
#: "[the guest sent a location: ...]", "[kb:...]": annotations, not the guest's words
_ANNOTATION = re.compile(r"\[[^\]]*\]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[a-zA-Z\u00c0-\u024f]")
_SCRIPTS = (
    ("ko", re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")),
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("zh", re.compile(r"[\u4e00-\u9fff]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
)
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
    "pt": {"ã": 3, "õ": 3, "ç": 1, "ê": 1, "á": 0.5, "ó": 0.5},
    "tr": {"ğ": 3, "ı": 3, "ş": 2, "ç": 1, "ö": 1, "ü": 1},
    "pl": {"ą": 3, "ę": 3, "ł": 3, "ś": 3, "ź": 3, "ż": 3, "ń": 3, "ó": 1},
    "it": {"ì": 2, "ò": 2, "à": 1, "è": 1, "ù": 1},
    "uk": {"і": 3, "ї": 3, "є": 3, "ґ": 3},
    "ru": {"ы": 3, "э": 3, "ъ": 3, "ё": 3},
}

_SETS: tuple[KeywordSet, ...] = (
    *(topic.keywords for topic in TOPICS),
    PERSON,
    HOUSEKEEPING,
    MAINTENANCE,
    GREETING,
    THANKS,
)


def code_for_name(name: str) -> str | None:
    """ "German" -> "de", "Italiano" -> "it"; None for a language the simulator does not know."""
    return _NAME_TO_CODE.get(normalize(name).strip(" .:\"'"))


def spoken(code: str | None) -> str:
    """The language to answer in for a guest who writes ``code``: itself if spoken, else English."""
    return code if code in LANGUAGES else "en"


@functools.cache
def _lingua() -> LanguageDetector:
    codes = [IsoCode639_1.from_str(code) for code in NAMES]
    builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
    return builder.with_low_accuracy_mode().with_preloaded_language_models().build()


def _lingua_guess(text: str) -> tuple[str, float] | None:
    values = _lingua().compute_language_confidence_values(text)
    if not values or values[0].value <= 0.0:
        return None
    return values[0].language.iso_code_639_1.name.lower(), values[0].value


def detect_language(text: str, hint: str | None = None) -> str:
    """The language (one of ``LANGUAGES``) to answer ``text`` in.

    ``hint`` is the code of the language the prompt names for the guest.
    """
    text = _ANNOTATION.sub(" ", text)
    code, confidence = _lingua_guess(text) or ("", 0.0)
    words, score, lead = _by_words(text)
    if _mostly_cyrillic(text) and hint not in ("ru", "uk"):
        hint = None  # "Привет!" is Russian or Ukrainian, whatever the guest wrote before
    # Most likely a language the simulator does not speak: its keywords cannot judge that text.
    foreign = code not in LANGUAGES and confidence >= PLAUSIBLE
    if confidence >= DECISIVE or (foreign and confidence >= CONFIDENT):
        return spoken(code)
    if score >= SURE_SCORE and lead >= SURE_LEAD:
        return words
    if confidence >= CONFIDENT:
        return code
    if hint is not None:
        return spoken(hint)
    # Against a foreign reading, a lone function word or letter is no evidence; a keyword is.
    if score > (1.0 if foreign else 0.0):
        return words
    return spoken(code) if confidence >= PLAUSIBLE else "en"


def _mostly_cyrillic(text: str) -> bool:
    cyrillic = len(_CYRILLIC.findall(text))
    return cyrillic > 0 and cyrillic * 2 >= len(_LATIN.findall(text))


def _by_words(text: str) -> tuple[str, float, float]:
    """The language the script, keywords and letters of ``text`` point to, its score, and its lead
    over the runner-up (score 0: no evidence)."""
    for language, script in _SCRIPTS:
        if script.search(text):
            return language, SURE_SCORE, SURE_LEAD
    lowered = text.casefold().replace("\u2019", "'")
    normalized = normalize(text)
    candidates = ("ru", "uk") if _mostly_cyrillic(text) else LANGUAGES
    scores = dict.fromkeys(candidates, 0.0)
    for word in _WORD.findall(normalized):
        for language in candidates:
            if word in STOPWORDS[language]:
                scores[language] += 1
    for keyword_set in _SETS:
        for keyword in keyword_set.matches(normalized):
            if len(keyword.languages) == 1 and (only := next(iter(keyword.languages))) in scores:
                scores[only] += 2
    for language, hints in _LETTER_HINTS.items():
        if language in scores:
            scores[language] += sum(weight * lowered.count(char) for char, weight in hints.items())
    if "fr" in scores:
        scores["fr"] += 2 * len(_ELISION.findall(lowered))
    ranked = sorted(candidates, key=lambda language: -scores[language])  # stable: ties keep order
    best, runner_up = scores[ranked[0]], scores[ranked[1]]
    if best == 0 and candidates != LANGUAGES:
        return "ru", 1.0, 1.0  # Cyrillic without other evidence
    return ranked[0], best, best - runner_up

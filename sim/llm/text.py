"""Text normalisation and keyword patterns shared by the simulated model.

Keywords are written the way a person would type them and compiled once. A keyword is
matched against normalised text (case-folded, accents removed), in one of three forms:

- ``"word"``: the whole word (``"spa"`` does not match ``"spanish"``);
- ``"stem*"``: a word starting with the stem (``"towel*"`` matches ``"towels"``);
- ``"*part*"``: anywhere, also inside compounds (``"*reinigung*"`` matches ``"Zimmerreinigung"``);
- ``"re:<regex>"``: a raw regular expression over normalised text.

A space or hyphen inside a keyword matches a space, a hyphen or nothing, so ``"check in"``
matches "check in", "check-in" and "checkin".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

#: the languages the simulated model speaks (writes its own phrases in)
LANGUAGES = ("en", "de", "es", "fr", "ru", "it", "pt", "nl", "pl", "uk", "tr", "ar", "zh", "ja", "ko")

_SEPARATOR = re.compile(r"[\s\-]+")


def normalize(text: str) -> str:
    """Case-fold and strip accents, so "Frühstück" and "fruhstuck" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("\u2019", "'"))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _compile(keyword: str) -> re.Pattern[str]:
    if keyword.startswith("re:"):
        return re.compile(keyword[3:])
    core = keyword.strip("*")
    body = r"[\s\-]*".join(re.escape(part) for part in _SEPARATOR.split(normalize(core)))
    starts_anywhere = keyword.startswith("*")
    ends_anywhere = keyword.endswith("*")
    head = "" if starts_anywhere else r"(?<!\w)"
    tail = "" if ends_anywhere else r"(?!\w)"
    return re.compile(head + body + tail)


@dataclass(frozen=True, slots=True)
class Keyword:
    text: str
    languages: frozenset[str]
    pattern: re.Pattern[str]

    def found_in(self, normalized_text: str) -> bool:
        return self.pattern.search(normalized_text) is not None


class KeywordSet:
    """Keywords of one meaning (a topic, "asks for a person", ...) in several languages."""

    def __init__(self, by_language: Mapping[str, str]) -> None:
        """``by_language`` maps a language to its keywords, separated by commas."""
        languages_of: dict[str, set[str]] = {}
        for language, keywords in by_language.items():
            for keyword in keywords.split(","):
                languages_of.setdefault(keyword.strip(), set()).add(language)
        self.keywords = tuple(
            Keyword(text, frozenset(langs), _compile(text)) for text, langs in languages_of.items()
        )

    def matches(self, normalized_text: str) -> list[Keyword]:
        return [keyword for keyword in self.keywords if keyword.found_in(normalized_text)]

    def found_in(self, normalized_text: str) -> bool:
        return any(keyword.found_in(normalized_text) for keyword in self.keywords)

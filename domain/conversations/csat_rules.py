# ruff: noqa: RUF001  (Cyrillic, Arabic and CJK text look like Latin letters or odd punctuation to the linter)
"""Guest satisfaction (CSAT): when to ask, whom it is about, and reading the answer. Pure.

A guest answers the 1-5 question as people do on a phone: ``5``, ``4/5``, ``4 out of 5``, ``⭐⭐⭐⭐``,
``5️⃣``, ``five``, ``fünf``, ``cinq``... ``parse_rating`` reads exactly those, and nothing else: a
message that merely contains a number ("we arrive at 5") is not an answer, and goes on as a normal
message.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import unicodedata
from uuid import UUID

ASK_AT_MOST_EVERY = datetime.timedelta(hours=24)
#: How long after the question an answer still counts (the conversation must still be resolved).
ANSWER_WITHIN = datetime.timedelta(hours=24)
#: A rating this low or lower gets a follow-up asking what went wrong.
LOW_RATING = 2
MAX_COMMENT = 2000

_WORDS: dict[str, int] = {}
for _value, _names in {
    1: "one un une uno una uma ein eins eine een jeden jedna один одна bir واحد 一 하나 일",
    2: "two deux dos due dois duas zwei twee dwa два дві iki اثنان 二 둘 이",
    3: "three trois tres tre três drei drie trzy три üç ثلاثة 三 셋 삼",
    4: "four quatre cuatro quattro quatro vier cztery четыре чотири dört أربعة 四 넷 사",
    5: "five cinq cinco cinque fünf funf vijf pięć piec пять п'ять beş خمسة 五 다섯 오",
}.items():
    for _name in _names.split():
        _WORDS.setdefault(_name, _value)

_STARS = frozenset("⭐★🌟✩☆✭✮✯✰")
# "4/5", "4 / 5", "4 of 5", "4 out of 5", "4 von 5", "4 sur 5", "4 de 5", "4 su 5", "4 z 5", "4 из 5"
_OUT_OF = re.compile(r"^(\S+?)\s*(?:/|\b(?:out of|of|von|sur|de|su|z|из|з)\b)\s*5$")
_STAR_WORDS = re.compile(
    r"\s*(?:stars?|sterne?|étoiles?|etoiles?|estrellas?|stelle|stella|estrelas?|sterren|ster"
    r"|gwiazdk[ai]|звезд[аы]?|зірк[аи]?|yıldız)$"
)
_TRIM = " \t\n.,!?;:)(-–—~*\"'“”«»🙂😊👍🙏❤️"


def _digit(text: str) -> int | None:
    """One digit in any script (Arabic-Indic and full-width too), a keycap emoji or a number word."""
    text = text.replace("\ufe0f", "").replace("\u20e3", "")
    if len(text) == 1:
        try:
            return unicodedata.digit(text)
        except ValueError:
            pass
    return _WORDS.get(text)


def parse_rating(text: str | None) -> int | None:
    """The 1-5 rating a guest's message gives, or None when it is not (only) a rating."""
    if not text:
        return None
    flat = unicodedata.normalize("NFKC", " ".join(text.split())).casefold().strip(_TRIM)
    if not flat or len(flat) > 40:
        return None
    stars = flat.replace(" ", "")
    if stars and set(stars) <= _STARS:
        return len(stars) if len(stars) <= 5 else None
    flat = _STAR_WORDS.sub("", flat).strip(_TRIM)
    out_of = _OUT_OF.match(flat)
    if out_of is not None:
        flat = out_of[1]
    value = _digit(flat)
    return value if value is not None and 1 <= value <= 5 else None


@dataclasses.dataclass(frozen=True, slots=True)
class Attribution:
    """Whom a rating is about: the AI, or the staff member who sent the last staff reply (None
    when that reply came from the hotel's own phone, sent by nobody we know)."""

    attributed_to: str  # "ai" or "staff"
    staff_id: UUID | None = None


def attribute(
    last_staff_reply: tuple[datetime.datetime, UUID | None] | None, counted_from: datetime.datetime | None
) -> Attribution:
    """The AI, when no person replied since ``counted_from`` (the last survey, or the start of the
    conversation); else whoever sent the last staff reply."""
    if last_staff_reply is None or (counted_from is not None and last_staff_reply[0] <= counted_from):
        return Attribution("ai")
    return Attribution("staff", last_staff_reply[1])


def should_ask(
    *, enabled: bool, is_group: bool, last_asked: datetime.datetime | None, now: datetime.datetime
) -> bool:
    """Ask after a resolve where the hotel wants it, never in a group, at most once a day."""
    if not enabled or is_group:
        return False
    return last_asked is None or now - last_asked >= ASK_AT_MOST_EVERY


@dataclasses.dataclass(frozen=True, slots=True)
class OpenSurvey:
    """The conversation's latest survey, as the answer to it is decided."""

    id: UUID
    asked_at: datetime.datetime
    rating: int | None
    answered_at: datetime.datetime | None
    comment: str | None


@dataclasses.dataclass(frozen=True, slots=True)
class Answer:
    survey_id: UUID
    rating: int | None = None  # the guest rated
    comment: str | None = None  # the guest said what went wrong after a low rating

    @property
    def needs_follow_up(self) -> bool:
        return self.rating is not None and self.rating <= LOW_RATING


def read_answer(survey: OpenSurvey | None, text: str | None, now: datetime.datetime) -> Answer | None:
    """What a guest message in a resolved conversation answers: the rating asked for, the comment
    after a low one, or nothing (it is a normal message, the survey stays as it is)."""
    if survey is None or now - survey.asked_at > ANSWER_WITHIN:
        return None
    if survey.rating is None:
        rating = parse_rating(text)
        return None if rating is None else Answer(survey.id, rating=rating)
    if (
        survey.rating <= LOW_RATING
        and survey.comment is None
        and survey.answered_at is not None
        and now - survey.answered_at <= ANSWER_WITHIN
        and text
        and text.strip()
    ):
        return Answer(survey.id, comment=text.strip()[:MAX_COMMENT])
    return None

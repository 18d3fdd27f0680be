"""Pure rules of the knowledge base: what a valid entry is, when it applies, and which guest
questions are "the same question" on the knowledge gaps page."""

from __future__ import annotations

import datetime
import enum
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from domain.errors import Invalid

MAX_TITLE = 200
MAX_BODY = 20_000
MAX_TAGS = 10
MAX_TAG = 40
LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,4})?")
_TAG_SEPARATORS = re.compile(r"[,;\n]+")
_TAG = re.compile(r"[^\W_]+(?:-[^\W_]+)*")


class InvalidEntry(Invalid):
    """An entry the admin wrote or imported cannot be stored as it is."""


@dataclass(frozen=True, slots=True)
class EntryDraft:
    """A knowledge entry before it is stored: checked by ``check_entry``."""

    title: str
    body: str
    language: str = "en"
    valid_from: datetime.date | None = None
    valid_until: datetime.date | None = None
    tags: tuple[str, ...] = ()


def parse_tags(raw: str | Iterable[object]) -> tuple[str, ...]:
    """Tags from "Spa, Summer 2027" or a YAML list: lower case, spaces as hyphens, each once."""
    items = _TAG_SEPARATORS.split(raw) if isinstance(raw, str) else [str(item) for item in raw]
    tags: list[str] = []
    for item in items:
        tag = "-".join(item.strip().casefold().split())
        if not tag:
            continue
        if len(tag) > MAX_TAG:
            raise InvalidEntry(f"the tag '{tag[:MAX_TAG]}…' is longer than {MAX_TAG} characters")
        if not _TAG.fullmatch(tag):
            raise InvalidEntry(f"the tag '{tag}' may hold only letters, digits and hyphens")
        if tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise InvalidEntry(f"at most {MAX_TAGS} tags per entry")
    return tuple(tags)


def check_entry(draft: EntryDraft) -> EntryDraft:
    """The draft with its text trimmed, or ``InvalidEntry`` saying what to fix."""
    title, language = draft.title.strip(), draft.language.strip().casefold()
    body = draft.body.replace("\r\n", "\n").replace("\r", "\n").strip()  # browsers send CRLF
    named = f"'{title[:40]}': " if title else ""
    if not title:
        raise InvalidEntry("every entry needs a title and a body (the title is empty)")
    if len(title) > MAX_TITLE:
        raise InvalidEntry(f"{named}the title is longer than {MAX_TITLE} characters")
    if "\n" in title or "\r" in title:
        raise InvalidEntry(f"{named}the title must be one line")
    if not body:
        raise InvalidEntry(f"{named}every entry needs a title and a body (the text is empty)")
    if len(body) > MAX_BODY:
        raise InvalidEntry(f"{named}the text is longer than {MAX_BODY:,} characters")
    if any(line.startswith("## ") for line in body.splitlines()):
        raise InvalidEntry(
            f"{named}a line of the text starts with '## ', which starts a new entry in Markdown"
        )
    if not LANGUAGE.fullmatch(language):
        raise InvalidEntry(f"{named}the language must be a code like en or de")
    if draft.valid_from and draft.valid_until and draft.valid_from > draft.valid_until:
        raise InvalidEntry(f"{named}valid_from is after valid_until")
    return EntryDraft(title, body, language, draft.valid_from, draft.valid_until, parse_tags(draft.tags))


def parse_date(value: object, field: str) -> datetime.date | None:
    """An optional ISO date (``2026-12-24``) from a form or a file."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise InvalidEntry(f"{field} must be a date like 2026-12-24") from exc


class Validity(enum.StrEnum):
    CURRENT = "current"
    UPCOMING = "upcoming"  # not yet valid: the AI does not use it yet
    EXPIRED = "expired"  # no longer valid: the AI no longer uses it


def validity(
    valid_from: datetime.date | None, valid_until: datetime.date | None, today: datetime.date
) -> Validity:
    if valid_from is not None and valid_from > today:
        return Validity.UPCOMING
    if valid_until is not None and valid_until < today:
        return Validity.EXPIRED
    return Validity.CURRENT


# --------------------------------------------------------------------------- knowledge gaps

MAX_QUESTION_KEY = 200
_WORD = re.compile(r"[^\W_]+")
#: words that do not say what a question is about, in the languages guests write most
_FILLER = frozenset(
    # One line per language, as a reader checks it; split at run time (ruff's SIM905 would make a
    # 250-item list of it).
    " ".join(
        [
            "a an the is are am be was were do does did can could may might will would shall should must",
            "i me my we our you your he she it its they them there here this that these those what when",
            "where which who whom why how much many any some of in on at to for from with by about and or",
            "not no yes please hi hello hey thanks thank also just still get got have has had tell know",
            "let like want need ok okay",
            "der die das den dem des ein eine einen einem einer ist sind bin war gibt es ich mir mich wir",
            "sie du ihr euch wann wo wie was wer welche welcher bitte hallo danke auch noch kann konnen",
            "kannst haben habt hat und oder nicht kein keine fur von mit bei zu zum zur im am um auf an",
            "el la los las un una es son hay que cuando donde como cual por para con de del al y o hola",
            "gracias le les se lo mi tu su puedo",
            "le la les un une des est sont il y a quand ou comment quel quelle pour avec de du et ou je",
            "vous nous bonjour merci",
        ]
    ).split()
)


def question_key(text: str) -> str:
    """What a guest's question is about, as a key that groups the same question asked in other
    words: "Do you have a sauna?" and "is there a SAUNA??" are both ``sauna``.

    Lower case without accents, filler words dropped, a plural's final "s" dropped, the words
    sorted and each kept once. A question of filler words only keys on all its words.
    """
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in folded if not unicodedata.combining(char))
    words = _WORD.findall(plain)
    meaningful = [_singular(word) for word in words if word not in _FILLER]
    key = " ".join(sorted(set(meaningful or words)))
    return key[:MAX_QUESTION_KEY].strip()


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word

"""The knowledge entries a prompt carries, and which of them answer a question.

Entries are written in the system prompt as::

    ## Knowledge
    [kb:<id>] <title>
    <body, one or more lines>

    [kb:<id>] <title>
    ...

An entry runs until the next entry, the next ``## `` heading, or the end of the message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sim.llm.lexicon import Topic
from sim.llm.stopwords import STOPWORDS
from sim.llm.text import normalize

_ENTRY = re.compile(r"^\[kb:([^\]]+)\]\s*(.*)$")
_WORD = re.compile(r"[^\W\d_]+")
#: at most this many entries go into one answer
MAX_ENTRIES = 3
#: title words too general to say what an entry is about
_GENERIC_WORDS = frozenset(
    normalize(
        "hotel hotels room rooms service services information info hours opening times time policy policies "
        "guest guests area free price prices general house rules about contact zimmer hotelzimmer gäste "
        "preise informationen habitación habitaciones servicio servicios horario precios chambre chambres "
        "horaires tarifs номер номера услуги время цены информация"
    ).split(" ")
)


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    title: str
    body: str

    @property
    def marker(self) -> str:
        return f"[kb:{self.id}]"


def parse_entries(system_texts: Iterable[str]) -> list[Entry]:
    """All knowledge entries in the system messages, in prompt order."""
    entries: list[Entry] = []
    for text in system_texts:
        lines = text.splitlines()
        # With a "## Knowledge" heading, only that section holds entries (the rules above it
        # may show the marker format); without one, any "[kb:" line starts an entry.
        has_heading = any(_is_knowledge_heading(line) for line in lines)
        in_section = not has_heading
        current: tuple[str, str, list[str]] | None = None
        for line in lines:
            match = _ENTRY.match(line.strip()) if in_section else None
            if match or line.startswith("## "):
                if current:
                    entries.append(_finish(*current))
                current = (match.group(1).strip(), match.group(2).strip(), []) if match else None
                if line.startswith("## ") and has_heading:
                    in_section = _is_knowledge_heading(line)
            elif current:
                current[2].append(line)
        if current:
            entries.append(_finish(*current))
    return entries


def _is_knowledge_heading(line: str) -> bool:
    return line.strip().casefold().startswith("## knowledge")


def _finish(entry_id: str, title: str, lines: list[str]) -> Entry:
    return Entry(entry_id, title, "\n".join(lines).strip())


def entries_for_topics(topics: Iterable[Topic], entries: list[Entry]) -> list[Entry]:
    """Entries about the topics: those naming a topic in their title, else in their body."""
    chosen: list[Entry] = []
    for topic in topics:
        in_title = [entry for entry in entries if topic.keywords.found_in(normalize(entry.title))]
        found = in_title or [entry for entry in entries if topic.keywords.found_in(normalize(entry.body))]
        chosen.extend(entry for entry in found if entry not in chosen)
    return chosen[:MAX_ENTRIES]


def entries_named_in(text: str, entries: list[Entry]) -> list[Entry]:
    """Entries whose title has a specific word the guest used ("rooftop bar", "bike rental")."""
    normalized = normalize(text)
    stopwords = frozenset().union(*STOPWORDS.values())
    chosen: list[Entry] = []
    for entry in entries:
        for word in _WORD.findall(normalize(entry.title)):
            if len(word) < 4 or word in _GENERIC_WORDS or word in stopwords:
                continue
            stem = word[: max(4, len(word) - 2)]
            if re.search(r"(?<!\w)" + re.escape(stem), normalized):
                chosen.append(entry)
                break
    return chosen[:MAX_ENTRIES]


#: a question word this long is specific enough alone ("cocktails", "babysitter"); shorter ones
#: count only two together, so "Can I bring my helicopter?" is not answered by "bring your dog"
_SPECIFIC_LENGTH = 7
_MIN_WORD = 5


def entries_matching_text(text: str, entries: list[Entry]) -> list[Entry]:
    """Entries whose text holds the guest's specific words ("Where can I get cocktails?" and an
    entry "Rooftop bar" about cocktails): the most matching words first."""
    stopwords = frozenset().union(*STOPWORDS.values())
    words = {
        word
        for word in _WORD.findall(normalize(text))
        if len(word) >= _MIN_WORD and word not in stopwords and word not in _GENERIC_WORDS
    }
    scored: list[tuple[int, int, Entry]] = []
    for position, entry in enumerate(entries):
        body = normalize(entry.body)
        matched = [word for word in words if re.search(r"(?<!\w)" + re.escape(_stem(word)), body)]
        if len(matched) >= 2 or any(len(word) >= _SPECIFIC_LENGTH for word in matched):
            scored.append((-len(matched), position, entry))
    return [entry for _, _, entry in sorted(scored)][:MAX_ENTRIES]


def _stem(word: str) -> str:
    return word[: max(_MIN_WORD, len(word) - 2)]

"""Reading knowledge from Markdown or YAML: the files ``hotelbot knowledge import`` and the
admin page's import read, and that the export writes (``exporter.py``).

Markdown: every ``## Title`` line starts an entry, and the lines below it are its text. A comment
right under the title may give the entry's other fields, as the export writes them::

    ## Summer terrace
    <!-- language: en; tags: food, summer; valid_from: 2027-06-01; valid_until: 2027-09-30 -->
    The terrace is open 12:00-22:00 from June to September.

YAML: a list of mappings (or ``entries:`` / ``knowledge:`` holding one) with ``title``, ``body``
and optionally ``language``, ``tags`` (a list or "a, b"), ``valid_from`` and ``valid_until``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from domain.errors import Invalid
from domain.knowledge.rules import MAX_TITLE, EntryDraft, InvalidEntry, check_entry, parse_date

MAX_ENTRIES = 2000
_FIELDS_COMMENT = re.compile(r"^<!--(.*)-->$")
_FIELDS = ("language", "tags", "valid_from", "valid_until")


class KnowledgeFormatError(Invalid):
    pass


@dataclass(frozen=True, slots=True)
class EntryProblem:
    """One entry of a file that cannot be imported, and why (numbered from 1 in file order)."""

    number: int
    title: str
    reason: str


@dataclass(frozen=True, slots=True)
class ReadEntries:
    entries: list[EntryDraft]
    problems: list[EntryProblem]
    #: each entry's number in the file
    numbers: list[int]


def _draft(number: int, item: dict[str, Any], language: str) -> EntryDraft | EntryProblem:
    title = _text(item.get("title")).strip()
    try:
        return check_entry(
            EntryDraft(
                title=title,
                body=_text(item.get("body")),
                language=_text(item.get("language")).strip() or language,
                valid_from=parse_date(item.get("valid_from"), "valid_from"),
                valid_until=parse_date(item.get("valid_until"), "valid_until"),
                tags=_tags(item.get("tags")),
            )
        )
    except InvalidEntry as exc:
        return EntryProblem(number, title[:MAX_TITLE], str(exc))


def _tags(value: Any) -> Any:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return value
    return str(value)


def _markdown_items(text: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    lines: list[str] = []

    def finish() -> None:
        if current is not None:
            fields = _FIELDS_COMMENT.match(lines[0].strip()) if lines else None
            if fields:
                current.update(_comment_fields(fields.group(1)))
                del lines[0]
            current["body"] = "\n".join(lines)
            items.append(current)

    for line in text.splitlines():
        if line.startswith("## "):
            finish()
            current, lines = {"title": line[3:]}, []
        elif current is not None:
            lines.append(line)
    finish()
    return items


def _comment_fields(raw: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for part in raw.split(";"):
        name, _, value = part.partition(":")
        if name.strip() in _FIELDS:
            fields[name.strip()] = value.strip()
    return fields


def _yaml_items(text: str) -> list[Any]:
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: an impossible date like 2026-02-30
        raise KnowledgeFormatError(f"not valid YAML: {exc}") from exc
    if isinstance(data, dict):
        data = data.get("entries", data.get("knowledge"))
    if not isinstance(data, list):
        raise KnowledgeFormatError("expected a list of entries with title and body")
    return data


def read_entries(text: str, kind: str, language: str = "en") -> ReadEntries:
    """Every entry of a file, and a problem for each that cannot be imported (the admin page's
    preview shows both). ``kind`` is ``markdown`` or ``yaml``. A file that is not the format at
    all, or holds no entries, raises ``KnowledgeFormatError``."""
    raw = _yaml_items(text) if kind == "yaml" else _markdown_items(text)
    if not raw:
        raise KnowledgeFormatError("no entries found (Markdown: '## Title' lines; YAML: a list)")
    if len(raw) > MAX_ENTRIES:
        raise KnowledgeFormatError(f"more than {MAX_ENTRIES} entries")
    entries: list[EntryDraft] = []
    numbers: list[int] = []
    problems: list[EntryProblem] = []
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            problems.append(EntryProblem(number, "", "each entry must be a mapping with title and body"))
            continue
        read = _draft(number, item, language)
        if isinstance(read, EntryProblem):
            problems.append(read)
        else:
            entries.append(read)
            numbers.append(number)
    return ReadEntries(entries, problems, numbers)


def _strict(text: str, kind: str, language: str) -> list[EntryDraft]:
    read = read_entries(text, kind, language)
    if read.problems:
        problem = read.problems[0]
        raise KnowledgeFormatError(f"entry {problem.number}: {problem.reason}")
    return read.entries


def parse_markdown(text: str, language: str = "en") -> list[EntryDraft]:
    return _strict(text, "markdown", language)


def _text(value: Any) -> str:
    """A YAML scalar as text; an empty value (``body:``) is empty, not the string "None"."""
    return "" if value is None else str(value)


def kind_of(file_name: str) -> str:
    return "yaml" if file_name.lower().endswith((".yaml", ".yml")) else "markdown"


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise KnowledgeFormatError("not a UTF-8 text file") from exc


def parse_file(path: Path, language: str = "en") -> list[EntryDraft]:
    """The CLI's reader: the whole file, or the first problem in it."""
    return _strict(decode(path.read_bytes()), kind_of(path.name), language)

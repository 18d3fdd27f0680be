"""Reading knowledge from Markdown (``## Title`` then the body) or YAML (a list of entries)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from domain.errors import Invalid

MAX_ENTRIES = 2000
MAX_BODY = 20_000


class KnowledgeFormatError(Invalid):
    pass


@dataclass(frozen=True, slots=True)
class EntryDraft:
    title: str
    body: str
    language: str = "en"
    valid_from: datetime.date | None = None
    valid_until: datetime.date | None = None


def _date(value: Any, field: str) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError as exc:
        raise KnowledgeFormatError(f"{field} must be a date like 2026-12-24") from exc


def _draft(title: str, body: str, language: str = "en", **dates: Any) -> EntryDraft:
    title, body = title.strip(), body.strip()
    if not title or not body:
        raise KnowledgeFormatError("every entry needs a title and a body")
    if len(title) > 200 or len(body) > MAX_BODY:
        raise KnowledgeFormatError(f"entry '{title[:40]}' is too long")
    valid_from = _date(dates.get("valid_from"), "valid_from")
    valid_until = _date(dates.get("valid_until"), "valid_until")
    if valid_from and valid_until and valid_from > valid_until:
        raise KnowledgeFormatError(f"entry '{title[:40]}': valid_from is after valid_until")
    return EntryDraft(title, body, language, valid_from, valid_until)


def parse_markdown(text: str, language: str = "en") -> list[EntryDraft]:
    entries: list[EntryDraft] = []
    title: str | None = None
    lines: list[str] = []
    for line in text.splitlines():
        if line.startswith("## "):
            if title is not None:
                entries.append(_draft(title, "\n".join(lines), language))
            title, lines = line[3:], []
        elif title is not None:
            lines.append(line)
    if title is not None:
        entries.append(_draft(title, "\n".join(lines), language))
    return entries


def parse_yaml(text: str, language: str = "en") -> list[EntryDraft]:
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: an impossible date like 2026-02-30
        raise KnowledgeFormatError(f"not valid YAML: {exc}") from exc
    if isinstance(data, dict):
        data = data.get("entries", data.get("knowledge"))
    if not isinstance(data, list):
        raise KnowledgeFormatError("expected a list of entries with title and body")
    entries = []
    for item in data:
        if not isinstance(item, dict):
            raise KnowledgeFormatError("each entry must be a mapping with title and body")
        entries.append(
            _draft(
                _text(item.get("title")),
                _text(item.get("body")),
                _text(item.get("language")) or language,
                valid_from=item.get("valid_from"),
                valid_until=item.get("valid_until"),
            )
        )
    return entries


def _text(value: Any) -> str:
    """A YAML scalar as text; an empty value (``body:``) is empty, not the string "None"."""
    return "" if value is None else str(value)


def parse_file(path: Path, language: str = "en") -> list[EntryDraft]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise KnowledgeFormatError("not a UTF-8 text file") from exc
    entries = (
        parse_yaml(text, language)
        if path.suffix.lower() in (".yaml", ".yml")
        else parse_markdown(text, language)
    )
    if not entries:
        raise KnowledgeFormatError("no entries found (Markdown: '## Title' lines; YAML: a list)")
    if len(entries) > MAX_ENTRIES:
        raise KnowledgeFormatError(f"more than {MAX_ENTRIES} entries")
    return entries

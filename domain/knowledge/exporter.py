"""Writing a hotel's knowledge as Markdown or YAML, in the forms ``importer.py`` reads back: an
export imported again changes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

from domain.knowledge.rules import EntryDraft


def _optional(draft: EntryDraft) -> dict[str, Any]:
    """The fields the entry sets beyond its title, language and text, in the order files give them."""
    optional = {"tags": list(draft.tags), "valid_from": draft.valid_from, "valid_until": draft.valid_until}
    return {name: value for name, value in optional.items() if value}


def _fields(draft: EntryDraft) -> str:
    fields = {"language": draft.language, **_optional(draft)}
    if draft.tags:
        fields["tags"] = ", ".join(draft.tags)
    return "<!-- " + "; ".join(f"{name}: {value}" for name, value in fields.items()) + " -->"


def to_markdown(hotel_name: str, drafts: Sequence[EntryDraft]) -> str:
    parts = [f"# {' '.join(hotel_name.split())}: knowledge for the AI concierge\n"]
    for draft in drafts:
        parts.append(f"## {draft.title}\n{_fields(draft)}\n{draft.body}\n")
    return "\n".join(parts)


class _Dumper(yaml.SafeDumper):
    pass


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # A text of several lines reads best as a block; trailing spaces cannot be kept in one.
    style = "|" if "\n" in value and not any(line != line.rstrip() for line in value.splitlines()) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def to_yaml(drafts: Sequence[EntryDraft]) -> str:
    items = [
        {"title": draft.title, "language": draft.language, **_optional(draft), "body": draft.body}
        for draft in drafts
    ]
    dumped: str = yaml.dump(
        {"entries": items}, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100
    )
    return dumped

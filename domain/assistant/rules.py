"""Pure rules of the AI turn: citations and token estimates."""

from __future__ import annotations

import re
from uuid import UUID

CITATION = re.compile(r"\s*\[kb:([^\]\s]+)\]")


def extract_citations(text: str, known: set[UUID]) -> tuple[str, list[UUID]]:
    """Strip ``[kb:<id>]`` markers; keep the ids that name entries the model was given."""
    cited: list[UUID] = []
    for raw in CITATION.findall(text):
        try:
            entry_id = UUID(raw)
        except ValueError:
            continue
        if entry_id in known and entry_id not in cited:
            cited.append(entry_id)
    return CITATION.sub("", text).strip(), cited


def estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4)

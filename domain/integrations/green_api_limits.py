"""What of a webhook fits our tables: no NUL, bounded lengths, bounded nesting.

Whatever a guest writes is kept: PostgreSQL refuses NUL in text and jsonb, so it becomes U+FFFD;
a field longer than its limit is cut and ends in ``TRUNCATED``, visible to staff; nested data is
cut at ``MAX_DETAIL_DEPTH``, which also keeps every later walk over it (``json.dumps``, jsonb)
far from Python's recursion limit. Pure functions: the decoder calls them on every string it keeps.
"""

from __future__ import annotations

from typing import Any

TRUNCATED = "… [truncated]"
NUL = "\x00"
REPLACEMENT = "\ufffd"

# Free text. WhatsApp's own limit on a message is 65,536 characters; a quote is context only, the
# quoted message itself is stored in full when it reached us.
MAX_TEXT = 65_536
MAX_QUOTED_TEXT = 4_096
# The widths of the columns they go to (domain/conversations/models.py, domain/guests/models.py).
MAX_NAME = 200
MAX_FILE_NAME = 300
MAX_MIME = 120
MAX_TYPE_MESSAGE = 40
MAX_ID_MESSAGE = 64
MAX_CHAT_ID = 120
# A download link cut short leads nowhere: a longer one is dropped. Green API's are ~200 characters.
MAX_URL = 4_096
MAX_REACTION = 32
MAX_STATUS_DESCRIPTION = 2_000
MAX_NOTICE = 500
# Inside ``details`` (jsonb): a vCard with a photo is the longest string seen in practice; a real
# contact card nests three levels deep (details → contacts → card).
MAX_DETAIL_TEXT = 16_384
MAX_DETAIL_DEPTH = 8
MAX_DETAIL_ITEMS = 50
MAX_DETAIL_KEY = 200


def clean(value: str) -> str:
    """``value`` with every NUL replaced by U+FFFD (``in`` first: most strings have none)."""
    return value.replace(NUL, REPLACEMENT) if NUL in value else value


def cut(value: str, limit: int) -> str:
    """``value``, or its start ending in ``TRUNCATED`` within ``limit`` characters."""
    return value if len(value) <= limit else value[: limit - len(TRUNCATED)] + TRUNCATED


def text(value: str, limit: int) -> str:
    """A free-text field as it is stored."""
    return cut(clean(value), limit)


def fit_details(value: Any, depth: int = 0) -> Any:
    """A JSON value (as decoded) made storable as jsonb: strings cleaned and cut, lists and objects
    cut after ``MAX_DETAIL_ITEMS`` (a ``TRUNCATED`` item or key marks it) and below
    ``MAX_DETAIL_DEPTH`` replaced by ``TRUNCATED``."""
    if isinstance(value, str):
        return text(value, MAX_DETAIL_TEXT)
    if isinstance(value, list):
        if depth >= MAX_DETAIL_DEPTH:
            return TRUNCATED
        items = [fit_details(item, depth + 1) for item in value[:MAX_DETAIL_ITEMS]]
        return [*items, TRUNCATED] if len(value) > MAX_DETAIL_ITEMS else items
    if isinstance(value, dict):
        if depth >= MAX_DETAIL_DEPTH:
            return TRUNCATED
        fitted: dict[str, Any] = {}
        for key, item in value.items():
            if len(fitted) == MAX_DETAIL_ITEMS:
                fitted[TRUNCATED] = True
                break
            fitted[text(str(key), MAX_DETAIL_KEY)] = fit_details(item, depth + 1)
        return fitted
    return value  # a number, a boolean or null: jsonb stores any of them as they are

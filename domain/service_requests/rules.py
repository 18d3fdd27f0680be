"""Where a service request stands, and how the board orders them: pure rules, no I/O."""

from __future__ import annotations

STATUSES = ("open", "in_progress", "done", "cancelled")
# Still to be done: the requests board lists these, and the inbox row shows them.
OPEN_STATUSES = ("open", "in_progress")


def board_order(category: str, room: str) -> tuple[str, int, str]:
    """Categories alphabetically; within one, rooms as a housekeeper walks them ("9" before "10"),
    requests without a room last."""
    digits = "".join(ch for ch in room if ch.isdigit())
    return (category.casefold(), int(digits) if digits else 1 << 30, room)

"""Live notices: who is told what, when a conversation changes hands or a guest starts waiting.

Worked out from the live events a hotel's channel carries (``conversation.state``, published by
``domain.conversations.inbound.record_transition``); the hub renders each notice once and sends it
to the sockets of the staff members it names (or to all of the hotel's, for a waiting guest).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

WAITING = "waiting"  # a guest now waits for a person: everyone at the hotel
LOST = "lost"  # the conversation left this staff member's hands, by a colleague's doing
GIVEN = "given"  # a colleague assigned the conversation to this staff member


@dataclass(frozen=True, slots=True)
class Notice:
    kind: str
    conversation_id: UUID
    recipients: frozenset[UUID] | None  # None: every staff member of the hotel
    reason: str = ""
    by: UUID | None = None
    to: UUID | None = None

    def reaches(self, staff_id: UUID) -> bool:
        return self.recipients is None or staff_id in self.recipients


def _uuid(value: Any) -> UUID | None:
    try:
        return UUID(str(value)) if value else None
    except ValueError:
        return None


def notices_from(event: dict[str, Any]) -> list[Notice]:
    """The notices one live event makes (most make none)."""
    if event.get("kind") != "conversation.state":
        return []
    conversation_id = _uuid(event.get("conversation_id"))
    data = event.get("data") or {}
    if conversation_id is None or not isinstance(data, dict):
        return []
    reason = str(data.get("reason") or "")
    by, before, after = _uuid(data.get("by")), _uuid(data.get("from_staff")), _uuid(data.get("to_staff"))
    notices = []
    if data.get("state") == "needs_human":
        notices.append(Notice(WAITING, conversation_id, None, reason))
    if before is not None and before not in (by, after):
        notices.append(Notice(LOST, conversation_id, frozenset({before}), reason, by, after))
    if after is not None and after != by and reason == "assigned":
        notices.append(Notice(GIVEN, conversation_id, frozenset({after}), reason, by, after))
    return notices


def notice_text(notice: Notice, *, guest: str, names: dict[UUID, str], reason_label: str) -> str:
    """The sentence a notice says (plain text: the template escapes it)."""
    by = names.get(notice.by, "A colleague") if notice.by else "A colleague"
    if notice.kind == WAITING:
        return f"{guest} is waiting for a person" + (f": {reason_label}" if reason_label else "")
    if notice.kind == GIVEN:
        return f"{by} assigned {guest}'s conversation to you"
    if notice.reason == "taken_over_from":
        return f"{by} took over {guest}'s conversation from you"
    if notice.reason == "assigned":
        to = names.get(notice.to, "a colleague") if notice.to else "a colleague"
        return f"{by} assigned {guest}'s conversation to {to}"
    if notice.reason == "staff_handed_back":
        return f"{by} handed {guest}'s conversation back to the AI"
    if notice.reason == "staff_resolved":
        return f"{by} resolved {guest}'s conversation"
    return f"{guest}'s conversation is no longer with you"

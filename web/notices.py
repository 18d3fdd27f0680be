"""Live notices: who is told what, when a conversation changes hands or a guest starts waiting.

Worked out from the ``ConversationMoved`` events a hotel's channel carries (published by
``domain.conversations.transitions``); the hub renders each notice once and sends it to the sockets
of the staff members it names (or to all of the hotel's, for a waiting guest).
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.conversations.models import State
from domain.events import ConversationMoved, FeedbackReceived, WaitBreached, WaitEscalated

WAITING = "waiting"  # a guest now waits for a person: everyone at the hotel
LOST = "lost"  # the conversation left this staff member's hands, by a colleague's doing
GIVEN = "given"  # a colleague assigned the conversation to this staff member
LATE = "late"  # a guest has waited past the hotel's target: everyone at the hotel
ESCALATED = "escalated"  # past twice the target: the managers (and admins)
FEEDBACK = "feedback"  # a guest said what went wrong after a low rating: the managers
TAKEN = "taken"  # a waiting guest's conversation left the queue: the notices calling for them go
#: Notices that call for attention now: a sound and the tab's title, like a waiting guest.
URGENT = frozenset({LATE, ESCALATED})


@dataclass(frozen=True, slots=True)
class Notice:
    kind: str
    conversation_id: UUID
    recipients: frozenset[UUID] | None  # None: every staff member of the hotel
    reason: str = ""
    by: UUID | None = None
    to: UUID | None = None
    managers_only: bool = False
    minutes: int = 0  # how long the guest has waited (LATE, ESCALATED); the rating (FEEDBACK)

    def reaches(self, staff_id: UUID, *, manager: bool = False) -> bool:
        if self.managers_only and not manager:
            return False
        return self.recipients is None or staff_id in self.recipients


def notices_from(event: object) -> list[Notice]:
    """The notices one live event makes: a move (most make none), a wait past its target, a
    guest's words after a low rating."""
    if isinstance(event, (WaitBreached, WaitEscalated)):
        escalated = isinstance(event, WaitEscalated)  # past twice the target: for the managers
        kind = ESCALATED if escalated else LATE
        minutes = event.waited_minutes
        return [
            Notice(kind, event.conversation_id, None, event.wait, managers_only=escalated, minutes=minutes)
        ]
    if isinstance(event, FeedbackReceived):
        return [Notice(FEEDBACK, event.conversation_id, None, managers_only=True, minutes=event.rating)]
    if not isinstance(event, ConversationMoved):
        return []
    conversation_id, reason = event.conversation_id, event.reason
    by, before, after = event.by, event.from_staff, event.to_staff
    notices = []
    if event.state is State.NEEDS_HUMAN:
        notices.append(Notice(WAITING, conversation_id, None, reason))
    elif event.from_state is State.NEEDS_HUMAN:
        notices.append(Notice(TAKEN, conversation_id, None, reason))
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
    if notice.kind in URGENT:
        what = "a first reply" if notice.reason == "first_reply" else "a reply"
        text = f"{guest} has waited {_duration(notice.minutes)} for {what}"
        return text + (", past twice the target" if notice.kind == ESCALATED else ", past the target")
    if notice.kind == FEEDBACK:
        return f"{guest} rated us {notice.minutes}/5 and said what went wrong"
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


def _duration(minutes: int) -> str:
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"

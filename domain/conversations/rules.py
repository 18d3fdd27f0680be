"""The conversation state machine and delivery rules: pure functions, no I/O."""

from __future__ import annotations

import enum
from urllib.parse import urlsplit
from uuid import UUID

from domain.conversations.models import Delivery, State
from domain.errors import Conflict

# Who may move a conversation where. The AI never moves it out of a human's hands.
_ALLOWED: dict[State, frozenset[State]] = {
    State.AI: frozenset({State.NEEDS_HUMAN, State.HUMAN, State.RESOLVED}),
    State.NEEDS_HUMAN: frozenset({State.HUMAN, State.AI, State.RESOLVED}),
    State.HUMAN: frozenset({State.AI, State.RESOLVED, State.NEEDS_HUMAN}),
    State.RESOLVED: frozenset({State.AI, State.HUMAN, State.NEEDS_HUMAN}),
}

# Delivery only moves forward; a late "delivered" never overwrites "read".
_DELIVERY_RANK = {
    Delivery.QUEUED: 0,
    Delivery.SENDING: 1,
    Delivery.SENT: 2,
    Delivery.DELIVERED: 3,
    Delivery.READ: 4,
}

PROVIDER_STATUS = {
    "sent": Delivery.SENT,
    "delivered": Delivery.DELIVERED,
    "read": Delivery.READ,
    "failed": Delivery.FAILED,
    "noAccount": Delivery.FAILED,
    "notInGroup": Delivery.FAILED,
    "yellowCard": Delivery.FAILED,
}


class TransitionNotAllowed(Conflict):
    def __init__(self, current: State, target: State):
        super().__init__(f"cannot move a conversation from {current} to {target}")
        self.current = current
        self.target = target


def check_transition(current: State, target: State) -> None:
    if target not in _ALLOWED[current]:
        raise TransitionNotAllowed(current, target)


class StaffAction(enum.StrEnum):
    TAKE_OVER = "take_over"
    HAND_BACK = "hand_back"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    ASSIGN = "assign"


# What staff may do in each state; the conversation header offers exactly these. No hand back while
# a guest waits for a person (they asked for one); a resolved conversation is reopened, not handed
# back.
_STAFF_ACTIONS: dict[State, frozenset[StaffAction]] = {
    State.AI: frozenset({StaffAction.TAKE_OVER, StaffAction.RESOLVE, StaffAction.ASSIGN}),
    State.NEEDS_HUMAN: frozenset({StaffAction.TAKE_OVER, StaffAction.RESOLVE, StaffAction.ASSIGN}),
    State.HUMAN: frozenset(
        {StaffAction.TAKE_OVER, StaffAction.HAND_BACK, StaffAction.RESOLVE, StaffAction.ASSIGN}
    ),
    State.RESOLVED: frozenset({StaffAction.REOPEN, StaffAction.TAKE_OVER, StaffAction.ASSIGN}),
}

# Where each action takes the conversation.
ACTION_TARGET: dict[StaffAction, State] = {
    StaffAction.TAKE_OVER: State.HUMAN,
    StaffAction.HAND_BACK: State.AI,
    StaffAction.RESOLVE: State.RESOLVED,
    StaffAction.REOPEN: State.AI,
    StaffAction.ASSIGN: State.HUMAN,
}

_REFUSALS = {
    StaffAction.HAND_BACK: "only a conversation in a person's hands can be handed back to the AI",
    StaffAction.RESOLVE: "this conversation is resolved already",
    StaffAction.REOPEN: "only a resolved conversation can be reopened",
}


class ActionNotAllowed(TransitionNotAllowed):
    def __init__(self, action: StaffAction, current: State):
        super().__init__(current, ACTION_TARGET[action])
        self.action = action

    def __str__(self) -> str:
        return _REFUSALS.get(self.action, f"cannot {self.action.value.replace('_', ' ')} now")


def staff_actions(state: State, assigned_staff_id: UUID | None, staff_id: UUID) -> frozenset[StaffAction]:
    """What this staff member is offered: everything the state allows, less taking over their own."""
    actions = _STAFF_ACTIONS[state]
    if state is State.HUMAN and assigned_staff_id == staff_id:
        return actions - {StaffAction.TAKE_OVER}
    return actions


def check_staff_action(action: StaffAction, state: State) -> None:
    if action not in _STAFF_ACTIONS[state]:
        raise ActionNotAllowed(action, state)


def taking_over_reason(
    state: State, assigned_staff_id: UUID | None, staff_id: UUID, *, by_reply: bool = False
) -> str | None:
    """Why a take-over (or a reply, which takes over implicitly) moves the conversation into this
    staff member's hands: ``taken_over_from`` when a colleague had it; None when it is theirs."""
    if state is State.HUMAN and assigned_staff_id == staff_id:
        return None
    if state is State.HUMAN and assigned_staff_id is not None:
        return "taken_over_from"
    return "staff_replied" if by_reply else "staff_took_over"


def state_after_guest_message(current: State) -> State:
    """A new guest message reopens a resolved conversation to the AI."""
    return State.AI if current is State.RESOLVED else current


def ai_should_answer(state: State, *, is_group: bool, ai_enabled: bool) -> bool:
    """The AI speaks only in ``ai`` state, never in a group, only where the hotel enabled it."""
    return state is State.AI and not is_group and ai_enabled


def next_delivery(current: Delivery, reported: Delivery) -> Delivery:
    """Apply a provider status monotonically. ``failed`` sticks unless a later tick proves delivery."""
    if reported is Delivery.FAILED:
        return current if current in (Delivery.DELIVERED, Delivery.READ) else Delivery.FAILED
    if current is Delivery.FAILED:
        return reported if reported in (Delivery.DELIVERED, Delivery.READ) else current
    if current is Delivery.RECEIVED:
        return current
    if _DELIVERY_RANK.get(reported, 0) > _DELIVERY_RANK.get(current, 0):
        return reported
    return current


def preview(text: str | None, type_message: str, limit: int = 120) -> str:
    """The one-line preview shown in the inbox."""
    if text:
        flat = " ".join(text.split())
        return flat if len(flat) <= limit else flat[: limit - 1] + "…"
    labels = {
        "imageMessage": "[Photo]",
        "videoMessage": "[Video]",
        "documentMessage": "[Document]",
        "audioMessage": "[Voice message]",
        "stickerMessage": "[Sticker]",
        "locationMessage": "[Location]",
        "contactMessage": "[Contact]",
        "reactionMessage": "[Reaction]",
    }
    return labels.get(type_message, "Message")


def web_link(url: str | None) -> str | None:
    """The URL if a browser may follow it: http(s) with a host, no whitespace or control
    characters (browsers drop those, so ``java\tscript:`` would still run). A guest's media URL
    arrives from the network; ``javascript:`` or ``data:`` is shown as text, never as a link."""
    if not url or any(ord(ch) <= 32 or ord(ch) == 127 for ch in url):
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


# When one person's two conversations become one (docs/external-apis.md §A9), the state further
# from the AI wins: a merge never takes a conversation out of a human's hands, and a guest who
# waits for a person keeps waiting.
_MERGE_RANK = {State.RESOLVED: 0, State.AI: 1, State.NEEDS_HUMAN: 2, State.HUMAN: 3}


def merged_state(kept: State, folded_in: State) -> State:
    return folded_in if _MERGE_RANK[folded_in] > _MERGE_RANK[kept] else kept

"""The conversation state machine and delivery rules: pure functions, no I/O."""

from __future__ import annotations

from domain.conversations.models import Delivery, State

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


class TransitionNotAllowed(Exception):
    def __init__(self, current: State, target: State):
        super().__init__(f"cannot move a conversation from {current} to {target}")
        self.current = current
        self.target = target


def check_transition(current: State, target: State) -> None:
    if target not in _ALLOWED[current]:
        raise TransitionNotAllowed(current, target)


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


# When one person's two conversations become one (docs/external-apis.md §A9), the state further
# from the AI wins: a merge never takes a conversation out of a human's hands, and a guest who
# waits for a person keeps waiting.
_MERGE_RANK = {State.RESOLVED: 0, State.AI: 1, State.NEEDS_HUMAN: 2, State.HUMAN: 3}


def merged_state(kept: State, folded_in: State) -> State:
    return folded_in if _MERGE_RANK[folded_in] > _MERGE_RANK[kept] else kept

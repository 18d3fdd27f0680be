"""The conversation state machine and delivery rules: pure functions, no I/O."""

from __future__ import annotations

import dataclasses
import datetime
import enum
from urllib.parse import urlsplit
from uuid import UUID

from domain.conversations.models import Delivery, State
from domain.errors import Conflict
from domain.events import ConversationMoved

# Who may move a conversation where. The AI never moves it out of a human's hands.
_ALLOWED: dict[State, frozenset[State]] = {
    State.AI: frozenset({State.NEEDS_HUMAN, State.HUMAN, State.RESOLVED}),
    State.NEEDS_HUMAN: frozenset({State.HUMAN, State.AI, State.RESOLVED}),
    State.HUMAN: frozenset({State.AI, State.RESOLVED, State.NEEDS_HUMAN}),
    State.RESOLVED: frozenset({State.AI, State.HUMAN, State.NEEDS_HUMAN}),
}

# Delivery only moves forward, in this order; a late "delivered" never overwrites "read".
_FORWARD = (Delivery.QUEUED, Delivery.SENDING, Delivery.SENT, Delivery.DELIVERED, Delivery.READ)
_DELIVERY_RANK = {status: rank for rank, status in enumerate(_FORWARD)}

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


class Move(enum.StrEnum):
    """How a conversation is moved: the staff actions of the header, and everyone else's."""

    TAKE_OVER = "take_over"
    REPLY = "reply"  # a staff reply takes over implicitly
    HAND_BACK = "hand_back"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    ASSIGN = "assign"
    HAND_OFF = "hand_off"  # the AI (or a rule) asks for a person
    GUEST_WROTE = "guest_wrote"
    PHONE_REPLY = "phone_reply"  # staff answered from the hotel's own phone
    MERGE = "merge"  # one guest's two conversations became one
    AUTO_RETURN = "auto_return"  # staff were silent past the hotel's limit: back to the AI


@dataclasses.dataclass(frozen=True, slots=True)
class By:
    """Who moves the conversation, and how. ``reason`` and ``summary`` are the mover's own words
    (a hand-off's, a merge's); for every other move the rule names the reason."""

    move: Move
    actor: str  # the timeline's actor: staff, ai, guest or system
    staff_id: UUID | None = None
    assignee_id: UUID | None = None  # ASSIGN: into whose hands
    reason: str = ""
    summary: str | None = None

    @classmethod
    def staff(cls, move: Move, staff_id: UUID, assignee_id: UUID | None = None) -> By:
        return cls(move, "staff", staff_id, assignee_id)

    @classmethod
    def hand_off(cls, reason: str, summary: str | None, actor: str = "ai") -> By:
        return cls(Move.HAND_OFF, actor, reason=reason, summary=summary)


GUEST = By(Move.GUEST_WROTE, "guest")
PHONE = By(Move.PHONE_REPLY, "staff")
AUTO_RETURN = By(Move.AUTO_RETURN, "system")


@dataclasses.dataclass(frozen=True, slots=True)
class Facts:
    """A conversation as it stands, as far as its state machine cares."""

    hotel_id: UUID
    conversation_id: UUID
    state: State
    assigned_staff_id: UUID | None = None
    needs_human_since: datetime.datetime | None = None
    handoff_reason: str | None = None
    handoff_summary: str | None = None
    ai_pending_since: datetime.datetime | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class TimelineEntry:
    """The ``state_transitions`` row a change records."""

    from_state: State
    to_state: State
    reason: str
    actor: str
    staff_id: UUID | None
    summary: str | None
    from_staff_id: UUID | None
    to_staff_id: UUID | None


@dataclasses.dataclass(frozen=True, slots=True)
class Change:
    """What a move changes: the conversation's facts after it, its timeline entry and its event."""

    before: Facts
    after: Facts
    entry: TimelineEntry
    event: ConversationMoved

    @property
    def reason(self) -> str:
        return self.entry.reason


# Each staff action is the move of the same name.
_STAFF_MOVES = {Move(action.value): action for action in StaffAction}
_FIXED_REASONS = {
    Move.HAND_BACK: "staff_handed_back",
    Move.RESOLVE: "staff_resolved",
    Move.REOPEN: "staff_reopened",
    Move.ASSIGN: "assigned",
    Move.GUEST_WROTE: "guest_wrote_again",
    Move.PHONE_REPLY: "replied_from_phone",
    Move.AUTO_RETURN: "auto_returned",
}


def _reason(facts: Facts, by: By) -> str | None:
    """Why the move happens; None when it changes nothing (taking over one's own conversation, a
    phone reply where a person has it already or it is closed)."""
    if by.move in (Move.TAKE_OVER, Move.REPLY):
        assert by.staff_id is not None
        return taking_over_reason(
            facts.state, facts.assigned_staff_id, by.staff_id, by_reply=by.move is Move.REPLY
        )
    if by.move is Move.PHONE_REPLY and facts.state not in (State.AI, State.NEEDS_HUMAN):
        return None
    return _FIXED_REASONS.get(by.move, by.reason)


def _hands(facts: Facts, by: By) -> UUID | None:
    """Whose hands a move into ``human`` leaves the conversation in: the assignee's, the staff
    member's who takes it (or replies); anyone else's move keeps the hands it found."""
    if by.move is Move.ASSIGN:
        return by.assignee_id
    if by.move in (Move.TAKE_OVER, Move.REPLY):
        return by.staff_id
    return facts.assigned_staff_id if facts.state is State.HUMAN else None


def transition(facts: Facts, target: State, by: By, *, now: datetime.datetime) -> Change | None:
    """What moving the conversation to ``target`` changes, or None when nothing does. Raises
    ``ActionNotAllowed`` for a staff action the state does not offer and ``TransitionNotAllowed``
    for a move the state machine forbids. A change of hands inside ``human`` is a change too."""
    action = _STAFF_MOVES.get(by.move)
    if action is not None:
        check_staff_action(action, facts.state)
    reason = _reason(facts, by)
    if reason is None:
        return None
    assignee = _hands(facts, by) if target is State.HUMAN else None
    if facts.state is target and facts.assigned_staff_id == assignee:
        return None
    if facts.state is not target:
        check_transition(facts.state, target)
    waiting = target is State.NEEDS_HUMAN
    after = dataclasses.replace(
        facts,
        state=target,
        assigned_staff_id=assignee,
        needs_human_since=now if waiting else None,
        # A hand-off says why; a guest who reopens a resolved conversation starts a new story.
        handoff_reason=reason if waiting else None if by.move is Move.GUEST_WROTE else facts.handoff_reason,
        handoff_summary=by.summary if waiting else facts.handoff_summary,
        ai_pending_since=None,
    )
    entry = TimelineEntry(
        from_state=facts.state,
        to_state=target,
        reason=reason,
        actor=by.actor,
        staff_id=by.staff_id,
        summary=by.summary,
        from_staff_id=facts.assigned_staff_id,
        to_staff_id=assignee,
    )
    event = ConversationMoved(
        hotel_id=facts.hotel_id,
        conversation_id=facts.conversation_id,
        from_state=facts.state,
        state=target,
        reason=reason,
        by=by.staff_id,
        from_staff=facts.assigned_staff_id,
        to_staff=assignee,
    )
    return Change(facts, after, entry, event)


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

"""``rules.transition``: what every move changes, in every state. Pure, no database."""

from __future__ import annotations

import datetime
from uuid import UUID, uuid4

import pytest

from domain.conversations.models import State
from domain.conversations.rules import (
    GUEST,
    PHONE,
    ActionNotAllowed,
    By,
    Facts,
    Move,
    state_after_guest_message,
    transition,
)
from domain.events import ConversationMoved

HOTEL, CONVERSATION = uuid4(), uuid4()
ANNA, BEN = uuid4(), uuid4()
NOW = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.UTC)
EARLIER = NOW - datetime.timedelta(minutes=5)

AI, WAITING, HUMAN, RESOLVED = State.AI, State.NEEDS_HUMAN, State.HUMAN, State.RESOLVED


def facts(state: State, assigned: UUID | None = None, **more: object) -> Facts:
    return Facts(HOTEL, CONVERSATION, state, assigned, **more)  # type: ignore[arg-type]


# Every state the conversation can be in, with whose hands it is in.
STATES = {
    "ai": facts(AI),
    "needs_human": facts(WAITING, needs_human_since=EARLIER, handoff_reason="complaint"),
    "human/anna": facts(HUMAN, ANNA),
    "human/ben": facts(HUMAN, BEN),
    "human/nobody": facts(HUMAN),  # after a reply from the hotel's phone
    "resolved": facts(RESOLVED, handoff_reason="complaint", handoff_summary="cold room"),
}

STAFF_TARGET = {
    Move.TAKE_OVER: HUMAN,
    Move.REPLY: HUMAN,
    Move.HAND_BACK: AI,
    Move.RESOLVE: RESOLVED,
    Move.REOPEN: AI,
    Move.ASSIGN: HUMAN,
}
REFUSED = "refused"

# (move by Anna, state) -> (reason, new state, new hands) | None (no change) | REFUSED
EXPECTED: dict[tuple[Move, str], object] = {
    (Move.TAKE_OVER, "ai"): ("staff_took_over", HUMAN, ANNA),
    (Move.TAKE_OVER, "needs_human"): ("staff_took_over", HUMAN, ANNA),
    (Move.TAKE_OVER, "human/anna"): None,
    (Move.TAKE_OVER, "human/ben"): ("taken_over_from", HUMAN, ANNA),
    (Move.TAKE_OVER, "human/nobody"): ("staff_took_over", HUMAN, ANNA),
    (Move.TAKE_OVER, "resolved"): ("staff_took_over", HUMAN, ANNA),
    (Move.REPLY, "ai"): ("staff_replied", HUMAN, ANNA),
    (Move.REPLY, "needs_human"): ("staff_replied", HUMAN, ANNA),
    (Move.REPLY, "human/anna"): None,
    (Move.REPLY, "human/ben"): ("taken_over_from", HUMAN, ANNA),
    (Move.REPLY, "human/nobody"): ("staff_replied", HUMAN, ANNA),
    (Move.REPLY, "resolved"): ("staff_replied", HUMAN, ANNA),
    (Move.HAND_BACK, "ai"): REFUSED,
    (Move.HAND_BACK, "needs_human"): REFUSED,
    (Move.HAND_BACK, "human/anna"): ("staff_handed_back", AI, None),
    (Move.HAND_BACK, "human/ben"): ("staff_handed_back", AI, None),
    (Move.HAND_BACK, "human/nobody"): ("staff_handed_back", AI, None),
    (Move.HAND_BACK, "resolved"): REFUSED,
    (Move.RESOLVE, "ai"): ("staff_resolved", RESOLVED, None),
    (Move.RESOLVE, "needs_human"): ("staff_resolved", RESOLVED, None),
    (Move.RESOLVE, "human/anna"): ("staff_resolved", RESOLVED, None),
    (Move.RESOLVE, "human/ben"): ("staff_resolved", RESOLVED, None),
    (Move.RESOLVE, "human/nobody"): ("staff_resolved", RESOLVED, None),
    (Move.RESOLVE, "resolved"): REFUSED,
    (Move.REOPEN, "ai"): REFUSED,
    (Move.REOPEN, "needs_human"): REFUSED,
    (Move.REOPEN, "human/anna"): REFUSED,
    (Move.REOPEN, "human/ben"): REFUSED,
    (Move.REOPEN, "human/nobody"): REFUSED,
    (Move.REOPEN, "resolved"): ("staff_reopened", AI, None),
    # Assigning to Ben.
    (Move.ASSIGN, "ai"): ("assigned", HUMAN, BEN),
    (Move.ASSIGN, "needs_human"): ("assigned", HUMAN, BEN),
    (Move.ASSIGN, "human/anna"): ("assigned", HUMAN, BEN),
    (Move.ASSIGN, "human/ben"): None,
    (Move.ASSIGN, "human/nobody"): ("assigned", HUMAN, BEN),
    (Move.ASSIGN, "resolved"): ("assigned", HUMAN, BEN),
}


def check(change: object, expected: object, before: Facts, by: By) -> None:
    if expected is None:
        assert change is None
        return
    assert change is not None
    reason, state, hands = expected  # type: ignore[misc]
    assert (change.reason, change.after.state, change.after.assigned_staff_id) == (reason, state, hands)
    assert change.before == before
    entry = change.entry
    assert (entry.from_state, entry.to_state, entry.reason, entry.actor, entry.staff_id) == (
        before.state,
        state,
        reason,
        by.actor,
        by.staff_id,
    )
    assert (entry.from_staff_id, entry.to_staff_id) == (before.assigned_staff_id, hands)
    assert change.event == ConversationMoved(
        hotel_id=HOTEL,
        conversation_id=CONVERSATION,
        from_state=before.state,
        state=state,
        reason=reason,
        by=by.staff_id,
        from_staff=before.assigned_staff_id,
        to_staff=hands,
    )
    # Every move stops the AI's clock; only a hand-off starts the waiting one.
    assert change.after.ai_pending_since is None
    assert change.after.needs_human_since == (NOW if state is WAITING else None)


@pytest.mark.parametrize(("move", "state"), list(EXPECTED), ids=str)
def test_every_staff_move_in_every_state(move: Move, state: str) -> None:
    before = STATES[state]
    by = By.staff(move, ANNA, BEN if move is Move.ASSIGN else None)
    expected = EXPECTED[(move, state)]
    if expected == REFUSED:
        with pytest.raises(ActionNotAllowed):
            transition(before, STAFF_TARGET[move], by, now=NOW)
        return
    check(transition(before, STAFF_TARGET[move], by, now=NOW), expected, before, by)


HAND_OFF_EXPECTED = {
    "ai": ("not_in_knowledge", WAITING, None),
    "needs_human": None,  # waiting already: the clock keeps running
    "human/anna": ("not_in_knowledge", WAITING, None),
    "human/ben": ("not_in_knowledge", WAITING, None),
    "human/nobody": ("not_in_knowledge", WAITING, None),
    "resolved": ("not_in_knowledge", WAITING, None),
}


@pytest.mark.parametrize("state", list(STATES))
def test_an_ai_hand_off_in_every_state(state: str) -> None:
    before = STATES[state]
    by = By.hand_off("not_in_knowledge", "asks about parking")
    change = transition(before, WAITING, by, now=NOW)
    check(change, HAND_OFF_EXPECTED[state], before, by)
    if change is not None:
        assert (change.after.handoff_reason, change.after.handoff_summary) == (
            "not_in_knowledge",
            "asks about parking",
        )
        assert change.entry.summary == "asks about parking"


GUEST_EXPECTED = {
    "ai": None,
    "needs_human": None,
    "human/anna": None,
    "human/ben": None,
    "human/nobody": None,
    "resolved": ("guest_wrote_again", AI, None),
}


@pytest.mark.parametrize("state", list(STATES))
def test_a_guest_message_reopens_only_a_resolved_conversation(state: str) -> None:
    before = STATES[state]
    change = transition(before, state_after_guest_message(before.state), GUEST, now=NOW)
    check(change, GUEST_EXPECTED[state], before, GUEST)
    if change is not None:
        # A new story: the old hand-off's reason goes; its summary stays on the record.
        assert (change.after.handoff_reason, change.after.handoff_summary) == (None, "cold room")


PHONE_EXPECTED = {
    "ai": ("replied_from_phone", HUMAN, None),
    "needs_human": ("replied_from_phone", HUMAN, None),
    "human/anna": None,
    "human/ben": None,
    "human/nobody": None,
    "resolved": None,
}


@pytest.mark.parametrize("state", list(STATES))
def test_a_reply_from_the_hotel_phone_silences_the_ai(state: str) -> None:
    before = STATES[state]
    check(transition(before, HUMAN, PHONE, now=NOW), PHONE_EXPECTED[state], before, PHONE)


def test_staff_moves_keep_the_hand_off_on_record() -> None:
    change = transition(STATES["needs_human"], HUMAN, By.staff(Move.TAKE_OVER, ANNA), now=NOW)
    assert change is not None
    assert change.after.handoff_reason == "complaint"
    assert change.after.needs_human_since is None


def test_a_merge_moves_with_the_reason_it_is_given() -> None:
    by = By(Move.MERGE, "system", reason="guest_ids_merged")
    change = transition(STATES["ai"], HUMAN, by, now=NOW)
    assert change is not None
    assert (change.reason, change.entry.actor, change.after.state) == ("guest_ids_merged", "system", HUMAN)


def test_moving_nowhere_changes_nothing() -> None:
    for state in (AI, RESOLVED):
        by = By(Move.MERGE, "system", reason="guest_ids_merged")
        assert transition(facts(state), state, by, now=NOW) is None

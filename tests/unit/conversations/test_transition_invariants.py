"""What holds for every move from any conversation whatever its fields: conversations built at
random by polyfactory (states, hands, hand-off fields, pending marks), every move, every target."""

from __future__ import annotations

import datetime
from uuid import uuid4

import pytest
from polyfactory.factories import DataclassFactory

from domain.conversations.models import State
from domain.conversations.rules import By, Facts, Move, TransitionNotAllowed, transition

NOW = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.UTC)
STAFF = [uuid4(), uuid4()]


class FactsFactory(DataclassFactory[Facts]):
    __random_seed__ = 20261201  # the same conversations on every run: a failure can be replayed


def _movers() -> list[By]:
    staff = [By.staff(move, STAFF[0], assignee_id=STAFF[1]) for move in Move if move not in _OTHERS]
    return [*staff, By.hand_off("not_in_knowledge", "asked for a late check-out"), *_OTHERS.values()]


_OTHERS = {
    Move.HAND_OFF: By.hand_off("guest_requested_human", None),
    Move.GUEST_WROTE: By(Move.GUEST_WROTE, "guest"),
    Move.PHONE_REPLY: By(Move.PHONE_REPLY, "staff"),
    Move.MERGE: By(Move.MERGE, "system", reason="same_person"),
}


@pytest.mark.parametrize("before", FactsFactory.batch(60), ids=lambda f: f"{f.state.value}")
def test_every_change_says_where_from_and_to_records_it_and_leaves_nothing_stale(before: Facts) -> None:
    for by in _movers():
        for target in State:
            try:
                change = transition(before, target, by, now=NOW)
            except TransitionNotAllowed:
                continue  # refused (ActionNotAllowed is one): nothing changed, nothing to record
            if change is None:
                continue
            after, entry, event = change.after, change.entry, change.event
            assert (entry.from_state, entry.to_state) == (before.state, target)
            assert (event.from_state, event.state, event.reason) == (before.state, target, entry.reason)
            assert (event.hotel_id, event.conversation_id) == (before.hotel_id, before.conversation_id)
            assert after.state is target
            assert (entry.from_staff_id, entry.to_staff_id) == (
                before.assigned_staff_id,
                after.assigned_staff_id,
            )
            assert after.ai_pending_since is None, "a move settles whatever the AI was about to do"
            if target is not State.HUMAN:
                assert after.assigned_staff_id is None, "only a person's conversation is in someone's hands"
            assert (after.needs_human_since == NOW) is (target is State.NEEDS_HUMAN)
            assert (before.state, before.assigned_staff_id) != (after.state, after.assigned_staff_id), (
                "a change changes the state or the hands"
            )

"""Pure rules, no database."""

from __future__ import annotations

import uuid

import pytest

from domain.assistant import prompt
from domain.assistant.rules import extract_citations
from domain.conversations.models import Delivery, State
from domain.conversations.rules import (
    ACTION_TARGET,
    ActionNotAllowed,
    StaffAction,
    TransitionNotAllowed,
    ai_should_answer,
    check_staff_action,
    check_transition,
    next_delivery,
    preview,
    staff_actions,
    state_after_guest_message,
    taking_over_reason,
)
from domain.guests.chat_ids import phone_of
from domain.hotels.service import token_matches
from domain.service_requests.rules import board_order


@pytest.mark.parametrize(
    ("current", "reported", "expected"),
    [
        (Delivery.SENT, Delivery.DELIVERED, Delivery.DELIVERED),
        (Delivery.READ, Delivery.DELIVERED, Delivery.READ),
        (Delivery.DELIVERED, Delivery.SENT, Delivery.DELIVERED),
        (Delivery.SENDING, Delivery.READ, Delivery.READ),
        (Delivery.SENT, Delivery.FAILED, Delivery.FAILED),
        (Delivery.READ, Delivery.FAILED, Delivery.READ),
        (Delivery.FAILED, Delivery.SENT, Delivery.FAILED),
        (Delivery.FAILED, Delivery.READ, Delivery.READ),
    ],
)
def test_delivery_is_monotonic(current, reported, expected) -> None:
    assert next_delivery(current, reported) is expected


def test_resolved_reopens_to_ai_and_others_keep_their_state() -> None:
    assert state_after_guest_message(State.RESOLVED) is State.AI
    assert state_after_guest_message(State.HUMAN) is State.HUMAN
    assert state_after_guest_message(State.NEEDS_HUMAN) is State.NEEDS_HUMAN


def test_the_ai_speaks_only_in_ai_state_outside_groups() -> None:
    assert ai_should_answer(State.AI, is_group=False, ai_enabled=True)
    assert not ai_should_answer(State.HUMAN, is_group=False, ai_enabled=True)
    assert not ai_should_answer(State.NEEDS_HUMAN, is_group=False, ai_enabled=True)
    assert not ai_should_answer(State.AI, is_group=True, ai_enabled=True)
    assert not ai_should_answer(State.AI, is_group=False, ai_enabled=False)


def test_every_state_moves_only_where_allowed() -> None:
    check_transition(State.AI, State.HUMAN)
    with pytest.raises(TransitionNotAllowed):
        check_transition(State.AI, State.AI)


@pytest.mark.parametrize(
    ("header", "ok"),
    [
        ("Bearer s3cret", True),
        ("s3cret", True),
        ("bearer s3cret", True),
        ("Bearer wrong", False),
        (None, False),
        ("", False),
    ],
)
def test_webhook_token(header, ok) -> None:
    assert token_matches(header, "s3cret") is ok


def test_phone_and_preview() -> None:
    assert phone_of("491701234567@c.us") == "+491701234567"
    assert phone_of("1203630@g.us") == "1203630@g.us"
    assert preview(None, "imageMessage") == "[Photo]"
    assert preview("a  b\nc", "textMessage") == "a b c"
    assert len(preview("x" * 500, "textMessage")) == 120


def test_citations_are_stripped_and_only_known_ids_kept() -> None:
    known, stranger = uuid.uuid4(), uuid.uuid4()
    text, cited = extract_citations(
        f"Breakfast is at 7:00. [kb:{known}] [kb:{stranger}] [kb:nonsense]", {known}
    )
    assert text == "Breakfast is at 7:00."
    assert cited == [known]


def test_prompt_prefix_is_stable_and_lists_entries_with_ids() -> None:
    items = [prompt.KnowledgeItem(uuid.uuid4(), "Breakfast", "7:00-10:30")]
    first = prompt.system_prefix("Aurora", "Warm.", "Berlin", items)
    assert first == prompt.system_prefix("Aurora", "Warm.", "Berlin", items)
    assert f"[kb:{items[0].id}] Breakfast\n7:00-10:30" in first
    assert "## Knowledge" in first


def test_history_joins_a_burst_of_guest_messages() -> None:
    history = [
        prompt.HistoryItem("guest", "Hi"),
        prompt.HistoryItem("guest", "When is breakfast?"),
        prompt.HistoryItem("ai", "7:00"),
        prompt.HistoryItem("staff", "Hello, Mia here"),
        prompt.HistoryItem("system", "ignored"),
    ]
    messages = prompt.build_messages("prefix", "note", history)
    assert [m["role"] for m in messages] == ["system", "system", "user", "assistant", "assistant"]
    assert messages[2]["content"] == "Hi\nWhen is breakfast?"
    assert messages[4]["content"].startswith("(hotel staff)")


ANNA, ALEX = uuid.uuid4(), uuid.uuid4()


@pytest.mark.parametrize(
    ("state", "assigned", "offered"),
    [
        (State.AI, None, {"take_over", "resolve", "assign"}),
        # a guest waiting for a person is not handed back to the AI
        (State.NEEDS_HUMAN, None, {"take_over", "resolve", "assign"}),
        (State.HUMAN, ANNA, {"hand_back", "resolve", "assign"}),  # Anna's own
        (State.HUMAN, ALEX, {"take_over", "hand_back", "resolve", "assign"}),  # a colleague's
        (State.RESOLVED, None, {"reopen", "take_over", "assign"}),
    ],
)
def test_staff_are_offered_what_the_state_allows(state, assigned, offered) -> None:
    assert staff_actions(state, assigned, ANNA) == offered


@pytest.mark.parametrize(
    ("action", "state"),
    [
        (StaffAction.HAND_BACK, State.NEEDS_HUMAN),
        (StaffAction.HAND_BACK, State.AI),
        (StaffAction.HAND_BACK, State.RESOLVED),
        (StaffAction.REOPEN, State.AI),
        (StaffAction.REOPEN, State.HUMAN),
        (StaffAction.REOPEN, State.NEEDS_HUMAN),
        (StaffAction.RESOLVE, State.RESOLVED),
    ],
)
def test_actions_the_state_does_not_offer_are_refused(action, state) -> None:
    with pytest.raises(ActionNotAllowed) as refused:
        check_staff_action(action, state)
    assert isinstance(refused.value, TransitionNotAllowed)  # the web answers 409
    assert str(refused.value)


def test_reopen_takes_a_resolved_conversation_back_to_the_ai() -> None:
    check_staff_action(StaffAction.REOPEN, State.RESOLVED)
    assert ACTION_TARGET[StaffAction.REOPEN] is State.AI
    check_transition(State.RESOLVED, ACTION_TARGET[StaffAction.REOPEN])


@pytest.mark.parametrize(
    ("state", "assigned", "by_reply", "reason"),
    [
        (State.AI, None, False, "staff_took_over"),
        (State.NEEDS_HUMAN, None, True, "staff_replied"),
        (State.HUMAN, ALEX, False, "taken_over_from"),  # from a colleague: an event of its own
        (State.HUMAN, ALEX, True, "taken_over_from"),  # a reply takes over from them too
        (State.HUMAN, None, False, "staff_took_over"),  # answered from the hotel phone: nobody's
        (State.HUMAN, ANNA, False, None),  # already hers: nothing happens
        (State.HUMAN, ANNA, True, None),
        (State.RESOLVED, None, False, "staff_took_over"),
    ],
)
def test_why_a_take_over_moves_the_conversation(state, assigned, by_reply, reason) -> None:
    assert taking_over_reason(state, assigned, ANNA, by_reply=by_reply) == reason


def test_the_board_walks_rooms_in_number_order_within_each_category() -> None:
    requests = [
        ("maintenance", "12"),
        ("housekeeping", "101"),
        ("housekeeping", ""),
        ("housekeeping", "9"),
        ("housekeeping", "Suite 3"),
    ]
    assert sorted(requests, key=lambda r: board_order(*r)) == [
        ("housekeeping", "Suite 3"),
        ("housekeeping", "9"),
        ("housekeeping", "101"),
        ("housekeeping", ""),
        ("maintenance", "12"),
    ]

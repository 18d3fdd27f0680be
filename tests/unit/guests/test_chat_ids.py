"""What a WhatsApp chat id says, for @lid ids as for numbers (docs/external-apis.md §A9). No database."""

from __future__ import annotations

import pytest

from domain.conversations.models import State
from domain.conversations.rules import check_transition, merged_state
from domain.guests.chat_ids import chat_from_sender_phone, lookup_keys, phone_of, should_link
from domain.guests.models import Guest

LID = "104236588716712@lid"


def test_a_lid_is_never_turned_into_a_phone_number() -> None:
    assert phone_of(LID) == LID
    assert phone_of("491701234567@c.us") == "+491701234567"
    assert Guest(chat_id=LID, phone=LID).phone_number is None
    assert Guest(chat_id=LID, phone=LID).lid == LID


def test_a_guest_known_by_both_ids() -> None:
    guest = Guest(chat_id="491701234567@c.us", alt_chat_id=LID, phone="+491701234567")
    assert guest.chat_ids == ("491701234567@c.us", LID)
    assert (guest.phone_number, guest.lid) == ("+491701234567", LID)
    group = Guest(chat_id="120363000000000001@g.us", phone="120363000000000001@g.us")
    assert (group.phone_number, group.lid) == (None, None)


@pytest.mark.parametrize(
    ("given", "keys"),
    [
        ("+49 170 1234567", ["+491701234567", "491701234567@c.us"]),
        ("491701234567@c.us", ["+491701234567", "491701234567@c.us"]),
        (LID, [LID]),
        (" 104236588716712@lid ", [LID]),
        ("abc@lid", []),
        ("nobody", []),
    ],
)
def test_lookup_keys_for_staff_naming_a_guest(given: str, keys: list[str]) -> None:
    assert lookup_keys(given) == keys


def test_the_number_a_lid_message_names() -> None:
    assert chat_from_sender_phone(LID, "491701234567") == "491701234567@c.us"
    assert chat_from_sender_phone(LID, None) is None
    assert chat_from_sender_phone("491701234567@c.us", "491701234567") is None


def test_when_the_worker_links_ids() -> None:
    assert should_link("491701234567@c.us", created=True, alt_chat_id=None, other_chat_id=None)
    assert not should_link("491701234567@c.us", created=False, alt_chat_id=None, other_chat_id=None)
    assert should_link(LID, created=False, alt_chat_id=None, other_chat_id="491701234567@c.us")
    assert not should_link(
        LID, created=False, alt_chat_id="491701234567@c.us", other_chat_id="491701234567@c.us"
    )
    assert not should_link("120363000000000001@g.us", created=True, alt_chat_id=None, other_chat_id=None)


@pytest.mark.parametrize(
    ("kept", "folded_in", "merged"),
    [
        (State.AI, State.HUMAN, State.HUMAN),
        (State.HUMAN, State.AI, State.HUMAN),
        (State.RESOLVED, State.NEEDS_HUMAN, State.NEEDS_HUMAN),
        (State.NEEDS_HUMAN, State.HUMAN, State.HUMAN),
        (State.RESOLVED, State.AI, State.AI),
        (State.AI, State.RESOLVED, State.AI),
    ],
)
def test_two_conversations_of_one_person_keep_the_state_furthest_from_the_ai(
    kept: State, folded_in: State, merged: State
) -> None:
    assert merged_state(kept, folded_in) is merged
    if merged is not kept:
        check_transition(kept, merged)  # a move the state machine allows

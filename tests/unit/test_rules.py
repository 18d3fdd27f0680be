"""Pure rules, no database."""

from __future__ import annotations

import uuid

import pytest

from domain.assistant import prompt
from domain.assistant.rules import detect_language, extract_citations, holding_message
from domain.conversations.models import Delivery, State
from domain.conversations.rules import (
    TransitionNotAllowed,
    ai_should_answer,
    check_transition,
    next_delivery,
    preview,
    state_after_guest_message,
)
from domain.guests.chat_ids import phone_of
from domain.hotels.service import token_matches


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


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("When is breakfast?", "en"),
        ("Wann gibt es Frühstück?", "de"),
        ("¿A qué hora es el desayuno?", "es"),
        ("À quelle heure est le petit-déjeuner ?", "fr"),
        ("Когда завтрак?", "ru"),
    ],
)
def test_detect_language(text, language) -> None:
    assert detect_language(text) == language
    assert holding_message(language) != ""


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

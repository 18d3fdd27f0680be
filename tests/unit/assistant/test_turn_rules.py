# ruff: noqa: RUF001  (Cyrillic guest messages)
"""The AI turn's pure decisions: which topic a guest writes about, how the turn goes (reply, draft,
or straight to a person), which hand-off names a restricted topic, and the counts a call row keeps."""

from __future__ import annotations

import pytest

from domain.assistant.rules import (
    INT4_MAX,
    Route,
    TurnMode,
    count,
    restricted_hand_off,
    route_turn,
    topic_in,
    topic_reason,
)

DEFAULT = ["refunds", "complaints", "billing"]


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("I would like a refund for the spa", "refunds"),
        ("Ich möchte eine Rückerstattung", "refunds"),
        ("Quiero un reembolso, por favor", "refunds"),
        ("Je voudrais être remboursé", "refunds"),
        ("Vorrei un rimborso", "refunds"),
        ("Хочу возврат денег", "refunds"),
        ("I want to complain about the noise", "complaints"),
        ("Ich habe eine Beschwerde", "complaints"),
        ("Tengo una queja", "complaints"),
        ("Je veux déposer une plainte", "complaints"),
        ("У меня жалоба на шум", "complaints"),
        ("Can you send me the invoice?", "billing"),
        ("Bitte schicken Sie mir die Rechnung", "billing"),
        ("Necesito la factura", "billing"),
        ("Pouvez-vous m'envoyer la facture ?", "billing"),
        ("Mi serve la fattura", "billing"),
        ("Пришлите, пожалуйста, счёт", "billing"),
    ],
)
def test_the_restricted_topics_are_found_in_several_languages(text: str, topic: str) -> None:
    assert topic_in(text, DEFAULT) == topic


@pytest.mark.parametrize(
    "text",
    [
        "What time is breakfast?",
        "Is there a billiard table?",  # not "bill"
        "Who is Billy?",
        "Das Frühstück war toll",
        "",
    ],
)
def test_other_messages_are_about_no_restricted_topic(text: str) -> None:
    assert topic_in(text, DEFAULT) is None


def test_a_topic_the_admin_named_is_found_by_its_own_name() -> None:
    assert topic_in("Where can I leave the car? Is there parking?", ["parking"]) == "parking"
    assert topic_in("Any late checkout possible?", ["late_checkout"]) == "late_checkout"
    assert topic_in("What time is breakfast?", ["parking"]) is None


def test_only_the_hotels_own_topics_count() -> None:
    assert topic_in("I want a refund", ["billing"]) is None
    assert topic_in("I want a refund", []) is None


def test_a_restricted_topic_goes_to_a_person_even_in_draft_mode() -> None:
    route = route_turn("I want a refund", ai_mode="draft", restricted=DEFAULT, drafts=["refunds"])
    assert route == Route(TurnMode.RESTRICTED, "refunds")


def test_draft_mode_drafts_everything_else() -> None:
    assert route_turn("Breakfast?", ai_mode="draft", restricted=DEFAULT, drafts=[]) == Route(
        TurnMode.DRAFT, "mode"
    )


def test_a_draft_topic_drafts_in_auto_mode() -> None:
    route = route_turn(
        "Can I get a late checkout?", ai_mode="auto", restricted=DEFAULT, drafts=["late checkout"]
    )
    assert route == Route(TurnMode.DRAFT, "late checkout")


def test_in_auto_mode_the_ai_replies() -> None:
    assert route_turn("Breakfast?", ai_mode="auto", restricted=DEFAULT, drafts=["parking"]) == Route(
        TurnMode.REPLY
    )


def test_a_hotel_without_restricted_topics_lets_the_ai_answer_them() -> None:
    assert route_turn("I want a refund", ai_mode="auto", restricted=[], drafts=[]).mode is TurnMode.REPLY


@pytest.mark.parametrize(
    ("reason", "topic", "expected"),
    [
        ("restricted_topic", "billing", "billing"),
        ("restricted_topic", "parking", None),  # not one of the hotel's: an ordinary hand-off
        ("complaint", "", "complaints"),  # the model's own reason names a restricted topic
        ("refunds", "", "refunds"),
        ("not_in_knowledge", "", None),
        ("guest_requested_human", "billing", None),
    ],
)
def test_which_hand_off_names_a_restricted_topic(reason: str, topic: str, expected: str | None) -> None:
    assert restricted_hand_off(reason, topic, DEFAULT) == expected


def test_the_hand_off_reason_names_the_topic() -> None:
    assert topic_reason("refunds") == "topic:refunds"
    assert len(topic_reason("x" * 100)) == 60


@pytest.mark.parametrize(("value", "kept"), [(None, 0), (-5, 0), (42, 42), (2**40, INT4_MAX)])
def test_call_counts_fit_their_columns(value: int | None, kept: int) -> None:
    assert count(value) == kept

"""What of a webhook fits our tables, and how the decoder applies it: pure functions, no database."""

from __future__ import annotations

import pytest

from domain.guests.chat_ids import MAX_PHONE, phone_of
from domain.integrations.green_api_limits import (
    MAX_DETAIL_DEPTH,
    MAX_DETAIL_ITEMS,
    MAX_DETAIL_TEXT,
    MAX_NAME,
    TRUNCATED,
    clean,
    cut,
    fit_details,
)
from domain.integrations.green_api_webhooks import (
    BIGINT_MAX,
    ChatMessage,
    UnknownInstance,
    WebhookShapeError,
    id_instance_of,
    parse_event,
)
from tests.support.factories import incoming


def test_clean_replaces_every_nul_and_leaves_other_text_alone() -> None:
    assert clean("a\x00b\x00") == "a\ufffdb\ufffd"
    text = "Zimmer 12 ✓"
    assert clean(text) is text


def test_cut_ends_in_the_marker_within_the_limit() -> None:
    assert cut("short", 10) == "short"
    long = cut("x" * 1_000, 200)
    assert len(long) == 200
    assert long == "x" * (200 - len(TRUNCATED)) + TRUNCATED


def depth(value: object) -> int:
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    return 0


def test_fit_details_cuts_depth_length_and_width_and_cleans_keys() -> None:
    deep: object = "leaf"
    for _ in range(50):
        deep = {"k": [deep]}
    fitted = fit_details({"deep": deep, "wide": list(range(200)), "long": "v" * 100_000, "n\x00": 1})
    assert depth(fitted) == MAX_DETAIL_DEPTH
    assert "leaf" not in repr(fitted["deep"])
    assert TRUNCATED in repr(fitted["deep"])
    assert fitted["wide"] == [*range(MAX_DETAIL_ITEMS), TRUNCATED]
    assert len(fitted["long"]) == MAX_DETAIL_TEXT
    assert fitted["n\ufffd"] == 1
    many = fit_details({str(i): i for i in range(MAX_DETAIL_ITEMS + 5)})
    assert len(many) == MAX_DETAIL_ITEMS + 1
    assert many[TRUNCATED] is True


def test_fit_details_keeps_numbers_booleans_and_null() -> None:
    value = {"a": 10**100, "b": 1.5, "c": True, "d": None, "e": [False]}
    assert fit_details(value) == value


def test_phone_of_a_long_chat_id_fits_the_guests_column() -> None:
    assert len(phone_of("4" * 100 + "@c.us")) == MAX_PHONE
    assert len(phone_of("x" * 120)) == MAX_PHONE
    assert phone_of("x" * 119 + "a") != phone_of("x" * 119 + "b"), "phones are unique per hotel"
    assert phone_of("491701234567@c.us") == "+491701234567"


@pytest.mark.parametrize("value", [BIGINT_MAX + 1, str(BIGINT_MAX + 1), "9" * 5_000])
def test_an_instance_id_beyond_bigint_is_unknown(value: object) -> None:
    with pytest.raises(UnknownInstance):
        id_instance_of({"instanceData": {"idInstance": value}})


@pytest.mark.parametrize("value", ["²", "12a", 0, -1, 1.5, True])
def test_an_instance_id_that_is_no_positive_integer_is_a_shape_error(value: object) -> None:
    with pytest.raises(WebhookShapeError, match="idInstance"):
        id_instance_of({"instanceData": {"idInstance": value}})


def test_a_guest_message_is_decoded_fit_for_storage() -> None:
    body = incoming(1101000001, text="a\x00" + "b" * 100_000, sender_name="N\x00" * 300)
    body["timestamp"] = 2**70
    body["messageData"]["quotedMessage"] = {"stanzaId": "S" * 65, "textMessage": "q"}
    event = parse_event(body)
    assert isinstance(event, ChatMessage)
    assert event.timestamp == 0
    assert event.content.text is not None
    assert event.content.text.startswith("a\ufffdbbb")
    assert event.content.text.endswith(TRUNCATED)
    assert len(event.sender_name) == MAX_NAME
    assert "\x00" not in event.sender_name
    assert (event.content.quoted_provider_id, event.content.quoted_text) == (None, "q")

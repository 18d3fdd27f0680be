"""Guests' ids are masked in every log line, @lid ids like numbers (docs/external-apis.md §A9)."""

from __future__ import annotations

from observability.logs import mask_phones, redact

LID = "104236588716712@lid"


def test_a_lid_is_masked_like_a_number() -> None:
    assert mask_phones(f"guest {LID} is also 491701234567@c.us") == "guest …712@lid is also …567@c.us"
    assert mask_phones(f'{{"chatId": "{LID}"}}') == '{"chatId": "…712@lid"}'
    assert mask_phones("+491701234567") == "…567"


def test_every_string_of_a_log_event_is_masked() -> None:
    """What the worker's linking logs (``domain/guests/linking.py``), through the log processor."""
    event = redact(
        None, "info", {"event": f"guest g-1 is also {LID}", "chat_id": LID, "phone": "+491701234567"}
    )
    assert event == {"event": "guest g-1 is also …712@lid", "chat_id": "…712@lid", "phone": "…567"}

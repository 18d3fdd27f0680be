"""The hotel settings form, checked without a database: what is stored, and why a form is refused."""

from __future__ import annotations

import dataclasses

import pytest

from domain.errors import Invalid
from domain.hotels.provider_rules import (
    ConnectionForm,
    ProviderForm,
    check_base_url,
    check_connection,
    check_provider,
)
from domain.hotels.rules import (
    SettingsForm,
    SettingsRefused,
    check_settings,
    hours_text,
    parse_day_hours,
)

GOOD = SettingsForm(
    name="Hotel Aurora",
    timezone="Europe/Berlin",
    languages="en, DE,fr",
    persona="Warm and brief.",
    tone="Formal",
    hours={"mon": "07:00-12:00, 14:00-23:00", "sat": "08:00\u201320:00"},  # an en dash, as typed
    sla_first_reply="5",
    sla_next_reply="10",
    auto_return="30",
    restricted_topics="Refunds, complaints,  billing",
    draft_topics="late check-out",
    ai_mode="draft",
    ai_enabled=True,
    csat_enabled=False,
)


def refused(form: SettingsForm) -> dict[str, str]:
    with pytest.raises(SettingsRefused) as caught:
        check_settings(form)
    return caught.value.errors


def test_a_good_form_becomes_the_stored_settings() -> None:
    settings = check_settings(GOOD)
    assert settings.languages == ("en", "de", "fr")
    assert settings.business_hours == {
        "mon": [["07:00", "12:00"], ["14:00", "23:00"]],
        "sat": [["08:00", "20:00"]],
    }
    assert settings.restricted_topics == ("refunds", "complaints", "billing")
    assert settings.draft_topics == ("late check-out",)
    assert (settings.sla_first_reply_minutes, settings.sla_next_reply_minutes) == (5, 10)
    assert settings.auto_return_minutes == 30
    assert (settings.ai_mode, settings.ai_enabled, settings.csat_enabled) == ("draft", True, False)


def test_around_the_clock_and_never_returning() -> None:
    settings = check_settings(dataclasses.replace(GOOD, around_the_clock=True, auto_return="never"))
    assert settings.business_hours is None
    assert settings.auto_return_minutes is None
    assert check_settings(dataclasses.replace(GOOD, auto_return="")).auto_return_minutes is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("23:00-07:00", "ends before it starts"),
        ("09:00-09:00", "ends before it starts"),
        ("07:00-12:00, 11:00-14:00", "overlap"),
        ("25:00-26:00", "not a time of day"),
        ("07:60-08:00", "not a time of day"),
        ("24:00-24:00", "not a time of day"),
        ("morning", "not a range"),
        ("7-9", "not a range"),
        (", ".join(["01:00-01:30"] * 7), "at most 6"),
        ("0" * 300, "at most 200 characters"),
    ],
)
def test_bad_time_ranges_are_refused(text: str, reason: str) -> None:
    with pytest.raises(Invalid, match=reason):
        parse_day_hours(text)
    assert reason in refused(dataclasses.replace(GOOD, hours={"tue": text}))["hours_tue"]


def test_ranges_may_touch_and_run_to_midnight() -> None:
    assert parse_day_hours("12:00-24:00; 0:00-12:00") == [["00:00", "12:00"], ["12:00", "24:00"]]
    assert parse_day_hours("closed") == []
    assert hours_text({"mon": [["07:00", "12:00"], ["14:00", "23:00"]]})["mon"] == "07:00-12:00, 14:00-23:00"
    assert hours_text(None)["sun"] == ""


def test_hours_that_never_open_are_refused_unless_around_the_clock() -> None:
    assert "hours" in refused(dataclasses.replace(GOOD, hours={}))
    assert check_settings(dataclasses.replace(GOOD, hours={}, around_the_clock=True)).business_hours is None


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone", "not a time zone"),
        ({"timezone": ""}, "timezone", "not a time zone"),
        ({"timezone": "../../etc/passwd"}, "timezone", "not a time zone"),
        ({"name": "  "}, "name", "required"),
        ({"name": "x" * 201}, "name", "at most 200"),
        ({"persona": "x" * 4001}, "persona", "at most 4000"),
        ({"tone": "x" * 1001}, "tone", "at most 1000"),
        ({"languages": ""}, "languages", "at least one"),
        ({"languages": "english"}, "languages", "two-letter"),
        ({"sla_first_reply": "-5"}, "sla_first_reply", "between 1 and 1440"),
        ({"sla_first_reply": "0"}, "sla_first_reply", "between 1 and 1440"),
        ({"sla_next_reply": "ten"}, "sla_next_reply", "whole number"),
        ({"sla_next_reply": "9" * 40}, "sla_next_reply", "whole number"),
        ({"auto_return": "-1"}, "auto_return", "between 1 and"),
        ({"auto_return": "1.5"}, "auto_return", "whole number"),
        ({"restricted_topics": "<script>"}, "restricted_topics", "letters, digits"),
        ({"draft_topics": "refunds"}, "draft_topics", "already always goes to a person"),
        ({"draft_topics": ", ".join(f"t{n}" for n in range(21))}, "draft_topics", "at most 20"),
        ({"ai_mode": "yolo"}, "ai_mode", "automatically"),
    ],
)
def test_each_bad_field_says_why(change: dict[str, str], field: str, reason: str) -> None:
    errors = refused(dataclasses.replace(GOOD, **change))
    assert reason in errors[field]
    assert set(errors) == {field}, "only the bad field is blamed"


def test_every_bad_field_is_reported_at_once() -> None:
    errors = refused(dataclasses.replace(GOOD, name="", timezone="Nowhere", sla_first_reply="-1"))
    assert set(errors) == {"name", "timezone", "sla_first_reply"}


def test_connection_form() -> None:
    change = check_connection(
        ConnectionForm("1101000001", " api-token-1 ", "", "https://7105.api.greenapi.com/"),
        has_api_token=False,
        has_webhook_token=True,
    )
    assert (change.instance_id, change.api_token, change.webhook_token) == (1101000001, "api-token-1", None)
    assert change.api_url == "https://7105.api.greenapi.com"
    with pytest.raises(SettingsRefused) as caught:
        check_connection(
            ConnectionForm("12345678901", "has space", "short", "ftp://x"),
            has_api_token=True,
            has_webhook_token=True,
        )
    assert set(caught.value.errors) == {"instance_id", "api_token", "webhook_token", "api_url"}
    with pytest.raises(SettingsRefused) as caught:
        check_connection(ConnectionForm("42"), has_api_token=False, has_webhook_token=False)
    assert set(caught.value.errors) == {"api_token", "webhook_token"}


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "http://",
        "https://user:pw@host",
        "https://host/v1?x=1",
        "https://h:99999",
        "a b",
    ],
)
def test_bad_base_urls(url: str) -> None:
    assert check_base_url(url) is not None


def test_provider_form() -> None:
    change = check_provider(ProviderForm("http://127.0.0.1:8002/v1", "deepseek-flash", "sk-1"))
    assert (change.base_url, change.model, change.api_key, change.forget_key) == (
        "http://127.0.0.1:8002/v1",
        "deepseek-flash",
        "sk-1",
        False,
    )
    default = check_provider(ProviderForm(forget_key=True, api_key="ignored"))
    assert (default.base_url, default.model, default.api_key, default.forget_key) == (None, None, None, True)
    with pytest.raises(SettingsRefused) as caught:
        check_provider(ProviderForm("nope", "two words", "k" * 201))
    assert set(caught.value.errors) == {"base_url", "model", "api_key"}

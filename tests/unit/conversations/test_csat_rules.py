# ruff: noqa: RUF001
"""Reading a guest's rating, whom it is about, and when to ask."""

from __future__ import annotations

import datetime
import uuid

import pytest

from domain.conversations.csat_rules import OpenSurvey, attribute, parse_rating, read_answer, should_ask

NOW = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("text", "rating"),
    [
        ("5", 5),
        (" 4 ", 4),
        ("4/5", 4),
        ("4 / 5", 4),
        ("3 out of 5", 3),
        ("4 von 5", 4),
        ("5 sur 5", 5),
        ("⭐⭐⭐⭐", 4),
        ("★★", 2),
        ("⭐ ⭐ ⭐", 3),
        ("5️⃣", 5),
        ("５", 5),
        ("٣", 3),
        ("five", 5),
        ("Five!", 5),
        ("fünf", 5),
        ("cinq", 5),
        ("cuatro", 4),
        ("пять", 5),
        ("五", 5),
        ("5 stars", 5),
        ("4 Sterne", 4),
        ("1.", 1),
        ("5 👍", 5),
    ],
)
def test_ratings_as_guests_write_them(text: str, rating: int) -> None:
    assert parse_rating(text) == rating


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "0",
        "6",
        "10/10",
        "⭐⭐⭐⭐⭐⭐",
        "We arrive at 5",
        "room 5 please",
        "thanks",
        "5 minutes late, sorry",
        "45",
        "x" * 100,
    ],
)
def test_anything_else_is_not_a_rating(text: str | None) -> None:
    assert parse_rating(text) is None


def test_the_ai_is_rated_when_no_person_replied_since_the_last_survey() -> None:
    anna = uuid.uuid4()
    assert attribute(None, None).attributed_to == "ai"
    earlier = NOW - datetime.timedelta(hours=30)
    assert attribute((earlier, anna), NOW - datetime.timedelta(hours=25)).attributed_to == "ai"
    who = attribute((NOW, anna), NOW - datetime.timedelta(hours=25))
    assert (who.attributed_to, who.staff_id) == ("staff", anna)
    assert attribute((NOW, anna), None).staff_id == anna


def test_asked_at_most_once_a_day_where_the_hotel_wants_it() -> None:
    assert should_ask(enabled=True, is_group=False, last_asked=None, now=NOW)
    assert not should_ask(enabled=False, is_group=False, last_asked=None, now=NOW)
    assert not should_ask(enabled=True, is_group=True, last_asked=None, now=NOW)
    recent = NOW - datetime.timedelta(hours=23)
    assert not should_ask(enabled=True, is_group=False, last_asked=recent, now=NOW)
    assert should_ask(enabled=True, is_group=False, last_asked=NOW - datetime.timedelta(hours=24), now=NOW)


def survey(**changes: object) -> OpenSurvey:
    values: dict[str, object] = {
        "id": uuid.uuid4(),
        "asked_at": NOW - datetime.timedelta(minutes=5),
        "rating": None,
        "answered_at": None,
        "comment": None,
    }
    values.update(changes)
    return OpenSurvey(**values)  # type: ignore[arg-type]


def test_a_rating_answers_the_open_survey_and_a_low_one_asks_what_went_wrong() -> None:
    answer = read_answer(survey(), "2", NOW)
    assert answer is not None
    assert answer.rating == 2
    assert answer.needs_follow_up
    high = read_answer(survey(), "5", NOW)
    assert high is not None
    assert not high.needs_follow_up


def test_the_words_after_a_low_rating_are_its_comment_once() -> None:
    rated = survey(rating=1, answered_at=NOW - datetime.timedelta(minutes=1))
    answer = read_answer(rated, "  The room was cold  ", NOW)
    assert answer is not None
    assert answer.comment == "The room was cold"
    assert answer.rating is None
    assert read_answer(survey(rating=1, answered_at=NOW, comment="cold"), "and loud", NOW) is None
    assert read_answer(survey(rating=4, answered_at=NOW), "lovely stay", NOW) is None


def test_anything_else_leaves_the_survey_unanswered() -> None:
    assert read_answer(survey(), "When is breakfast?", NOW) is None
    assert read_answer(None, "5", NOW) is None
    stale = survey(asked_at=NOW - datetime.timedelta(hours=25))
    assert read_answer(stale, "5", NOW) is None

"""What an admin may set for a hotel, checked without I/O, and when its desk is staffed.

``check_settings`` turns the settings form as typed into ``HotelSettings`` or refuses it with one
reason per field (``SettingsRefused``). ``is_open`` and ``next_opening`` read ``business_hours``
(``{"mon": [["07:00", "23:00"]], ...}`` in the hotel's time zone; None: staffed around the clock)
and are correct across daylight-saving changes: they compare wall-clock times in the hotel's zone.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from domain.errors import Invalid

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
AI_MODES = ("auto", "draft")

MAX_NAME = 200
MAX_PERSONA = 4000
MAX_TONE = 1000
MAX_LANGUAGES = 15
MAX_TOPICS = 20
MAX_TOPIC = 40
MAX_RANGES_PER_DAY = 6
MAX_HOURS_TEXT = 200
MAX_SLA_MINUTES = 24 * 60
MAX_AUTO_RETURN_MINUTES = 7 * 24 * 60
MAX_MINUTES_TEXT = 10

LANGUAGE_RE = re.compile(r"[a-z]{2}")
TOPIC_RE = re.compile(r"[a-z0-9][a-z0-9 _-]*")
RANGE_RE = re.compile(r"(\d{1,2}):(\d{2})\s*[-\u2013\u2014]\s*(\d{1,2}):(\d{2})")
LIST_SEPARATORS = re.compile(r"[,;\n]")
NEVER = ("", "never")
MINUTES_PER_DAY = 24 * 60


class SettingsRefused(Invalid):
    """The form cannot be saved as it is: ``errors`` says why, per field."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {reason}" for name, reason in errors.items()))
        self.errors = dict(errors)


@dataclass(frozen=True, slots=True)
class SettingsForm:
    """The hotel settings form as the admin typed it (``hours``: weekday -> "07:00-12:00, 14:00-23:00")."""

    name: str = ""
    timezone: str = ""
    languages: str = ""
    persona: str = ""
    tone: str = ""
    around_the_clock: bool = False
    hours: Mapping[str, str] = field(default_factory=dict)
    sla_first_reply: str = ""
    sla_next_reply: str = ""
    auto_return: str = ""
    restricted_topics: str = ""
    draft_topics: str = ""
    ai_mode: str = "auto"
    ai_enabled: bool = False
    csat_enabled: bool = False


@dataclass(frozen=True, slots=True)
class HotelSettings:
    """Settings that passed ``check_settings``, as the hotel row stores them."""

    name: str
    timezone: str
    languages: tuple[str, ...]
    persona: str
    tone: str
    business_hours: dict[str, list[list[str]]] | None
    sla_first_reply_minutes: int
    sla_next_reply_minutes: int
    auto_return_minutes: int | None
    restricted_topics: tuple[str, ...]
    draft_topics: tuple[str, ...]
    ai_mode: str
    ai_enabled: bool
    csat_enabled: bool


@cache
def known_timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def _check_text(errors: dict[str, str], name: str, value: str, limit: int, *, required: bool = False) -> str:
    value = value.strip()
    if required and not value:
        errors[name] = "required"
    elif len(value) > limit:
        errors[name] = f"at most {limit} characters (this has {len(value)})"
    return value


def _split(text: str) -> list[str]:
    return [part.strip() for part in LIST_SEPARATORS.split(text) if part.strip()]


def _languages(errors: dict[str, str], text: str) -> tuple[str, ...]:
    codes = [code.lower() for code in _split(text.replace(" ", ","))]
    bad = [code for code in codes if not LANGUAGE_RE.fullmatch(code)]
    if bad:
        errors["languages"] = "two-letter language codes (en, de, fr), separated by commas"
    elif not codes:
        errors["languages"] = "at least one language"
    elif len(set(codes)) > MAX_LANGUAGES:
        errors["languages"] = f"at most {MAX_LANGUAGES} languages"
    return tuple(dict.fromkeys(codes))


def _topics(errors: dict[str, str], name: str, text: str) -> tuple[str, ...]:
    topics = [" ".join(topic.lower().split()) for topic in _split(text)]
    if any(len(topic) > MAX_TOPIC or not TOPIC_RE.fullmatch(topic) for topic in topics):
        errors[name] = (
            f"words of letters, digits, spaces or dashes (at most {MAX_TOPIC} each), separated by commas"
        )
    elif len(set(topics)) > MAX_TOPICS:
        errors[name] = f"at most {MAX_TOPICS} topics"
    return tuple(dict.fromkeys(topics))


def _minutes(errors: dict[str, str], name: str, text: str, limit: int, *, never: bool = False) -> int | None:
    text = text.strip().lower()
    if never and text in NEVER:
        return None
    if len(text) > MAX_MINUTES_TEXT or not text.lstrip("-").isdigit():
        errors[name] = "a whole number of minutes" + (", or leave it empty for never" if never else "")
        return None
    value = int(text)
    if not 1 <= value <= limit:
        errors[name] = f"between 1 and {limit} minutes"
        return None
    return value


def _minute_of_day(hours: str, minutes: str, *, end: bool) -> int | None:
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or value > MINUTES_PER_DAY or (value == MINUTES_PER_DAY and not end):
        return None
    return value


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def parse_day_hours(text: str) -> list[list[str]]:
    """``"07:00-12:00, 14:00-23:00"`` as stored ranges, sorted; ``Invalid`` says what is wrong.

    Empty (or "closed"): no one at the desk that day. A range ends after it starts, on the same day
    (22:00-24:00 and 00:00-02:00 the next day for a night shift); ranges may touch, not overlap.
    """
    text = text.strip()
    if text.lower() in ("", "closed"):
        return []
    if len(text) > MAX_HOURS_TEXT:
        raise Invalid(f"at most {MAX_HOURS_TEXT} characters")
    ranges: list[tuple[int, int]] = []
    for part in _split(text):
        match = RANGE_RE.fullmatch(part)
        if match is None:
            raise Invalid(f"{part!r} is not a range like 07:00-23:00")
        start = _minute_of_day(match[1], match[2], end=False)
        end = _minute_of_day(match[3], match[4], end=True)
        if start is None or end is None:
            raise Invalid(f"{part!r} is not a time of day (00:00 to 24:00)")
        if end <= start:
            raise Invalid(f"{part!r} ends before it starts: split a night into 22:00-24:00 and 00:00-06:00")
        ranges.append((start, end))
    if len(ranges) > MAX_RANGES_PER_DAY:
        raise Invalid(f"at most {MAX_RANGES_PER_DAY} ranges a day")
    ranges.sort()
    for (_, previous_end), (start, _) in itertools.pairwise(ranges):
        if start < previous_end:
            raise Invalid("two ranges overlap")
    return [[_clock(start), _clock(end)] for start, end in ranges]


def _business_hours(errors: dict[str, str], form: SettingsForm) -> dict[str, list[list[str]]] | None:
    if form.around_the_clock:
        return None
    hours: dict[str, list[list[str]]] = {}
    for day in WEEKDAYS:
        try:
            ranges = parse_day_hours(form.hours.get(day, ""))
        except Invalid as exc:
            errors[f"hours_{day}"] = str(exc)
            continue
        if ranges:
            hours[day] = ranges
    if not hours and not any(name.startswith("hours_") for name in errors):
        errors["hours"] = "say when someone is at the desk, or choose around the clock"
    return hours


def check_settings(form: SettingsForm) -> HotelSettings:
    """The settings to store, or ``SettingsRefused`` with every field's reason at once."""
    errors: dict[str, str] = {}
    name = _check_text(errors, "name", form.name, MAX_NAME, required=True)
    timezone = form.timezone.strip()
    if timezone not in known_timezones():
        errors["timezone"] = "not a time zone name like Europe/Berlin"
    languages = _languages(errors, form.languages)
    persona = _check_text(errors, "persona", form.persona, MAX_PERSONA)
    tone = _check_text(errors, "tone", form.tone, MAX_TONE)
    business_hours = _business_hours(errors, form)
    first = _minutes(errors, "sla_first_reply", form.sla_first_reply, MAX_SLA_MINUTES)
    following = _minutes(errors, "sla_next_reply", form.sla_next_reply, MAX_SLA_MINUTES)
    auto_return = _minutes(errors, "auto_return", form.auto_return, MAX_AUTO_RETURN_MINUTES, never=True)
    restricted = _topics(errors, "restricted_topics", form.restricted_topics)
    drafts = _topics(errors, "draft_topics", form.draft_topics)
    both = sorted(set(restricted) & set(drafts))
    if both and "draft_topics" not in errors:
        errors["draft_topics"] = f"{', '.join(both)} already always goes to a person"
    if form.ai_mode not in AI_MODES:
        errors["ai_mode"] = "answer automatically or draft for approval"
    if errors:
        raise SettingsRefused(errors)
    assert first is not None  # no error: both parsed
    assert following is not None
    return HotelSettings(
        name=name,
        timezone=timezone,
        languages=languages,
        persona=persona,
        tone=tone,
        business_hours=business_hours,
        sla_first_reply_minutes=first,
        sla_next_reply_minutes=following,
        auto_return_minutes=auto_return,
        restricted_topics=restricted,
        draft_topics=drafts,
        ai_mode=form.ai_mode,
        ai_enabled=form.ai_enabled,
        csat_enabled=form.csat_enabled,
    )


def hours_text(business_hours: Mapping[str, Any] | None) -> dict[str, str]:
    """Stored hours as the form shows them, per weekday ("" for a closed day)."""
    hours = business_hours or {}
    return {day: ", ".join(f"{start}-{end}" for start, end in hours.get(day, ())) for day in WEEKDAYS}

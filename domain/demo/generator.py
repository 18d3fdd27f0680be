"""Generated hotel history: guests, conversations and everything around them, as table rows.

Pure and deterministic: the same ``random.Random`` seed, hotels and clock give the same rows, ids
included (time-ordered UUIDv7s whose random bits come from the seed). Every move of a conversation
is decided by ``rules.transition``, the rule the product itself applies, so each state change has
its ``state_transitions`` row and the conversation's columns are what the last move left. A
conversation is played forward in time and cut off at ``end``: its state is whatever it had then.

What a conversation goes through, in episodes days apart (a guest who writes again reopens it):

- a burst of guest messages at a busy hour (evening peak, mornings, a weekly pattern) in the
  hotel's timezone, then the AI's answer a few seconds later (an ``llm_calls`` row with tokens);
- sometimes a service request the AI files, sometimes a hand-off with its reason, after which a
  person replies (a first reply past the hotel's target is an ``sla_breaches`` row), the guest
  answers, the person replies again (a slow next reply is a breach too);
- a resolve by staff, the satisfaction question and, often, the guest's rating (``csat_surveys``,
  attributed to the AI or to the person who replied last), a comment after a low one.
"""

from __future__ import annotations

import datetime
import itertools
import math
import random
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from domain.conversations import rules
from domain.conversations.guest_texts import hand_off_message, holding_message
from domain.conversations.models import State
from domain.demo import texts

UTC = datetime.UTC
# The sweep reopens a resolved conversation whose guest wrote after the resolve within the last two
# days (``inbound.reopen_stranded``); a generated rating that recent would look like one, so
# surveys asked closer than this to ``end`` stay unanswered.
RECENT_ANSWERS = datetime.timedelta(days=2, hours=1)

# How long a conversation in a person's hands may stay open before the desk closes it.
OPEN_HUMAN = datetime.timedelta(days=2)
# Relative traffic per weekday (Monday first) and per hour of the day, in the hotel's timezone.
WEEKDAYS = (0.85, 0.85, 0.9, 0.95, 1.15, 1.3, 1.1)
HOURS = (
    0.6, 0.35, 0.2, 0.15, 0.15, 0.3, 0.9, 2.2, 3.0, 2.6, 2.0, 1.8,
    1.8, 1.7, 1.7, 1.9, 2.2, 2.6, 3.2, 3.8, 3.9, 3.4, 2.4, 1.3,
)  # fmt: skip

COLUMNS: dict[str, tuple[str, ...]] = {
    "guests": (
        "id", "hotel_id", "chat_id", "alt_chat_id", "phone", "name", "language", "is_group", "room",
        "last_inbound_at", "ids_checked_at", "created_at", "updated_at",
    ),
    "conversations": (
        "id", "hotel_id", "guest_id", "state", "assigned_staff_id", "handoff_reason", "handoff_summary",
        "needs_human_since", "ai_pending_since", "last_message_at", "last_guest_message_at",
        "last_message_preview", "created_at", "updated_at",
    ),
    "messages": (
        "id", "hotel_id", "conversation_id", "chat_id", "direction", "author", "staff_id", "type_message",
        "text", "sender_name", "sender_id", "details", "provider_message_id", "provider_timestamp",
        "status", "attempts", "send_started_at", "sources", "ai_trigger_message_id", "created_at",
        "updated_at",
    ),
    "state_transitions": (
        "id", "hotel_id", "conversation_id", "from_state", "to_state", "reason", "actor", "staff_id",
        "summary", "from_staff_id", "to_staff_id", "created_at", "updated_at",
    ),
    "service_requests": (
        "id", "hotel_id", "conversation_id", "guest_id", "category", "details", "room", "status",
        "created_by", "created_at", "updated_at",
    ),
    "sla_breaches": (
        "id", "hotel_id", "conversation_id", "kind", "waiting_since", "target_minutes", "breached_at",
        "escalated_to_managers_at", "answered_at", "answered_by", "created_at", "updated_at",
    ),
    "csat_surveys": (
        "id", "hotel_id", "conversation_id", "asked_at", "language", "attributed_to", "staff_id", "rating",
        "answered_at", "comment", "comment_at", "created_at", "updated_at",
    ),
    "llm_calls": (
        "id", "hotel_id", "conversation_id", "at", "purpose", "model", "prompt_tokens",
        "completion_tokens", "cache_hit_tokens", "cache_miss_tokens", "latency_ms", "ok", "created_at",
        "updated_at",
    ),
}  # fmt: skip
_HOUR_WEIGHTS = tuple(itertools.accumulate(HOURS))
_INTENT_WEIGHTS = tuple(itertools.accumulate(i.weight for i in texts.INTENTS))
_ANSWERS = tuple(i for i in texts.INTENTS if i.kind == "answer")
# The order rows are written in (references first).
TABLES = tuple(COLUMNS)


@dataclass(frozen=True, slots=True)
class StaffSeat:
    id: UUID
    name: str  # as guests read it: the given name


@dataclass(frozen=True, slots=True)
class HotelPlan:
    """A hotel as the generator needs it."""

    id: UUID
    timezone: str
    languages: tuple[tuple[str, float], ...]  # guest languages and their shares
    agents: tuple[StaffSeat, ...]  # who answers guests (agents and managers)
    knowledge: dict[str, UUID]  # knowledge entry id by title, for the AI's citations
    model: str = "deepseek-flash"
    sla_first_reply_minutes: int = 5
    sla_next_reply_minutes: int = 10
    csat_enabled: bool = True


@dataclass(slots=True)
class Rows:
    """Rows per table, in ``COLUMNS`` order, ready for COPY."""

    tables: dict[str, list[tuple[Any, ...]]] = field(default_factory=lambda: {t: [] for t in TABLES})

    def add(self, table: str, row: tuple[Any, ...]) -> None:
        self.tables[table].append(row)

    def count(self, table: str) -> int:
        return len(self.tables[table])

    def extend(self, other: Rows) -> None:
        for table, rows in other.tables.items():
            self.tables[table].extend(rows)

    def clear(self) -> None:
        for rows in self.tables.values():
            rows.clear()


class _Ended(Exception):
    """The next event would happen after ``end``: the conversation stays as it is."""


@dataclass(frozen=True, slots=True)
class Window:
    start: datetime.datetime
    end: datetime.datetime


def uuid7_at(rng: random.Random, at: datetime.datetime) -> UUID:
    """A UUIDv7 for ``at`` with random bits from ``rng`` (ordered by time like the product's ids)."""
    ms = int(at.timestamp() * 1000) & ((1 << 48) - 1)
    value = (ms << 80) | (0x7 << 76) | (rng.getrandbits(12) << 64) | (0b10 << 62) | rng.getrandbits(62)
    return UUID(int=value)


def pick_weighted(rng: random.Random, options: tuple[tuple[str, float], ...]) -> str:
    total = sum(weight for _, weight in options)
    point = rng.random() * total
    for value, weight in options:
        point -= weight
        if point < 0:
            return value
    return options[-1][0]


def busy_moment(rng: random.Random, window: Window, zone: ZoneInfo) -> datetime.datetime:
    """A moment in the window, weighted by weekday and hour in the hotel's timezone."""
    first = window.start.astimezone(zone).date()
    days = max(1, (window.end.astimezone(zone).date() - first).days + 1)
    for _ in range(20):
        day = first + datetime.timedelta(days=rng.randrange(days))
        if rng.random() * max(WEEKDAYS) > WEEKDAYS[day.weekday()]:
            continue
        hour = rng.choices(range(24), cum_weights=_HOUR_WEIGHTS)[0]
        local = datetime.datetime.combine(day, datetime.time(hour, rng.randrange(60), rng.randrange(60)))
        at = local.replace(tzinfo=zone).astimezone(UTC)
        if window.start <= at <= window.end:
            return at
    return window.start + (window.end - window.start) * rng.random()


class ConversationBuilder:
    """Plays one guest's conversation forward and writes its rows."""

    def __init__(
        self,
        rng: random.Random,
        hotel: HotelPlan,
        rows: Rows,
        *,
        end: datetime.datetime,
        guest: GuestPlan,
        always_close: bool = False,
    ):
        self.rng = rng
        self.always_close = always_close
        self.hotel = hotel
        self.rows = rows
        self.end = end
        self.guest = guest
        self.id = uuid7_at(rng, guest.first_at)
        self.facts = rules.Facts(hotel.id, self.id, State.AI)
        self.last_message_at: datetime.datetime | None = None
        self.last_guest_at: datetime.datetime | None = None
        self.preview = ""
        self.updated_at = guest.first_at
        self.last_guest_message: UUID | None = None
        self.staff_replied: StaffSeat | None = None  # since the last survey or opening
        self.asked_since_resolve = False
        self.request_rooms: list[str] = []

    # ------------------------------------------------------------ primitives

    def _at(self, at: datetime.datetime) -> datetime.datetime:
        if at > self.end:
            raise _Ended
        return at

    def _message(
        self,
        at: datetime.datetime,
        text: str,
        *,
        author: str,
        staff: StaffSeat | None = None,
        sources: list[UUID] | None = None,
        trigger: UUID | None = None,
    ) -> UUID:
        at = self._at(at)
        rng = self.rng
        message_id = uuid7_at(rng, at)
        chat_id = self.guest.chat_id
        provider_id = f"{rng.getrandbits(80):020X}"
        row: tuple[Any, ...]
        if author == "guest":
            row = (
                message_id, self.hotel.id, self.id, chat_id, "in", "guest", None, "textMessage", text,
                self.guest.name, chat_id, "{}", provider_id, int(at.timestamp()), "received", 0, None, [],
                None, at, at,
            )  # fmt: skip
            self.last_guest_at = at
            self.last_guest_message = message_id
            self.preview = rules.preview(text, "textMessage")
        else:
            age = (self.end - at).total_seconds()
            status = "read" if rng.random() < 0.8 else "delivered"
            if age < 60:
                status = "sent"
            sent = at + datetime.timedelta(milliseconds=rng.randint(80, 900))
            staff_id = staff.id if staff is not None else None
            row = (
                message_id, self.hotel.id, self.id, chat_id, "out", author, staff_id, "textMessage", text,
                None, None, "{}", provider_id, None, status, 1, min(sent, self.end), sources or [], trigger,
                at, max(at, min(sent + datetime.timedelta(seconds=rng.randint(2, 600)), self.end)),
            )  # fmt: skip
        self.rows.add("messages", row)
        self.last_message_at = at
        self.updated_at = max(self.updated_at, at)
        return message_id

    def _move(self, at: datetime.datetime, target: State, by: rules.By) -> bool:
        at = self._at(at)
        change = rules.transition(self.facts, target, by, now=at)
        if change is None:
            return False
        entry = change.entry
        self.rows.add(
            "state_transitions",
            (
                uuid7_at(self.rng, at), self.hotel.id, self.id, entry.from_state.value, entry.to_state.value,
                entry.reason, entry.actor, entry.staff_id, entry.summary, entry.from_staff_id,
                entry.to_staff_id, at, at,
            ),
        )  # fmt: skip
        self.facts = change.after
        self.updated_at = max(self.updated_at, at)
        return True

    def _llm_call(self, at: datetime.datetime, *, ok: bool = True, tools: bool = False) -> int:
        """One model call that ended at ``at``; answers its latency in milliseconds."""
        rng = self.rng
        prompt = rng.randint(1800, 4200) + (300 if tools else 0)
        hit = int(prompt * rng.uniform(0.55, 0.92)) if rng.random() < 0.85 else 0
        completion = rng.randint(40, 220) if ok else 0
        latency = int(rng.lognormvariate(math.log(1400), 0.35))
        self.rows.add(
            "llm_calls",
            (
                uuid7_at(rng, at), self.hotel.id, self.id, at, "reply", self.hotel.model, prompt, completion,
                hit, prompt - hit, latency, ok, at, at,
            ),
        )  # fmt: skip
        return latency

    def _ai_answers(
        self, at: datetime.datetime, text: str, sources: list[UUID], *, ok: bool = True
    ) -> datetime.datetime:
        """The AI's turn after the guest's burst: debounce, the model's latency, the reply."""
        thinking = datetime.timedelta(seconds=self.rng.uniform(1.5, 3.0))
        self._at(at + thinking)
        latency = self._llm_call(at + thinking, ok=ok, tools=not sources)
        replied = at + thinking + datetime.timedelta(milliseconds=latency)
        self._message(replied, text, author="ai", sources=sources, trigger=self.last_guest_message)
        return replied

    def _guest_burst(self, at: datetime.datetime, first: str) -> datetime.datetime:
        rng = self.rng
        lines = [first]
        if rng.random() < 0.25:
            lines.insert(0, rng.choice(("Hi", "Hello", "Hallo", "Bonjour", "Hola", "Ciao", "Привет", "你好")))
        for line in lines:
            self._message(at, line, author="guest")
            at += datetime.timedelta(seconds=rng.uniform(3, 25))
        return at

    def _staff_reply(self, at: datetime.datetime, staff: StaffSeat, text: str) -> None:
        self._move(at, State.HUMAN, rules.By.staff(rules.Move.REPLY, staff.id))
        self._message(at, text, author="staff", staff=staff)
        self.staff_replied = staff

    def _breach(
        self, kind: str, waiting_since: datetime.datetime, answered: datetime.datetime, staff: StaffSeat
    ) -> None:
        target = (
            self.hotel.sla_first_reply_minutes if kind == "first_reply" else self.hotel.sla_next_reply_minutes
        )
        breached = waiting_since + datetime.timedelta(minutes=target)
        if answered <= breached or breached > self.end:
            return
        escalated = waiting_since + datetime.timedelta(minutes=2 * target)
        self.rows.add(
            "sla_breaches",
            (
                uuid7_at(self.rng, breached), self.hotel.id, self.id, kind, waiting_since, target, breached,
                escalated if escalated < answered and escalated <= self.end else None,
                answered if answered <= self.end else None,
                staff.id if answered <= self.end else None, breached, min(answered, self.end),
            ),
        )  # fmt: skip

    def _wait(self, at: datetime.datetime, median_minutes: float, spread: float = 0.9) -> datetime.datetime:
        minutes = self.rng.lognormvariate(math.log(median_minutes), spread)
        return at + datetime.timedelta(minutes=min(minutes, 600))

    def _text(self, table: dict[str, tuple[str, ...]]) -> str:
        choices = table.get(self.guest.language) or table["en"]
        return self.rng.choice(choices).format(
            room=self.guest.room, name=self.guest.given_name, staff="{staff}"
        )

    # ------------------------------------------------------------ an episode

    def episode(self, at: datetime.datetime) -> datetime.datetime:
        """One story: from the guest's first message to the resolve (or wherever ``end`` cuts it)."""
        rng = self.rng
        language = self.guest.language
        if self.facts.state is State.RESOLVED:
            self._move(at, State.AI, rules.GUEST)
        intent = rng.choices(texts.INTENTS, cum_weights=_INTENT_WEIGHTS)[0]
        question = rng.choice(texts.GUEST[language][intent.key]).format(room=self.guest.room)
        at = self._guest_burst(at, question)
        ai_words = texts.AI[language]
        if intent.kind == "answer":
            at = self._ai_answers(at, ai_words[intent.key], self._cite(intent.topic))
            if rng.random() < 0.6:  # and one more question
                more = rng.choice(_ANSWERS)
                asked = rng.choice(texts.GUEST[language][more.key])
                at = self._guest_burst(at + datetime.timedelta(minutes=rng.uniform(0.5, 30)), asked)
                at = self._ai_answers(at, ai_words[more.key], self._cite(more.topic))
            if rng.random() < 0.5:
                at = self._guest_burst(at + datetime.timedelta(minutes=rng.uniform(0.5, 20)), self._thanks())
                at = self._ai_answers(at, texts.WELCOME[language], [])
        elif intent.kind == "request":
            at = self._request(at, intent)
        else:
            at = self._hand_off(at, intent)
        return self._close(at)

    def _thanks(self) -> str:
        return self.rng.choice(texts.THANKS.get(self.guest.language) or texts.THANKS["en"])

    def _cite(self, title: str) -> list[UUID]:
        entry = self.hotel.knowledge.get(title)
        return [entry] if entry else []

    def _request(self, at: datetime.datetime, intent: texts.Intent) -> datetime.datetime:
        rng = self.rng
        at = self._ai_answers(at, texts.AI[self.guest.language]["request"].format(room=self.guest.room), [])
        # Done some minutes later (the board's time to close), or still open when it is recent.
        closed = self._wait(at, 25, 0.7)
        status = "done" if closed <= self.end else "open"
        if status == "done" and rng.random() < 0.04:
            status = "cancelled"
        if status == "open" and (self.end - at) > datetime.timedelta(minutes=10) and rng.random() < 0.5:
            status = "in_progress"
        details = rng.choice(texts.GUEST["en"][intent.key]).format(room=self.guest.room)
        self.rows.add(
            "service_requests",
            (
                uuid7_at(rng, at), self.hotel.id, self.id, self.guest.id, intent.topic, details,
                self.guest.room, status, "ai", at, min(closed, self.end),
            ),
        )  # fmt: skip
        self.request_rooms.append(self.guest.room)
        return at

    def _hand_off(self, at: datetime.datetime, intent: texts.Intent) -> datetime.datetime:
        rng = self.rng
        hotel = self.hotel
        language = self.guest.language
        reason = intent.topic if rng.random() > 0.03 else "ai_failure"
        if reason == "ai_failure":
            summary = "LLM unavailable: the model did not answer."
            at = self._ai_answers(at, holding_message(language), [], ok=False)
        else:
            summary = texts.SUMMARIES[reason]
            at = self._ai_answers(at, hand_off_message(language), [])
        self._move(at, State.NEEDS_HUMAN, rules.By.hand_off(reason, summary))
        waiting_since = at
        staff = rng.choice(hotel.agents)
        # Most first replies come within the target; a quarter later; nights are slower.
        local_hour = at.astimezone(ZoneInfo(hotel.timezone)).hour
        slow = 3.0 if local_hour < 7 else 1.0
        at = self._wait(at, 2.8 * slow)
        if rng.random() < 0.3:
            self._move(at, State.HUMAN, rules.By.staff(rules.Move.TAKE_OVER, staff.id))
            at += datetime.timedelta(seconds=rng.uniform(20, 120))
        self._breach("first_reply", waiting_since, at, staff)
        self._staff_reply(at, staff, self._text(texts.STAFF_FIRST).replace("{staff}", staff.name))
        rounds = rng.choices((0, 1, 2), weights=(3, 5, 2))[0]
        for _ in range(rounds):
            at = self._guest_burst(self._wait(at, 3, 0.6), self._text(texts.GUEST_FOLLOW_UP))
            guest_wrote = self.last_guest_at or at
            if rng.random() < 0.08:  # a colleague picks it up
                colleague = rng.choice(hotel.agents)
                if colleague != staff:
                    self._move(at, State.HUMAN, rules.By.staff(rules.Move.TAKE_OVER, colleague.id))
                    staff = colleague
            at = self._wait(at, 4.0 * slow, 0.8)
            self._breach("next_reply", guest_wrote, at, staff)
            self._staff_reply(at, staff, self._text(texts.STAFF_CLOSE))
        if rng.random() < 0.12:  # back to the AI for the rest of the stay
            self._move(self._wait(at, 3, 0.5), State.AI, rules.By.staff(rules.Move.HAND_BACK, staff.id))
        return at

    def _close(self, at: datetime.datetime) -> datetime.datetime:
        """Staff resolve most stories (hours later, when the desk tidies up); then the survey.
        Some the AI answered are left as they are; one in a person's hands only while it is recent
        (within ``OPEN_HUMAN``): older ones were all closed at some point."""
        rng = self.rng
        recent = self.end - at < OPEN_HUMAN
        if not self.always_close and rng.random() < 0.12 and (self.facts.state is State.AI or recent):
            return at  # left as it is
        resolver = self.staff_replied or rng.choice(self.hotel.agents)
        at = self._wait(at, 90, 1.0)
        self._move(at, State.RESOLVED, rules.By.staff(rules.Move.RESOLVE, resolver.id))
        if self.hotel.csat_enabled:
            self._survey(at + datetime.timedelta(seconds=rng.uniform(1, 3)))
        self.staff_replied = None
        return at

    def _survey(self, at: datetime.datetime) -> None:
        rng = self.rng
        language = self.guest.language
        self._message(at, texts.CSAT_ASK[language], author="system")
        staff = self.staff_replied
        rating: int | None = None
        answered = comment_at = None
        comment = None
        if rng.random() < 0.55 and at < self.end - RECENT_ANSWERS:
            weights = (3, 4, 8, 30, 55) if staff is not None else (4, 5, 12, 35, 44)
            rating = rng.choices((1, 2, 3, 4, 5), weights=weights)[0]
            answered = self._wait(at, 6, 1.0)
            self._message(answered, str(rating), author="guest")
            if rating <= 2:
                self._message(
                    answered + datetime.timedelta(seconds=2), texts.CSAT_WHY[language], author="system"
                )
                if rng.random() < 0.6:
                    comment_at = self._wait(answered, 3, 0.6)
                    comment = self._text(texts.CSAT_COMMENT)
                    self._message(comment_at, comment, author="guest")
        last = comment_at or answered or at
        self.rows.add(
            "csat_surveys",
            (
                uuid7_at(rng, at), self.hotel.id, self.id, at, language, "staff" if staff else "ai",
                staff.id if staff else None, rating, answered, comment, comment_at, at, last,
            ),
        )  # fmt: skip

    # ------------------------------------------------------------ the whole conversation

    def play(self, episodes: int) -> None:
        at = self.guest.first_at
        try:
            for n in range(episodes):
                if n:
                    at = at + datetime.timedelta(
                        days=self.rng.uniform(1, 12), minutes=self.rng.uniform(0, 600)
                    )
                at = self.episode(at)
        except _Ended:
            pass
        self._finish()

    def _finish(self) -> None:
        guest = self.guest
        facts = self.facts
        last_in = self.last_guest_at or guest.first_at
        room = (
            self.request_rooms[-1]
            if self.request_rooms
            else (guest.room if self.rng.random() < 0.3 else None)
        )
        self.rows.add(
            "guests",
            (
                guest.id, self.hotel.id, guest.chat_id, None, guest.phone, guest.name, guest.language, False,
                room, last_in, guest.first_at, guest.first_at, max(last_in, guest.first_at),
            ),
        )  # fmt: skip
        self.rows.add(
            "conversations",
            (
                self.id, self.hotel.id, guest.id, facts.state.value, facts.assigned_staff_id,
                facts.handoff_reason, facts.handoff_summary, facts.needs_human_since, None,
                self.last_message_at, self.last_guest_at, self.preview, guest.first_at, self.updated_at,
            ),
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class GuestPlan:
    id: UUID
    chat_id: str
    phone: str
    name: str
    given_name: str
    language: str
    room: str
    first_at: datetime.datetime


class HotelGenerator:
    """A hotel's guests and their conversations, one at a time, into ``rows``."""

    def __init__(
        self,
        rng: random.Random,
        hotel: HotelPlan,
        window: Window,
        rows: Rows,
        *,
        resolved_only: bool = False,
        taken: set[str] | None = None,
    ):
        self.rng = rng
        self.hotel = hotel
        self.window = window
        self.rows = rows
        self.resolved_only = resolved_only
        self.zone = ZoneInfo(hotel.timezone)
        # Numbers in use at the hotel already (its live guests'), and those generated so far.
        self.numbers: set[str] = set(taken or ())

    def _number(self, language: str) -> str:
        prefix = self.rng.choice(texts.PHONES.get(language, texts.PHONES["en"])).replace(" ", "")
        while True:
            digits = max(7, 12 - len(prefix))
            number = prefix + "".join(str(self.rng.randrange(10)) for _ in range(digits))
            if number not in self.numbers:
                self.numbers.add(number)
                return number

    def guest(self) -> GuestPlan:
        rng = self.rng
        language = pick_weighted(rng, self.hotel.languages)
        given, family = texts.NAMES.get(language, texts.NAMES["en"])
        first, last = rng.choice(given), rng.choice(family)
        name = f"{last}{first}" if language == "zh" else f"{first} {last}"
        if rng.random() < 0.1:
            name = first  # WhatsApp profiles often carry only a first name
        number = self._number(language)
        first_at = busy_moment(rng, self.window, self.zone)
        room = f"{rng.randint(1, 7)}{rng.randint(0, 3)}{rng.randint(1, 9)}"
        return GuestPlan(
            uuid7_at(rng, first_at), f"{number}@c.us", f"+{number}", name, first, language, room, first_at
        )

    def conversation(self) -> None:
        """One guest and their conversation; with ``resolved_only``, one that ended resolved."""
        for attempt in range(50):
            guest = self.guest()
            episodes = self.rng.choices((1, 2, 3), weights=(40, 35, 25))[0]
            built = ConversationBuilder(
                self.rng,
                self.hotel,
                Rows(),
                end=self.window.end,
                guest=guest,
                always_close=self.resolved_only,
            )
            built.play(episodes)
            if not self.resolved_only or built.facts.state is State.RESOLVED or attempt == 49:
                self.rows.extend(built.rows)
                return
            self.numbers.discard(guest.phone.removeprefix("+"))

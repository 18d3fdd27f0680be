"""A small hand-built history for the analytics figures, with every expected value worked out by
hand in tests/integration/analytics/test_figures.py.

Aurora is in Europe/Rome, staffed 08:00-20:00 every day; the period is Saturday 2026-03-28 to
Monday 2026-03-30, and on Sunday the 29th the clocks go from 02:00 to 03:00 (CET to CEST).
Borealis is in UTC and staffed around the clock. Rows are written as the product writes them
(conversation created at its first guest message, a move and its timeline row at one instant).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.assistant.models import LlmCall
from domain.conversations.guest_texts import hand_off_message
from domain.conversations.models import (
    Author,
    Conversation,
    CsatSurvey,
    Delivery,
    Direction,
    Message,
    SlaBreach,
    State,
    StateTransition,
)
from domain.guests.models import Guest
from domain.service_requests.models import ServiceRequest

ROME = ZoneInfo("Europe/Rome")
FIRST = datetime.date(2026, 3, 28)
LAST = datetime.date(2026, 3, 30)
OPEN_8_TO_20 = {day: [["08:00", "20:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def rome(text: str) -> datetime.datetime:
    """A wall-clock time in Rome ("2026-03-29 03:30:05"), as the instant it was."""
    return datetime.datetime.fromisoformat(text).replace(tzinfo=ROME)


def utc(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=datetime.UTC)


@dataclass
class Story:
    """What a test needs to find again: the conversations by their guest's name."""

    conversations: dict[str, UUID] = field(default_factory=dict)


class Writer:
    def __init__(self, session: AsyncSession, hotel_id: UUID) -> None:
        self.session = session
        self.hotel_id = hotel_id
        self.conversation: Conversation | None = None
        self.chat_id = ""

    async def open(self, guest_name: str, language: str, at: datetime.datetime, *, phone: str) -> UUID:
        """A guest's first message opens their conversation: both are created at that instant."""
        self.chat_id = f"{phone}@c.us"
        guest = Guest(
            hotel_id=self.hotel_id, chat_id=self.chat_id, phone="+" + phone, name=guest_name,
            language=language, created_at=at, updated_at=at,
        )  # fmt: skip
        self.session.add(guest)
        await self.session.flush()
        self.conversation = Conversation(
            hotel_id=self.hotel_id, guest_id=guest.id, state=State.AI, created_at=at, updated_at=at,
            last_message_at=at, last_guest_message_at=at, last_message_preview="",
        )  # fmt: skip
        self.session.add(self.conversation)
        await self.session.flush()
        return self.conversation.id

    def message(
        self,
        author: Author,
        at: datetime.datetime,
        text: str = "…",
        staff_id: UUID | None = None,
        **extra: Any,
    ) -> None:
        assert self.conversation is not None
        self.session.add(
            Message(
                hotel_id=self.hotel_id,
                conversation_id=self.conversation.id,
                chat_id=self.chat_id,
                direction=Direction.IN if author is Author.GUEST else Direction.OUT,
                author=author,
                staff_id=staff_id,
                type_message="textMessage",
                text=text,
                status=Delivery.RECEIVED if author is Author.GUEST else Delivery.DELIVERED,
                details=extra.pop("details", {}),
                sources=[],
                attempts=0,
                created_at=at,
                updated_at=at,
            )
        )
        self.conversation.last_message_at = at

    def move(
        self, from_state: State, to_state: State, reason: str, at: datetime.datetime, *,
        actor: str = "staff", staff_id: UUID | None = None,
    ) -> None:  # fmt: skip
        assert self.conversation is not None
        self.session.add(
            StateTransition(
                hotel_id=self.hotel_id,
                conversation_id=self.conversation.id,
                from_state=from_state,
                to_state=to_state,
                reason=reason,
                actor=actor,
                staff_id=staff_id,
                to_staff_id=staff_id if to_state is State.HUMAN else None,
                created_at=at,
                updated_at=at,
            )
        )
        self.conversation.state = to_state
        if to_state is State.NEEDS_HUMAN:
            self.conversation.handoff_reason = reason

    def add(self, row: Any) -> None:
        self.session.add(row)


async def _conversation(w: Writer, name: str, language: str, at: datetime.datetime, phone: str) -> UUID:
    return await w.open(name, language, at, phone=phone)


async def build_history(
    sessions: async_sessionmaker[AsyncSession], aurora: UUID, borealis: UUID, *, anna: UUID, bob: UUID
) -> Story:
    story = Story()
    async with sessions() as session, session.begin():
        await _aurora(session, aurora, anna, story)
        await _borealis(session, borealis, bob, story)
    return story


async def _aurora(session: AsyncSession, hotel: UUID, anna: UUID, story: Story) -> None:
    w = Writer(session, hotel)
    # Giulia: Saturday 23:50 to Sunday 00:30, the AI alone; across midnight.
    c1 = story.conversations["Giulia"] = await _conversation(
        w, "Giulia", "it", rome("2026-03-28 23:50:00"), "391"
    )
    w.message(Author.GUEST, rome("2026-03-28 23:50:00"))
    w.message(Author.AI, rome("2026-03-28 23:50:20"))
    w.message(Author.GUEST, rome("2026-03-29 00:10:00"))
    w.message(Author.AI, rome("2026-03-29 00:10:30"))
    w.move(State.AI, State.RESOLVED, "staff_resolved", rome("2026-03-29 00:30:00"), staff_id=anna)
    w.add(
        CsatSurvey(
            hotel_id=hotel,
            conversation_id=c1,
            asked_at=rome("2026-03-29 00:30:00"),
            attributed_to="ai",
            rating=3,
            answered_at=rome("2026-03-29 00:31:00"),
        )
    )
    w.add(
        LlmCall(
            hotel_id=hotel,
            conversation_id=c1,
            at=rome("2026-03-28 23:50:10"),
            purpose="reply",
            model="m",
            prompt_tokens=1000,
            completion_tokens=100,
            cache_hit_tokens=800,
            cache_miss_tokens=200,
        )
    )
    w.add(
        LlmCall(
            hotel_id=hotel,
            conversation_id=c1,
            at=rome("2026-03-29 00:10:20"),
            purpose="reply",
            model="m",
            prompt_tokens=1000,
            completion_tokens=100,
            cache_hit_tokens=800,
            cache_miss_tokens=200,
        )
    )

    # Hans: Sunday night, out of hours, across the DST jump: 01:30 CET is 00:30 UTC, 03:30 CEST is
    # 01:30 UTC, so Anna's first reply came one hour after the hand-off, not two.
    c2 = story.conversations["Hans"] = await _conversation(
        w, "Hans", "de", rome("2026-03-29 01:30:00"), "492"
    )
    w.message(Author.GUEST, rome("2026-03-29 01:30:00"))
    w.message(Author.AI, rome("2026-03-29 01:30:05"), hand_off_message("de"))  # an acknowledgement
    w.move(State.AI, State.NEEDS_HUMAN, "guest_asked", rome("2026-03-29 01:30:05"), actor="ai")
    w.add(
        SlaBreach(
            hotel_id=hotel,
            conversation_id=c2,
            kind="first_reply",
            waiting_since=rome("2026-03-29 01:30:05"),
            target_minutes=5,
            breached_at=rome("2026-03-29 01:35:05"),
            answered_at=rome("2026-03-29 03:30:05"),
            answered_by=anna,
        )
    )
    w.move(State.NEEDS_HUMAN, State.HUMAN, "staff_replied", rome("2026-03-29 03:30:05"), staff_id=anna)
    w.message(Author.STAFF, rome("2026-03-29 03:30:05"), staff_id=anna)
    w.message(Author.GUEST, rome("2026-03-29 03:40:00"))
    w.message(Author.STAFF, rome("2026-03-29 03:45:00"), staff_id=anna)
    w.move(State.HUMAN, State.RESOLVED, "staff_resolved", rome("2026-03-29 04:00:00"), staff_id=anna)
    w.add(
        CsatSurvey(
            hotel_id=hotel,
            conversation_id=c2,
            asked_at=rome("2026-03-29 04:00:00"),
            attributed_to="staff",
            staff_id=anna,
            rating=4,
            answered_at=rome("2026-03-29 04:02:00"),
        )
    )

    # Marie: Sunday morning, in hours; a restricted topic, a system holding message, three replies.
    c3 = story.conversations["Marie"] = await _conversation(
        w, "Marie", "fr", rome("2026-03-29 10:00:00"), "333"
    )
    w.message(Author.GUEST, rome("2026-03-29 10:00:00"))
    w.message(Author.AI, rome("2026-03-29 10:00:40"))
    w.message(Author.GUEST, rome("2026-03-29 10:05:00"))
    w.move(State.AI, State.NEEDS_HUMAN, "restricted_topic", rome("2026-03-29 10:05:10"), actor="ai")
    w.message(Author.SYSTEM, rome("2026-03-29 10:05:10"), "Un collègue vous répond dans un instant.")
    w.add(
        ServiceRequest(
            hotel_id=hotel,
            conversation_id=c3,
            category="housekeeping",
            details="towels",
            room="12",
            status="done",
            created_by="ai",
            created_at=rome("2026-03-29 10:06:00"),
            updated_at=rome("2026-03-29 10:36:00"),
        )
    )
    w.move(State.NEEDS_HUMAN, State.HUMAN, "staff_replied", rome("2026-03-29 10:07:10"), staff_id=anna)
    w.message(Author.STAFF, rome("2026-03-29 10:07:10"), staff_id=anna)
    w.message(Author.GUEST, rome("2026-03-29 10:10:00"))
    w.message(Author.STAFF, rome("2026-03-29 10:16:00"), staff_id=anna)
    w.message(Author.GUEST, rome("2026-03-29 10:20:00"))
    w.add(
        SlaBreach(
            hotel_id=hotel,
            conversation_id=c3,
            kind="next_reply",
            waiting_since=rome("2026-03-29 10:10:00"),
            target_minutes=5,
            breached_at=rome("2026-03-29 10:15:00"),
            escalated_to_managers_at=rome("2026-03-29 10:15:30"),
        )
    )
    w.message(Author.STAFF, rome("2026-03-29 10:21:00"), staff_id=anna)
    w.add(
        LlmCall(
            hotel_id=hotel,
            conversation_id=c3,
            at=rome("2026-03-29 10:00:30"),
            purpose="reply",
            model="m",
            prompt_tokens=2000,
            completion_tokens=200,
            cache_hit_tokens=0,
            cache_miss_tokens=2000,
        )
    )

    # John: Monday; resolved by the AI's work alone, then he writes again and asks for a person.
    c4 = story.conversations["John"] = await _conversation(
        w, "John", "en", rome("2026-03-30 09:00:00"), "443"
    )
    w.message(Author.GUEST, rome("2026-03-30 09:00:00"))
    w.message(Author.AI, rome("2026-03-30 09:01:00"))
    w.move(State.AI, State.RESOLVED, "staff_resolved", rome("2026-03-30 09:30:00"), staff_id=anna)
    w.add(
        CsatSurvey(
            hotel_id=hotel,
            conversation_id=c4,
            asked_at=rome("2026-03-30 09:30:00"),
            attributed_to="ai",
            rating=5,
            answered_at=rome("2026-03-30 09:35:00"),
        )
    )
    w.message(Author.GUEST, rome("2026-03-30 18:00:00"), '=HYPERLINK("http://evil.example")')
    w.move(State.RESOLVED, State.AI, "guest_wrote_again", rome("2026-03-30 18:00:00"), actor="guest")
    w.message(Author.AI, rome("2026-03-30 18:00:30"))
    w.move(State.AI, State.NEEDS_HUMAN, "guest_asked", rome("2026-03-30 18:01:00"), actor="ai")
    w.add(
        ServiceRequest(
            hotel_id=hotel,
            conversation_id=c4,
            category="maintenance",
            details="tap",
            room="7",
            status="open",
            created_by="ai",
            created_at=rome("2026-03-30 18:01:00"),
            updated_at=rome("2026-03-30 18:01:00"),
        )
    )
    w.add(
        LlmCall(
            hotel_id=hotel,
            conversation_id=None,
            at=rome("2026-03-30 12:00:00"),
            purpose="playground",
            model="m",
            prompt_tokens=500,
            completion_tokens=50,
            cache_hit_tokens=0,
            cache_miss_tokens=500,
        )
    )

    # Outside the period by one second on either side: counted nowhere.
    await _conversation(w, "=cmd|' /C calc'!A0", "en", rome("2026-03-27 23:59:59"), "444")
    w.message(Author.GUEST, rome("2026-03-27 23:59:59"))
    w.message(Author.GUEST, rome("2026-03-31 00:00:00"))
    w.move(State.AI, State.NEEDS_HUMAN, "guest_asked", rome("2026-03-31 00:00:00"), actor="ai")
    await session.flush()


async def _borealis(session: AsyncSession, hotel: UUID, bob: UUID, story: Story) -> None:
    w = Writer(session, hotel)
    c6 = story.conversations["Olaf"] = await _conversation(w, "Olaf", "no", utc("2026-03-29 12:00:00"), "475")
    w.message(Author.GUEST, utc("2026-03-29 12:00:00"))
    w.message(Author.AI, utc("2026-03-29 12:00:10"))
    w.move(State.AI, State.NEEDS_HUMAN, "guest_asked", utc("2026-03-29 12:01:00"), actor="ai")
    w.move(State.NEEDS_HUMAN, State.HUMAN, "staff_replied", utc("2026-03-29 12:03:00"), staff_id=bob)
    w.message(Author.STAFF, utc("2026-03-29 12:03:00"), staff_id=bob)
    w.add(
        LlmCall(
            hotel_id=hotel,
            conversation_id=c6,
            at=utc("2026-03-29 12:00:05"),
            purpose="reply",
            model="m",
            prompt_tokens=100,
            completion_tokens=10,
            cache_hit_tokens=0,
            cache_miss_tokens=100,
        )
    )
    await session.flush()

"""The ingest of a guest message, on a fake of the driver unit of work: the SQL answers facts, the
rule decides, and a move decided on facts that changed meanwhile is decided again."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.conversations import inbound
from domain.conversations.csat import LATEST_SURVEY_SQL, RECORD_RATING_SQL
from domain.conversations.inbound import HotelRef
from domain.conversations.ingest_sql import APPLY_MOVE, READ_AGAIN
from domain.conversations.models import State
from domain.events import ConversationMoved, Event, MessageStored
from domain.integrations.green_api_webhooks import ChatMessage, MessageContent
from domain.ports import JobRequest

HOTEL = HotelRef(uuid4(), ai_enabled=True)
CONVERSATION, MESSAGE, GUEST = uuid4(), uuid4(), uuid4()


def guest_message(text: str = "Is breakfast included?") -> ChatMessage:
    return ChatMessage(
        "incomingMessageReceived", 1101, "ABC1", 1764480000, "491701234567@c.us", "491701234567@c.us",
        "Lucia", MessageContent("textMessage", text),
    )  # fmt: skip


def found(state: State, assigned: UUID | None = None) -> tuple[Any, ...]:
    """The ingest function's answer: the message, and the conversation as it found it."""
    return (MESSAGE, CONVERSATION, state.value, assigned, None, None, None, None, GUEST, None, False)


@dataclass
class FakeStatements:
    """Answers each statement in turn from a script; records what ran."""

    rows: list[Any]
    moved: list[bool] = field(default_factory=list)  # APPLY_MOVE: whether the facts still held
    ran: list[str] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    jobs: list[JobRequest] = field(default_factory=list)

    survey: Any = None  # the conversation's latest satisfaction survey, if it has one
    answered: list[tuple[Any, ...]] = field(default_factory=list)

    async def fetchrow(self, sql: str, *args: Any) -> Any:
        if sql is LATEST_SURVEY_SQL:
            self.ran.append("survey")
            return self.survey
        if sql is RECORD_RATING_SQL:
            self.ran.append("rated")
            self.answered.append(args)
            return (args[0],)
        self.ran.append("read again" if sql is READ_AGAIN else sql)
        return self.rows.pop(0)

    async def ingest(self, args: tuple[Any, ...]) -> Any:
        self.ran.append("store")
        return self.rows.pop(0)

    async def execute(self, sql: str, *args: Any) -> str:
        assert sql is APPLY_MOVE
        self.ran.append("move")
        return "INSERT 0 1" if self.moved.pop(0) else "INSERT 0 0"

    def publish(self, event: Event) -> None:
        self.events.append(event)

    def enqueue(self, job: JobRequest) -> None:
        self.jobs.append(job)


async def receive(db: FakeStatements) -> Any:
    return await inbound._store_guest_message(db, HOTEL, guest_message(), debounce_seconds=1.0)


@pytest.mark.parametrize("state", [State.AI, State.NEEDS_HUMAN, State.HUMAN])
async def test_the_common_case_is_one_statement(state: State) -> None:
    db = FakeStatements([found(state, uuid4() if state is State.HUMAN else None)])
    stored = await receive(db)
    assert stored.message_id == MESSAGE
    assert db.ran == ["store"]
    assert db.events == [MessageStored(hotel_id=HOTEL.id, conversation_id=CONVERSATION, message_id=MESSAGE)]
    assert [job.function for job in db.jobs] == (["ai_reply"] if state is State.AI else [])


async def test_a_resolved_conversation_reopens_with_two_more_statements() -> None:
    """One looks for a satisfaction survey the message might answer (there is none), one moves."""
    db = FakeStatements([found(State.RESOLVED)], moved=[True])
    await receive(db)
    assert db.ran == ["store", "survey", "move"]
    moved, stored = db.events
    assert isinstance(moved, ConversationMoved)
    assert (moved.from_state, moved.state, moved.reason) == (State.RESOLVED, State.AI, "guest_wrote_again")
    assert isinstance(stored, MessageStored)
    assert [job.function for job in db.jobs] == ["ai_reply"], "reopened to the AI: it answers"


async def test_a_colleague_moving_it_meanwhile_is_decided_again() -> None:
    # Resolved when stored; taken over before the reopen could be stored: nothing reopens, the AI
    # stays quiet.
    staff = uuid4()
    db = FakeStatements(
        [found(State.RESOLVED), (State.HUMAN.value, staff, None, None, None, None)], moved=[False]
    )
    await receive(db)
    assert db.ran == ["store", "survey", "move", "read again"]
    assert [type(e) for e in db.events] == [MessageStored]
    assert db.jobs == []


async def test_a_duplicate_stores_nothing_more() -> None:
    db = FakeStatements([None])
    assert await receive(db) is None
    assert (db.ran, db.events, db.jobs) == (["store"], [], [])


async def test_a_rating_answers_the_survey_and_neither_reopens_nor_wakes_the_ai() -> None:
    import datetime

    now = datetime.datetime.now(datetime.UTC)
    survey_id = uuid4()
    db = FakeStatements([found(State.RESOLVED)], survey=(survey_id, now, None, None, None, "en"))
    stored = await inbound._store_guest_message(db, HOTEL, guest_message("5"), debounce_seconds=1.0)
    assert stored.message_id == MESSAGE
    assert db.ran == ["store", "survey", "rated"]
    assert db.answered[0][:2] == (survey_id, 5)
    assert db.events == [MessageStored(hotel_id=HOTEL.id, conversation_id=CONVERSATION, message_id=MESSAGE)]
    assert db.jobs == []


async def test_anything_else_after_the_survey_reopens_as_before() -> None:
    import datetime

    now = datetime.datetime.now(datetime.UTC)
    db = FakeStatements([found(State.RESOLVED)], moved=[True], survey=(uuid4(), now, None, None, None, "en"))
    await receive(db)
    assert db.ran == ["store", "survey", "move"]
    assert [job.function for job in db.jobs] == ["ai_reply"]

"""The staff and AI actions of ``domain.conversations.service``, on fakes: every change records its
timeline row and publishes its event; refusals record nothing."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.conversations import service, transitions
from domain.conversations.models import Author, Delivery, Message, Note, State, StateTransition
from domain.conversations.rules import ActionNotAllowed, By, Move
from domain.events import ConversationMoved, MessageStored, NoteAdded
from tests.unit.conversations.fakes import FakeUnitOfWork

HOTEL, OTHER_HOTEL = uuid4(), uuid4()
ANNA, BEN = uuid4(), uuid4()


def moves(uow: FakeUnitOfWork) -> list[tuple[str, State | None, State, object, object]]:
    rows = uow.rows_of(StateTransition)
    events = [e for e in uow.events if isinstance(e, ConversationMoved)]
    assert [(r.reason, r.from_state, r.to_state) for r in rows] == [
        (e.reason, e.from_state, e.state) for e in events
    ], "one event per timeline row"
    return [(r.reason, r.from_state, r.to_state, r.from_staff_id, r.to_staff_id) for r in rows]


async def test_take_over_then_a_colleague_takes_it_over() -> None:
    uow = FakeUnitOfWork()
    conversation = uow.conversations.open(HOTEL, State.NEEDS_HUMAN)
    await service.take_over(uow, HOTEL, conversation.id, ANNA)
    await service.take_over(uow, HOTEL, conversation.id, ANNA)  # hers already: nothing
    await service.take_over(uow, HOTEL, conversation.id, BEN)
    assert moves(uow) == [
        ("staff_took_over", State.NEEDS_HUMAN, State.HUMAN, None, ANNA),
        ("taken_over_from", State.HUMAN, State.HUMAN, ANNA, BEN),
    ]
    assert (conversation.state, conversation.assigned_staff_id) == (State.HUMAN, BEN)
    assert uow.rows_of(StateTransition)[1].staff_id == BEN


async def test_hand_back_resolve_reopen() -> None:
    uow = FakeUnitOfWork()
    conversation = uow.conversations.open(HOTEL, State.HUMAN, ANNA)
    await service.hand_back(uow, HOTEL, conversation.id, ANNA)
    await service.resolve(uow, HOTEL, conversation.id, ANNA)
    await service.reopen(uow, HOTEL, conversation.id, ANNA)
    assert moves(uow) == [
        ("staff_handed_back", State.HUMAN, State.AI, ANNA, None),
        ("staff_resolved", State.AI, State.RESOLVED, None, None),
        ("staff_reopened", State.RESOLVED, State.AI, None, None),
    ]
    assert conversation.state is State.AI


async def test_a_refused_action_records_nothing() -> None:
    uow = FakeUnitOfWork()
    conversation = uow.conversations.open(HOTEL, State.AI)
    with pytest.raises(ActionNotAllowed):
        await service.hand_back(uow, HOTEL, conversation.id, ANNA)
    with pytest.raises(ActionNotAllowed):
        await service.reopen(uow, HOTEL, conversation.id, ANNA)
    assert (uow.rows, uow.events) == ([], [])


async def test_another_hotels_conversation_is_not_found() -> None:
    uow = FakeUnitOfWork()
    conversation = uow.conversations.open(OTHER_HOTEL)
    with pytest.raises(service.ConversationNotFound):
        await service.take_over(uow, HOTEL, conversation.id, ANNA)


async def test_assign_only_to_a_colleague_of_this_hotel() -> None:
    uow = FakeUnitOfWork()
    conversation = uow.conversations.open(HOTEL, State.HUMAN, ANNA)
    with pytest.raises(service.NotAMember):
        await service.assign(uow, HOTEL, conversation.id, ANNA, BEN)
    uow.conversations.members.add((HOTEL, BEN))
    await service.assign(uow, HOTEL, conversation.id, ANNA, BEN)
    assert moves(uow) == [("assigned", State.HUMAN, State.HUMAN, ANNA, BEN)]
    [event] = uow.events
    assert (event.by, event.from_staff, event.to_staff) == (ANNA, ANNA, BEN)  # type: ignore[attr-defined]


async def test_a_reply_takes_over_implicitly_and_queues_the_message() -> None:
    uow = FakeUnitOfWork()
    conversation = uow.conversations.open(HOTEL, State.AI)
    message_id = await service.send_staff_reply(uow, HOTEL, conversation.id, ANNA, "  On its way!  ")
    assert moves(uow) == [("staff_replied", State.AI, State.HUMAN, None, ANNA)]
    [message] = uow.rows_of(Message)
    assert (message.id, message.text, message.author, message.status) == (
        message_id,
        "On its way!",
        Author.STAFF,
        Delivery.QUEUED,
    )
    assert [job.function for job in uow.jobs] == ["send_message"]
    assert uow.events[-1] == MessageStored(
        hotel_id=HOTEL, conversation_id=conversation.id, message_id=message_id
    )
    await service.send_staff_reply(uow, HOTEL, conversation.id, ANNA, "and a second one")
    assert len(moves(uow)) == 1, "her own conversation: no second move"


async def test_an_empty_reply_is_refused() -> None:
    uow = FakeUnitOfWork()
    conversation = uow.conversations.open(HOTEL)
    with pytest.raises(service.InvalidReply):
        await service.send_staff_reply(uow, HOTEL, conversation.id, ANNA, "   ")
    assert uow.rows == []


async def test_the_ai_hands_off() -> None:
    uow = FakeUnitOfWork()
    conversation = uow.conversations.open(HOTEL, State.AI)
    await service.hand_off(uow, conversation, reason="not_in_knowledge", summary="asks about parking")
    await service.hand_off(uow, conversation, reason="not_in_knowledge", summary="again")  # waiting already
    assert moves(uow) == [("not_in_knowledge", State.AI, State.NEEDS_HUMAN, None, None)]
    assert conversation.needs_human_since is not None
    assert (conversation.handoff_reason, conversation.handoff_summary) == (
        "not_in_knowledge",
        "asks about parking",
    )
    assert uow.rows_of(StateTransition)[0].actor == "ai"


async def test_a_note_is_an_event_but_no_move() -> None:
    uow = FakeUnitOfWork()
    conversation = uow.conversations.open(HOTEL)
    note = await service.add_note(uow, HOTEL, conversation.id, ANNA, "VIP, room 312")
    assert uow.rows_of(Note) == [note]
    assert uow.events == [NoteAdded(hotel_id=HOTEL, conversation_id=conversation.id, note_id=note.id)]
    assert moves(uow) == []


def test_apply_sets_every_field_the_change_names() -> None:
    uow = FakeUnitOfWork()
    conversation = uow.conversations.open(HOTEL, State.NEEDS_HUMAN)
    change = transitions.move(uow, conversation, State.HUMAN, By.staff(Move.TAKE_OVER, ANNA))
    assert change is not None
    assert transitions.facts_of(conversation) == change.after
    assert uow.events == [change.event]
    assert transitions.move(uow, conversation, State.HUMAN, By.staff(Move.TAKE_OVER, ANNA)) is None
    assert len(uow.rows) == 1

"""The live events' one wire encoding: every kind survives the trip, an unknown one is refused."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.conversations.models import State
from domain.events import (
    EVENT_TYPES,
    ConversationMoved,
    ConversationsMerged,
    DraftChanged,
    FeedbackReceived,
    GuestErased,
    GuestLinked,
    InstanceNotice,
    InstanceStateChanged,
    MessageFailed,
    MessageStatusChanged,
    MessageStored,
    NoteAdded,
    ServiceRequestChanged,
    UnknownEvent,
    WaitBreached,
    WaitEscalated,
    decode,
    encode,
)

HOTEL, CONVERSATION, MESSAGE = uuid4(), uuid4(), uuid4()
ONE_OF_EACH = [
    MessageStored(hotel_id=HOTEL, conversation_id=CONVERSATION, message_id=MESSAGE),
    MessageStatusChanged(hotel_id=HOTEL, conversation_id=CONVERSATION, message_id=MESSAGE, status="read"),
    MessageFailed(hotel_id=HOTEL, conversation_id=CONVERSATION, message_id=MESSAGE, error="noAccount"),
    ConversationMoved(
        hotel_id=HOTEL,
        conversation_id=CONVERSATION,
        from_state=State.HUMAN,
        state=State.HUMAN,
        reason="assigned",
        by=uuid4(),
        from_staff=uuid4(),
        to_staff=uuid4(),
    ),
    ConversationsMerged(hotel_id=HOTEL, conversation_id=CONVERSATION, merged=uuid4()),
    NoteAdded(hotel_id=HOTEL, conversation_id=CONVERSATION, note_id=uuid4()),
    DraftChanged(
        hotel_id=HOTEL, conversation_id=CONVERSATION, draft_id=uuid4(), status="approved", by=uuid4()
    ),
    ServiceRequestChanged(hotel_id=HOTEL, conversation_id=None, status="done"),
    GuestLinked(hotel_id=HOTEL, guest_id=uuid4()),
    GuestErased(hotel_id=HOTEL),
    InstanceStateChanged(hotel_id=HOTEL, state="notAuthorized"),
    InstanceNotice(hotel_id=HOTEL, notice="incomingCall", detail="+49301234567"),
    WaitBreached(hotel_id=HOTEL, conversation_id=CONVERSATION, wait="first_reply", waited_minutes=6),
    WaitEscalated(hotel_id=HOTEL, conversation_id=CONVERSATION, wait="next_reply", waited_minutes=21),
    FeedbackReceived(hotel_id=HOTEL, conversation_id=CONVERSATION, survey_id=uuid4(), rating=1),
]


def test_one_of_each_kind_is_listed() -> None:
    assert {type(e) for e in ONE_OF_EACH} == set(EVENT_TYPES.values())


@pytest.mark.parametrize("event", ONE_OF_EACH, ids=lambda e: e.kind)
def test_every_kind_survives_the_wire(event: object) -> None:
    assert decode(encode(event)) == event  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "raw",
    [
        b'{"kind": "message.created", "hotel_id": "x"}',  # the untyped kind of before
        b'{"hotel_id": "00000000-0000-0000-0000-000000000000"}',
        b'{"kind": "guest.erased", "hotel_id": "not a uuid"}',
        b'{"kind": "guest.erased"}',
        b"[1, 2]",
        b"not json",
    ],
)
def test_anything_else_is_refused_loudly(raw: bytes) -> None:
    with pytest.raises(UnknownEvent):
        decode(raw)

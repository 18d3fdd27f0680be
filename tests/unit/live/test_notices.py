"""Who a live event tells what: pure, from the event alone."""

from __future__ import annotations

from uuid import UUID, uuid4

from domain.conversations.models import State
from domain.events import ConversationMoved, FeedbackReceived, WaitBreached, WaitEscalated
from web.notices import ESCALATED, FEEDBACK, GIVEN, LATE, LOST, TAKEN, WAITING, notice_text, notices_from

ANNA, ALEX, BEN = uuid4(), uuid4(), uuid4()
CONVERSATION = uuid4()
NAMES = {ANNA: "Anna", ALEX: "Alex", BEN: "Ben"}


def state_event(state: str, reason: str, **staff: UUID) -> ConversationMoved:
    return ConversationMoved(
        hotel_id=uuid4(),
        conversation_id=CONVERSATION,
        from_state=None,
        state=State(state),
        reason=reason,
        **staff,
    )


def test_a_guest_waiting_for_a_person_is_told_to_everyone() -> None:
    [notice] = notices_from(state_event("needs_human", "guest_requested_human"))
    assert notice.kind == WAITING
    assert notice.reaches(ANNA)
    assert notice.reaches(uuid4())
    text = notice_text(notice, guest="Olivia", names=NAMES, reason_label="guest asked for a person")
    assert text == "Olivia is waiting for a person: guest asked for a person"


def test_a_waiting_guest_taken_or_resolved_takes_the_notices_calling_for_them_away() -> None:
    for state, reason in (
        ("human", "staff_took_over"),
        ("resolved", "staff_resolved"),
        ("ai", "handed_back"),
    ):
        moved = ConversationMoved(
            hotel_id=uuid4(),
            conversation_id=CONVERSATION,
            from_state=State.NEEDS_HUMAN,
            state=State(state),
            reason=reason,
            by=ANNA,
            to_staff=ANNA if state == "human" else None,
        )
        [notice] = notices_from(moved)
        assert (notice.kind, notice.conversation_id, notice.reaches(BEN)) == (TAKEN, CONVERSATION, True)
    assert [
        n.kind for n in notices_from(state_event("human", "staff_took_over", by=ANNA, to_staff=ANNA))
    ] == []


def test_taking_over_from_a_colleague_tells_only_that_colleague() -> None:
    [notice] = notices_from(state_event("human", "taken_over_from", by=ALEX, from_staff=ANNA, to_staff=ALEX))
    assert (notice.kind, notice.reaches(ANNA), notice.reaches(ALEX), notice.reaches(BEN)) == (
        LOST,
        True,
        False,
        False,
    )
    assert notice_text(notice, guest="Olivia", names=NAMES, reason_label="") == (
        "Alex took over Olivia's conversation from you"
    )


def test_assigning_tells_the_new_and_the_previous_holder_but_not_the_one_who_assigned() -> None:
    notices = notices_from(state_event("human", "assigned", by=ALEX, from_staff=ANNA, to_staff=BEN))
    told = {(n.kind, staff) for n in notices for staff in (ANNA, ALEX, BEN) if n.reaches(staff)}
    assert told == {(LOST, ANNA), (GIVEN, BEN)}
    texts = {n.kind: notice_text(n, guest="Olivia", names=NAMES, reason_label="") for n in notices}
    assert texts == {
        LOST: "Alex assigned Olivia's conversation to Ben",
        GIVEN: "Alex assigned Olivia's conversation to you",
    }


def test_own_moves_and_other_events_tell_nobody() -> None:
    assert notices_from(state_event("human", "staff_took_over", by=ANNA, to_staff=ANNA)) == []
    assert notices_from(state_event("ai", "staff_handed_back", by=ANNA, from_staff=ANNA)) == []
    assert notices_from(state_event("human", "assigned", by=ANNA, to_staff=ANNA)) == []
    assert notices_from({"kind": "message.created", "conversation_id": str(CONVERSATION)}) == []
    assert notices_from({"kind": "conversation.state", "conversation_id": "nonsense", "data": {}}) == []


def test_a_wait_past_the_target_is_told_to_everyone_at_the_hotel() -> None:
    event = WaitBreached(hotel_id=uuid4(), conversation_id=CONVERSATION, wait="first_reply", waited_minutes=7)
    [notice] = notices_from(event)
    assert notice.kind == LATE
    assert notice.reaches(ANNA)
    text = notice_text(notice, guest="Olivia", names=NAMES, reason_label="")
    assert text == "Olivia has waited 7 min for a first reply, past the target"


def test_an_escalation_reaches_managers_and_admins_only() -> None:
    event = WaitEscalated(
        hotel_id=uuid4(), conversation_id=CONVERSATION, wait="next_reply", waited_minutes=75
    )
    [notice] = notices_from(event)
    assert notice.kind == ESCALATED
    assert not notice.reaches(ANNA)
    assert notice.reaches(ANNA, manager=True)
    text = notice_text(notice, guest="Olivia", names=NAMES, reason_label="")
    assert text == "Olivia has waited 1 h 15 min for a reply, past twice the target"


def test_a_low_ratings_comment_reaches_the_managers_only() -> None:
    event = FeedbackReceived(hotel_id=uuid4(), conversation_id=CONVERSATION, survey_id=uuid4(), rating=1)
    [notice] = notices_from(event)
    assert (notice.kind, notice.reaches(ANNA), notice.reaches(ANNA, manager=True)) == (FEEDBACK, False, True)
    assert notice_text(notice, guest="Olivia", names=NAMES, reason_label="") == (
        "Olivia rated us 1/5 and said what went wrong"
    )

"""The waiting-guest timers' decisions, with a clock passed in."""

from __future__ import annotations

import datetime
import uuid

from domain.conversations.waits import Stretch, Targets, WaitKind, decide, waited_minutes

UTC = datetime.UTC
T0 = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # 11:00 in Berlin
TARGETS = Targets(first_reply_minutes=5, next_reply_minutes=10, timezone="Europe/Berlin")


def minutes(n: float) -> datetime.datetime:
    return T0 + datetime.timedelta(minutes=n)


def stretch(**changes: object) -> Stretch:
    values: dict[str, object] = {
        "conversation_id": uuid.uuid4(),
        "hotel_id": uuid.uuid4(),
        "in_human_hands": False,
        "since": T0,
        "began_with_hand_off": True,
        "last_staff_reply": None,
        "first_unanswered": T0,
    }
    values.update(changes)
    return Stretch(**values)  # type: ignore[arg-type]


def test_a_hand_off_breaches_once_the_first_reply_target_passes() -> None:
    assert not decide(stretch(), TARGETS, minutes(4.9)).breach
    decision = decide(stretch(), TARGETS, minutes(5))
    assert decision.breach
    assert not decision.escalate
    assert decision.wait is not None
    assert decision.wait.kind is WaitKind.FIRST_REPLY
    assert decision.wait.since == T0
    assert decision.wait.target_minutes == 5


def test_past_twice_the_target_it_goes_to_the_managers_once() -> None:
    assert decide(stretch(), TARGETS, minutes(10)).escalate
    assert not decide(stretch(), TARGETS, minutes(10), escalated=True).escalate


def test_a_staff_reply_ends_the_first_reply_wait() -> None:
    replied = stretch(in_human_hands=True, last_staff_reply=minutes(3), first_unanswered=None)
    assert decide(replied, TARGETS, minutes(60)).wait is None


def test_a_guest_message_after_the_reply_starts_a_next_reply_wait() -> None:
    waiting = stretch(in_human_hands=True, last_staff_reply=minutes(3), first_unanswered=minutes(4))
    assert not decide(waiting, TARGETS, minutes(13.9)).breach
    decision = decide(waiting, TARGETS, minutes(14))
    assert decision.breach
    assert decision.wait is not None
    assert decision.wait.kind is WaitKind.NEXT_REPLY
    assert decision.wait.since == minutes(4)


def test_the_ais_time_never_counts() -> None:
    """A take-over of a conversation the AI had: the guest wrote before a person held it, so the
    wait starts at the take-over, not at the guest's message."""
    taken = stretch(in_human_hands=True, began_with_hand_off=False, since=T0, first_unanswered=minutes(-30))
    assert not decide(taken, TARGETS, minutes(9)).breach
    assert decide(taken, TARGETS, minutes(10)).breach


def test_a_take_over_with_nothing_unanswered_is_no_wait() -> None:
    taken = stretch(in_human_hands=True, began_with_hand_off=False, first_unanswered=None)
    assert decide(taken, TARGETS, minutes(600)).wait is None


def test_out_of_hours_a_wait_breaches_only_after_the_desk_opens() -> None:
    hours = Targets(5, 10, business_hours={"tue": [["07:00", "23:00"]]}, timezone="Europe/Berlin")
    night = datetime.datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # Tuesday 3:00 in Berlin; opens 6:00 UTC
    at_night = stretch(since=night)
    assert not decide(at_night, hours, night + datetime.timedelta(hours=4, minutes=4)).breach
    decision = decide(at_night, hours, night + datetime.timedelta(hours=4, minutes=5))
    assert decision.breach
    assert not decision.escalate
    assert decide(at_night, hours, night + datetime.timedelta(hours=4, minutes=10)).escalate


def test_auto_return_after_staff_silence_in_a_held_conversation() -> None:
    targets = Targets(5, 10, auto_return_minutes=30)
    held = stretch(in_human_hands=True, last_staff_reply=minutes(10), first_unanswered=None)
    assert not decide(held, targets, minutes(39)).hand_back
    assert decide(held, targets, minutes(40)).hand_back


def test_no_auto_return_when_the_hotel_never_wants_it_or_nobody_holds_it() -> None:
    held = stretch(in_human_hands=True, last_staff_reply=minutes(10), first_unanswered=None)
    assert not decide(held, TARGETS, minutes(10_000)).hand_back
    waiting = stretch(in_human_hands=False)
    assert not decide(waiting, Targets(5, 10, auto_return_minutes=1), minutes(600)).hand_back


def test_waited_minutes_is_clock_time() -> None:
    decision = decide(stretch(), TARGETS, minutes(7.5))
    assert decision.wait is not None
    assert waited_minutes(decision.wait, minutes(7.5)) == 7


def draft_waiting(**changes: object) -> Stretch:
    """The AI's draft waits for approval in a conversation that is the AI's (no staff reply, no
    hand-off): the guest has waited since ``since``, their first message the draft answers."""
    values: dict[str, object] = {"began_with_hand_off": False, "first_unanswered": None}
    values.update(changes)
    return stretch(awaiting_approval=True, **values)


def test_a_draft_waiting_for_approval_is_a_first_reply_wait_from_the_guests_message() -> None:
    assert not decide(draft_waiting(), TARGETS, minutes(4.9)).breach
    decision = decide(draft_waiting(), TARGETS, minutes(5))
    assert decision.breach
    assert decision.wait is not None
    assert (decision.wait.kind, decision.wait.since, decision.wait.target_minutes) == (
        WaitKind.FIRST_REPLY,
        T0,
        5,
    )
    assert decide(draft_waiting(), TARGETS, minutes(10)).escalate


def test_a_draft_waiting_overnight_breaches_only_after_the_desk_opens() -> None:
    hours = Targets(5, 10, business_hours={"tue": [["07:00", "23:00"]]}, timezone="Europe/Berlin")
    night = datetime.datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # Tuesday 3:00 in Berlin; opens 6:00 UTC
    at_night = draft_waiting(since=night)
    assert not decide(at_night, hours, night + datetime.timedelta(hours=4, minutes=4)).breach
    assert decide(at_night, hours, night + datetime.timedelta(hours=4, minutes=5)).breach


def test_a_draft_waiting_is_never_handed_back_to_the_ai() -> None:
    decision = decide(draft_waiting(), Targets(5, 10, auto_return_minutes=1), minutes(600))
    assert decision.breach
    assert not decision.hand_back

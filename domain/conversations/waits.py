"""Waiting-guest timers: whether a guest has waited for a person past the hotel's target, whether
it is time to tell the managers, and whether a silent conversation goes back to the AI. Pure: the
clock is passed in.

A *stretch* is the time a conversation spends in people's hands (``needs_human`` or ``human``),
from the move that took it there out of the AI's (a hand-off, or a take-over). Inside one:

- ``first_reply``: the stretch began with a hand-off and no staff reply came yet; the guest waits
  from the hand-off (the conversation's ``needs_human_since``).
- ``next_reply``: a guest message no staff reply has followed yet; the guest waits from that
  message (never from before the stretch began: the AI's time is not a person's).

An AI draft waiting for approval (draft mode, or a draft topic) is a wait for a person too, while
the conversation stays the AI's: a ``first_reply`` wait from the first guest message the draft
answers (the first since the last reply the guest got). In draft mode the AI answers nobody by
itself, so the guest waits for a person from the moment they wrote; a fresh draft that replaces
one (the guest wrote again) does not start the wait again. Approving it, or a staff reply, ends it.

Only the desk's open time counts towards the target (``hours.staffed_seconds``): a guest who
writes at 3:00 to a desk that opens at 7:00 breaches at 7:00 plus the target, not before.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
from typing import Any
from uuid import UUID

from domain.hotels import hours as desk_hours


class WaitKind(enum.StrEnum):
    FIRST_REPLY = "first_reply"
    NEXT_REPLY = "next_reply"


@dataclasses.dataclass(frozen=True, slots=True)
class Targets:
    """A hotel's settings, as far as the timers care."""

    first_reply_minutes: int
    next_reply_minutes: int
    auto_return_minutes: int | None = None
    business_hours: dict[str, Any] | None = None
    timezone: str = "UTC"


@dataclasses.dataclass(frozen=True, slots=True)
class Stretch:
    """What the database says about a conversation in people's hands, or with an AI draft waiting
    for a person's approval."""

    conversation_id: UUID
    hotel_id: UUID
    in_human_hands: bool  # ``human`` (someone holds it); else ``needs_human`` (nobody yet)
    since: datetime.datetime  # when the stretch began
    began_with_hand_off: bool  # the stretch began in ``needs_human``
    last_staff_reply: datetime.datetime | None  # within the stretch
    first_unanswered: datetime.datetime | None  # the first guest message after the last staff reply
    #: the conversation is the AI's and its draft waits for approval; ``since`` is the first guest
    #: message the draft answers
    awaiting_approval: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class Wait:
    kind: WaitKind
    since: datetime.datetime
    target_minutes: int


def current_wait(stretch: Stretch, targets: Targets) -> Wait | None:
    """What the guest is waiting for now, if anything."""
    if stretch.awaiting_approval:
        return Wait(WaitKind.FIRST_REPLY, stretch.since, targets.first_reply_minutes)
    replied = stretch.last_staff_reply is not None and stretch.last_staff_reply >= stretch.since
    if stretch.began_with_hand_off and not replied:
        return Wait(WaitKind.FIRST_REPLY, stretch.since, targets.first_reply_minutes)
    if stretch.first_unanswered is not None:
        since = max(stretch.first_unanswered, stretch.since)
        return Wait(WaitKind.NEXT_REPLY, since, targets.next_reply_minutes)
    return None


def waited_past(wait: Wait, targets: Targets, now: datetime.datetime, *, times: int = 1) -> bool:
    """Whether the desk's open time since the wait began has reached ``times`` the target."""
    counted = desk_hours.staffed_seconds(targets.business_hours, targets.timezone, wait.since, now)
    return counted >= wait.target_minutes * 60 * times


@dataclasses.dataclass(frozen=True, slots=True)
class Decision:
    """What the timers do about one conversation now."""

    wait: Wait | None = None
    breach: bool = False  # record the breach (once: the table's unique key) and alert the desk
    escalate: bool = False  # past twice the target: alert the managers (once)
    hand_back: bool = False  # staff silent past ``auto_return_minutes``: back to the AI


def decide(
    stretch: Stretch, targets: Targets, now: datetime.datetime, *, escalated: bool = False
) -> Decision:
    """The timers' decision for one conversation. ``escalated``: the breach of this very wait was
    raised to the managers already."""
    hand_back = silent_too_long(stretch, targets, now)
    wait = current_wait(stretch, targets)
    if wait is None or not waited_past(wait, targets, now):
        return Decision(wait, hand_back=hand_back)
    escalate = not escalated and waited_past(wait, targets, now, times=2)
    return Decision(wait, breach=True, escalate=escalate, hand_back=hand_back)


def silent_too_long(stretch: Stretch, targets: Targets, now: datetime.datetime) -> bool:
    """A conversation someone holds goes back to the AI after ``auto_return_minutes`` without a
    staff reply (counted from the take-over or the last reply, whichever came later). Never for one
    nobody holds yet: that guest asked for a person and is waiting for one. Nor for a draft waiting
    for approval: the conversation is the AI's already, and the guest waits for the person who
    approves."""
    if targets.auto_return_minutes is None or not stretch.in_human_hands or stretch.awaiting_approval:
        return False
    quiet_since = max(stretch.since, stretch.last_staff_reply or stretch.since)
    return now - quiet_since >= datetime.timedelta(minutes=targets.auto_return_minutes)


def waited_minutes(wait: Wait, now: datetime.datetime) -> int:
    """How long the guest has waited, by the clock (what they lived through), in whole minutes."""
    return max(0, int((now - wait.since).total_seconds() // 60))

"""The one place a conversation changes state: apply what ``rules.transition`` decided.

Every move goes through here, so every move records its timeline row and publishes its event.
"""

from __future__ import annotations

import datetime
from typing import Protocol

from domain.conversations import rules
from domain.conversations.models import Conversation, State, StateTransition
from domain.events import Event


class Recorder(Protocol):
    """What applying a change needs of the unit of work: a row to add, an event for after commit."""

    def add(self, row: object) -> None: ...

    def publish(self, event: Event) -> None: ...


def facts_of(conversation: Conversation) -> rules.Facts:
    return rules.Facts(
        hotel_id=conversation.hotel_id,
        conversation_id=conversation.id,
        state=conversation.state,
        assigned_staff_id=conversation.assigned_staff_id,
        needs_human_since=conversation.needs_human_since,
        handoff_reason=conversation.handoff_reason,
        handoff_summary=conversation.handoff_summary,
        ai_pending_since=conversation.ai_pending_since,
    )


def timeline_row(change: rules.Change) -> StateTransition:
    entry = change.entry
    return StateTransition(
        hotel_id=change.before.hotel_id,
        conversation_id=change.before.conversation_id,
        from_state=entry.from_state,
        to_state=entry.to_state,
        reason=entry.reason,
        actor=entry.actor,
        staff_id=entry.staff_id,
        summary=entry.summary,
        from_staff_id=entry.from_staff_id,
        to_staff_id=entry.to_staff_id,
    )


def record(uow: Recorder, change: rules.Change) -> None:
    """The timeline row and the event of a change (the conversation is updated by the caller)."""
    uow.add(timeline_row(change))
    uow.publish(change.event)


def apply(uow: Recorder, conversation: Conversation, change: rules.Change) -> None:
    """Set the conversation's fields to what the change says, record the row, publish the event."""
    after = change.after
    conversation.state = after.state
    conversation.assigned_staff_id = after.assigned_staff_id
    conversation.needs_human_since = after.needs_human_since
    conversation.handoff_reason = after.handoff_reason
    conversation.handoff_summary = after.handoff_summary
    conversation.ai_pending_since = after.ai_pending_since
    record(uow, change)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def move(uow: Recorder, conversation: Conversation, target: State, by: rules.By) -> rules.Change | None:
    """Decide and apply in one call: the change made, or None when nothing changed."""
    change = rules.transition(facts_of(conversation), target, by, now=_now())
    if change is not None:
        apply(uow, conversation, change)
    return change

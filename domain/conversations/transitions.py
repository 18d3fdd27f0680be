"""The one place a conversation changes state: apply what ``rules.transition`` decided.

Every move goes through here, so every move records its timeline row and publishes its event.
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Protocol

from domain.conversations import rules
from domain.conversations.models import Conversation, State, StateTransition
from domain.events import Event


class Recorder(Protocol):
    """What applying a change needs of the unit of work: a row to add, an event for after commit."""

    def add(self, row: object) -> None: ...

    def publish(self, event: Event) -> None: ...


# What a conversation's row and ``rules.Facts`` both hold, beside the ids.
_FACTS = (
    "state",
    "assigned_staff_id",
    "needs_human_since",
    "handoff_reason",
    "handoff_summary",
    "ai_pending_since",
)


def facts_of(conversation: Conversation) -> rules.Facts:
    facts = {name: getattr(conversation, name) for name in _FACTS}
    return rules.Facts(hotel_id=conversation.hotel_id, conversation_id=conversation.id, **facts)


def record(uow: Recorder, change: rules.Change) -> None:
    """The timeline row and the event of a change (the conversation is updated by the caller)."""
    before = change.before
    entry = dataclasses.asdict(change.entry)
    uow.add(StateTransition(hotel_id=before.hotel_id, conversation_id=before.conversation_id, **entry))
    uow.publish(change.event)


def apply(uow: Recorder, conversation: Conversation, change: rules.Change) -> None:
    """Set the conversation's fields to what the change says, record the row, publish the event."""
    for name in _FACTS:
        setattr(conversation, name, getattr(change.after, name))
    record(uow, change)


def move(uow: Recorder, conversation: Conversation, target: State, by: rules.By) -> rules.Change | None:
    """Decide and apply in one call: the change made, or None when nothing changed."""
    change = rules.transition(facts_of(conversation), target, by, now=datetime.datetime.now(datetime.UTC))
    if change is not None:
        apply(uow, conversation, change)
    return change

"""What happened, for the staff of one hotel to see now: small frozen events, one per kind of change.

Services record them on the unit of work; they leave the process after commit (Redis pub/sub) and
every web process's live hub decodes them to decide what to read again. The wire form is one JSON
object: the event's fields plus ``kind``, its tag. A kind this code does not know is refused
loudly (``UnknownEvent``): two processes of different versions must not silently drop changes.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar
from uuid import UUID

import msgspec

from domain.conversations.models import State


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    kind: ClassVar[str]
    hotel_id: UUID


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class MessageStored(Event):
    """A message was stored: from a guest, queued by staff or the AI, or sent from the hotel phone."""

    kind: ClassVar[str] = "message.stored"
    conversation_id: UUID
    message_id: UUID


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class MessageStatusChanged(Event):
    """A delivery tick moved forward (sent, delivered, read)."""

    kind: ClassVar[str] = "message.status"
    conversation_id: UUID
    message_id: UUID
    status: str


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class MessageFailed(Event):
    """A send failed for good: staff are alerted."""

    kind: ClassVar[str] = "message.failed"
    conversation_id: UUID
    message_id: UUID
    error: str | None = None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ConversationMoved(Event):
    """A transition: a new state, or the same state in other hands. ``by`` acted; the conversation
    left ``from_staff``'s hands and went to ``to_staff``'s (the live hub tells those concerned)."""

    kind: ClassVar[str] = "conversation.moved"
    conversation_id: UUID
    from_state: State | None
    state: State
    reason: str
    by: UUID | None = None
    from_staff: UUID | None = None
    to_staff: UUID | None = None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ConversationsMerged(Event):
    """One guest's two conversations became one (``merged`` is gone, into ``conversation_id``)."""

    kind: ClassVar[str] = "conversation.merged"
    conversation_id: UUID
    merged: UUID


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class NoteAdded(Event):
    kind: ClassVar[str] = "note.added"
    conversation_id: UUID
    note_id: UUID


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class DraftChanged(Event):
    """An AI draft now waits in a conversation (``pending``), or it ended: approved, edited and
    sent, discarded, or superseded by a fresh one. ``by``: the staff member who decided."""

    kind: ClassVar[str] = "draft.changed"
    conversation_id: UUID
    draft_id: UUID
    status: str
    by: UUID | None = None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ServiceRequestChanged(Event):
    kind: ClassVar[str] = "service_request.changed"
    conversation_id: UUID | None
    status: str


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class GuestLinked(Event):
    """The worker learnt a guest's other WhatsApp id."""

    kind: ClassVar[str] = "guest.linked"
    guest_id: UUID


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class GuestErased(Event):
    """A guest's data was erased on request: their conversation leaves every inbox."""

    kind: ClassVar[str] = "guest.erased"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class InstanceStateChanged(Event):
    """The hotel's WhatsApp connection changed state (``stateInstanceChanged``)."""

    kind: ClassVar[str] = "instance.state"
    state: str


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class InstanceNotice(Event):
    """Something Green API reported about the hotel's instance (a call, a device change...)."""

    kind: ClassVar[str] = "instance.notice"
    notice: str
    detail: str


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class WaitBreached(Event):
    """A guest has waited for a person past the hotel's target (``wait``: first_reply or
    next_reply): the staff on shift are alerted, once per wait."""

    kind: ClassVar[str] = "wait.breached"
    conversation_id: UUID
    wait: str
    waited_minutes: int


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class WaitEscalated(Event):
    """The wait went on past twice the target: the hotel's managers are alerted, once."""

    kind: ClassVar[str] = "wait.escalated"
    conversation_id: UUID
    wait: str
    waited_minutes: int


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class FeedbackReceived(Event):
    """A guest said what went wrong after a low rating: for the hotel's managers."""

    kind: ClassVar[str] = "feedback.received"
    conversation_id: UUID
    survey_id: UUID
    rating: int


EVENT_TYPES: dict[str, type[Event]] = {
    cls.kind: cls
    for cls in (
        MessageStored,
        MessageStatusChanged,
        MessageFailed,
        ConversationMoved,
        ConversationsMerged,
        NoteAdded,
        DraftChanged,
        ServiceRequestChanged,
        GuestLinked,
        GuestErased,
        InstanceStateChanged,
        InstanceNotice,
        WaitBreached,
        WaitEscalated,
        FeedbackReceived,
    )
}


class UnknownEvent(ValueError):
    """A live message this code cannot read: an unknown kind, or fields that do not fit it."""


def encode(event: Event) -> bytes:
    fields: dict[str, Any] = msgspec.to_builtins(event)
    return msgspec.json.encode({"kind": event.kind, **fields})


def decode(raw: bytes | str) -> Event:
    try:
        payload = msgspec.json.decode(raw)
    except msgspec.DecodeError as exc:
        raise UnknownEvent(f"not JSON: {exc}") from exc
    return from_wire(payload)


def from_wire(payload: object) -> Event:
    """The event a decoded JSON value carries."""
    if not isinstance(payload, dict):
        raise UnknownEvent("not an object")
    payload = dict(payload)
    kind = str(payload.pop("kind", ""))
    cls = EVENT_TYPES.get(kind)
    if cls is None:
        raise UnknownEvent(f"unknown event kind {kind!r:.60}")
    try:
        return msgspec.convert(payload, type=cls)
    except msgspec.ValidationError as exc:
        raise UnknownEvent(f"{cls.kind}: {exc}") from exc

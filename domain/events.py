"""What happened, for the staff of one hotel to see now: small frozen events, one per kind of change.

Services record them on the unit of work; they leave the process after commit (Redis pub/sub) and
every web process's live hub decodes them to decide what to read again. The wire form is one JSON
object: the event's fields plus ``kind``, its tag. A kind this code does not know is refused
loudly (``UnknownEvent``): two processes of different versions must not silently drop changes.
"""

from __future__ import annotations

from uuid import UUID

import msgspec

from domain.conversations.models import State


class Event(msgspec.Struct, frozen=True, tag_field="kind"):
    hotel_id: UUID

    @property
    def kind(self) -> str:
        """The event's tag on the wire (``message.stored``...)."""
        return str(self.__struct_config__.tag)


class MessageStored(Event, frozen=True, tag="message.stored"):
    """A message was stored: from a guest, queued by staff or the AI, or sent from the hotel phone."""

    conversation_id: UUID
    message_id: UUID


class MessageStatusChanged(Event, frozen=True, tag="message.status"):
    """A delivery tick moved forward (sent, delivered, read)."""

    conversation_id: UUID
    message_id: UUID
    status: str


class MessageFailed(Event, frozen=True, tag="message.failed"):
    """A send failed for good: staff are alerted."""

    conversation_id: UUID
    message_id: UUID
    error: str | None = None


class ConversationMoved(Event, frozen=True, tag="conversation.moved"):
    """A transition: a new state, or the same state in other hands. ``by`` acted; the conversation
    left ``from_staff``'s hands and went to ``to_staff``'s (the live hub tells those concerned)."""

    conversation_id: UUID
    from_state: State | None
    state: State
    reason: str
    by: UUID | None = None
    from_staff: UUID | None = None
    to_staff: UUID | None = None


class ConversationsMerged(Event, frozen=True, tag="conversation.merged"):
    """One guest's two conversations became one (``merged`` is gone, into ``conversation_id``)."""

    conversation_id: UUID
    merged: UUID


class NoteAdded(Event, frozen=True, tag="note.added"):
    conversation_id: UUID
    note_id: UUID


class DraftChanged(Event, frozen=True, tag="draft.changed"):
    """An AI draft now waits in a conversation (``pending``), or it ended: approved, edited and
    sent, discarded, or superseded by a fresh one. ``by``: the staff member who decided."""

    conversation_id: UUID
    draft_id: UUID
    status: str
    by: UUID | None = None


class ServiceRequestChanged(Event, frozen=True, tag="service_request.changed"):
    conversation_id: UUID | None
    status: str


class GuestLinked(Event, frozen=True, tag="guest.linked"):
    """The worker learnt a guest's other WhatsApp id."""

    guest_id: UUID


class GuestErased(Event, frozen=True, tag="guest.erased"):
    """A guest's data was erased on request: their conversation leaves every inbox."""


class InstanceStateChanged(Event, frozen=True, tag="instance.state"):
    """The hotel's WhatsApp connection changed state (``stateInstanceChanged``)."""

    state: str


class InstanceNotice(Event, frozen=True, tag="instance.notice"):
    """Something Green API reported about the hotel's instance (a call, a device change...)."""

    notice: str
    detail: str


class WaitBreached(Event, frozen=True, tag="wait.breached"):
    """A guest has waited for a person past the hotel's target (``wait``: first_reply or
    next_reply): the staff on shift are alerted, once per wait."""

    conversation_id: UUID
    wait: str
    waited_minutes: int


class WaitEscalated(Event, frozen=True, tag="wait.escalated"):
    """The wait went on past twice the target: the hotel's managers are alerted, once."""

    conversation_id: UUID
    wait: str
    waited_minutes: int


class FeedbackReceived(Event, frozen=True, tag="feedback.received"):
    """A guest said what went wrong after a low rating: for the hotel's managers."""

    conversation_id: UUID
    survey_id: UUID
    rating: int


EVENT_TYPES: dict[str, type[Event]] = {str(cls.__struct_config__.tag): cls for cls in Event.__subclasses__()}


class UnknownEvent(ValueError):
    """A live message this code cannot read: an unknown kind, or fields that do not fit it."""


def encode(event: Event) -> bytes:
    return msgspec.json.encode(event)


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
        raise UnknownEvent(f"{kind}: {exc}") from exc

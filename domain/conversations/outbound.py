"""Queueing a message to send: the outbox row first, the send job and the live event after commit."""

from __future__ import annotations

from uuid import UUID

from domain.conversations.models import Author, Delivery, Direction, Message
from domain.conversations.repository import ConversationWork
from domain.events import MessageStored
from domain.ports import send_job


def queue_outbound(
    uow: ConversationWork,
    *,
    hotel_id: UUID,
    conversation_id: UUID,
    chat_id: str,
    text: str,
    author: Author,
    staff_id: UUID | None = None,
    sources: list[UUID] | None = None,
    ai_trigger_message_id: UUID | None = None,
    automated: str | None = None,
) -> Message:
    """The outbox: a message to send is a row first, a job second (after commit). ``automated``
    names a text of the product's own (``details.automated``: analytics never counts it as a
    reply)."""
    message = Message(
        hotel_id=hotel_id,
        conversation_id=conversation_id,
        chat_id=chat_id,
        direction=Direction.OUT,
        author=author,
        staff_id=staff_id,
        type_message="textMessage",
        text=text,
        status=Delivery.QUEUED,
        sources=sources or [],
        ai_trigger_message_id=ai_trigger_message_id,
        details={} if automated is None else {"automated": automated},
        attempts=0,
    )
    uow.add(message)
    return message


async def after_queue(uow: ConversationWork, message: Message) -> None:
    await uow.flush()
    uow.enqueue(send_job(message.id))
    uow.publish(
        MessageStored(
            hotel_id=message.hotel_id, conversation_id=message.conversation_id, message_id=message.id
        )
    )

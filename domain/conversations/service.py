"""Staff and AI actions on one conversation. Each locks the row, asks the rule, applies its answer.

``rules.transition`` decides what a move changes; ``transitions.apply`` makes the change, records
its timeline row and publishes its event. The functions here only find and check what they act on.
"""

from __future__ import annotations

import datetime
from uuid import UUID

from domain.conversations import csat, rules, transitions
from domain.conversations.models import Author, Conversation, DraftStatus, Note, State
from domain.conversations.outbound import after_queue, queue_outbound
from domain.conversations.repository import ConversationWork
from domain.conversations.rules import By, Move
from domain.errors import Invalid, NotFound
from domain.events import DraftChanged, NoteAdded

MAX_REPLY_LENGTH = 4096
MAX_NOTE_LENGTH = 4000


class ConversationNotFound(NotFound):
    """No such conversation at this hotel (the same answer for another hotel's)."""


class InvalidReply(Invalid):
    pass


class NotAMember(NotFound):
    """The staff member named does not work at this hotel."""


def _written(text: str, what: str, most: int) -> str:
    """The text of a reply or a note as it is kept (trimmed); refused when empty or too long."""
    text = text.strip()
    if not text:
        raise InvalidReply(f"write a {what} first")
    if len(text) > most:
        raise InvalidReply(f"the {what} is longer than {most} characters")
    return text


async def lock_conversation(uow: ConversationWork, hotel_id: UUID, conversation_id: UUID) -> Conversation:
    """The conversation, locked for this transaction, scoped by the acting hotel."""
    conversation = await uow.conversations.lock(hotel_id, conversation_id)
    if conversation is None:
        raise ConversationNotFound(str(conversation_id))
    return conversation


async def _staff_move(
    uow: ConversationWork,
    hotel_id: UUID,
    conversation_id: UUID,
    staff_id: UUID,
    *,
    move: Move,
    assignee_id: UUID | None = None,
) -> Conversation:
    """A staff action from the conversation header, refused where the state does not offer it."""
    conversation = await lock_conversation(uow, hotel_id, conversation_id)
    target = rules.ACTION_TARGET[rules.StaffAction(move.value)]
    transitions.move(uow, conversation, target, By.staff(move, staff_id, assignee_id))
    await end_drafts_unless_ai(uow, conversation, staff_id)
    return conversation


async def end_drafts_unless_ai(
    uow: ConversationWork, conversation: Conversation, staff_id: UUID | None
) -> None:
    """The AI never talks over a human: once the conversation left the AI (a take-over, a reply,
    an assignment, a resolve, a hand-off), the AI's draft waiting there is discarded."""
    if conversation.state is not State.AI:
        await close_drafts(uow, conversation, DraftStatus.DISCARDED, staff_id)


async def close_drafts(
    uow: ConversationWork, conversation: Conversation, status: DraftStatus, staff_id: UUID | None
) -> None:
    """End the draft waiting in the conversation (if any) as ``status``, and say so live."""
    for draft_id in await uow.conversations.close_pending_drafts(conversation.id, status, staff_id):
        uow.publish(
            DraftChanged(
                hotel_id=conversation.hotel_id,
                conversation_id=conversation.id,
                draft_id=draft_id,
                status=status.value,
                by=staff_id,
            )
        )


async def take_over(
    uow: ConversationWork, hotel_id: UUID, conversation_id: UUID, staff_id: UUID
) -> Conversation:
    """Into this staff member's hands, from the AI, a waiting queue or a colleague (who is told)."""
    return await _staff_move(uow, hotel_id, conversation_id, staff_id, move=Move.TAKE_OVER)


async def hand_back(
    uow: ConversationWork, hotel_id: UUID, conversation_id: UUID, staff_id: UUID
) -> Conversation:
    return await _staff_move(uow, hotel_id, conversation_id, staff_id, move=Move.HAND_BACK)


async def resolve(
    uow: ConversationWork, hotel_id: UUID, conversation_id: UUID, staff_id: UUID
) -> Conversation:
    """Resolved; the guest is asked how satisfied they are (where the hotel asks, once a day)."""
    conversation = await _staff_move(uow, hotel_id, conversation_id, staff_id, move=Move.RESOLVE)
    await csat.ask_after_resolve(uow, conversation)
    return conversation


async def reopen(
    uow: ConversationWork, hotel_id: UUID, conversation_id: UUID, staff_id: UUID
) -> Conversation:
    """A resolved conversation goes back to the AI, as a new guest message would take it."""
    return await _staff_move(uow, hotel_id, conversation_id, staff_id, move=Move.REOPEN)


async def assign(
    uow: ConversationWork, hotel_id: UUID, conversation_id: UUID, staff_id: UUID, assignee_id: UUID
) -> Conversation:
    """Give the conversation to a colleague who works at this hotel (an active membership of an
    enabled account); it is then in their hands."""
    if not await uow.conversations.works_here(hotel_id, assignee_id):
        raise NotAMember(str(assignee_id))
    return await _staff_move(
        uow, hotel_id, conversation_id, staff_id, move=Move.ASSIGN, assignee_id=assignee_id
    )


async def hand_off(
    uow: ConversationWork, conversation: Conversation, *, reason: str, summary: str | None, actor: str = "ai"
) -> None:
    """The AI (or a rule) asks for a person: ``needs_human`` and the waiting timer starts."""
    transitions.move(uow, conversation, State.NEEDS_HUMAN, By.hand_off(reason, summary, actor))
    await end_drafts_unless_ai(uow, conversation, None)


async def send_staff_reply(
    uow: ConversationWork, hotel_id: UUID, conversation_id: UUID, staff_id: UUID, text: str
) -> UUID:
    """A staff reply takes the conversation over implicitly: from the AI, from the waiting queue, or
    from a colleague (recorded, and the colleague is told, as with an explicit take-over)."""
    text = _written(text, "reply", MAX_REPLY_LENGTH)
    conversation = await lock_conversation(uow, hotel_id, conversation_id)
    transitions.move(uow, conversation, State.HUMAN, By.staff(Move.REPLY, staff_id))
    await end_drafts_unless_ai(uow, conversation, staff_id)
    await uow.conversations.close_breaches(conversation.id, staff_id)
    message = queue_outbound(
        uow,
        hotel_id=hotel_id,
        conversation_id=conversation.id,
        chat_id=await uow.conversations.chat_id_of(conversation.guest_id),
        text=text,
        author=Author.STAFF,
        staff_id=staff_id,
    )
    conversation.last_message_at = datetime.datetime.now(datetime.UTC)
    await after_queue(uow, message)
    return message.id


async def add_note(
    uow: ConversationWork, hotel_id: UUID, conversation_id: UUID, staff_id: UUID, text: str
) -> Note:
    text = _written(text, "note", MAX_NOTE_LENGTH)
    conversation = await lock_conversation(uow, hotel_id, conversation_id)
    note = Note(hotel_id=hotel_id, conversation_id=conversation.id, staff_id=staff_id, text=text)
    uow.add(note)
    await uow.flush()
    uow.publish(NoteAdded(hotel_id=hotel_id, conversation_id=conversation.id, note_id=note.id))
    return note

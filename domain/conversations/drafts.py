"""AI drafts: what staff do with the reply the AI wrote for them to approve (draft mode, or a
draft topic). Nothing of a draft reaches the guest before one of these runs.

- **approve** sends the draft as the AI's reply, through the outbox like any AI message, and
  records who approved it (the message's ``staff_id``, the draft's ``decided_by``); it answers the
  guest's wait for a person, so a breach recorded for it is closed by the approver;
- **send edited** sends the edited text as that staff member's own reply (which takes the
  conversation over, as every staff reply does);
- **discard** sends nothing.

Each locks the conversation first, so two staff approving at once send once: the second finds
the draft decided and is told so. The AI writes and replaces drafts in ``write_draft``.
"""

from __future__ import annotations

import datetime
from uuid import UUID

from domain.conversations.models import AiDraft, Author, Conversation, DraftStatus, State
from domain.conversations.outbound import after_queue, queue_outbound
from domain.conversations.repository import ConversationWork
from domain.conversations.service import close_drafts, lock_conversation, send_staff_reply
from domain.errors import Conflict, NotFound
from domain.events import DraftChanged


class DraftNotFound(NotFound):
    """No such draft in this conversation at this hotel (the same answer for another hotel's)."""


class DraftDecided(Conflict):
    """The draft is not waiting any more: sent, discarded, replaced, or the guest wrote again."""


_GONE = {
    DraftStatus.APPROVED.value: "This draft was already sent.",
    DraftStatus.EDITED.value: "This draft was already sent.",
    DraftStatus.DISCARDED.value: "This draft was discarded.",
    DraftStatus.SUPERSEDED.value: "The guest wrote again: a fresh draft replaces this one.",
}


def _changed(draft: AiDraft, staff_id: UUID | None) -> DraftChanged:
    return DraftChanged(
        hotel_id=draft.hotel_id,
        conversation_id=draft.conversation_id,
        draft_id=draft.id,
        status=draft.status,
        by=staff_id,
    )


async def _waiting(
    uow: ConversationWork, hotel_id: UUID, conversation_id: UUID, draft_id: UUID
) -> tuple[Conversation, AiDraft]:
    conversation = await lock_conversation(uow, hotel_id, conversation_id)
    draft = await uow.conversations.draft(hotel_id, conversation.id, draft_id)
    if draft is None:
        raise DraftNotFound(str(draft_id))
    if draft.status != DraftStatus.PENDING.value:
        raise DraftDecided(_GONE.get(draft.status, "This draft is not waiting any more."))
    return conversation, draft


def _decide(draft: AiDraft, status: DraftStatus, staff_id: UUID) -> None:
    draft.status = status.value
    draft.decided_by = staff_id
    draft.decided_at = datetime.datetime.now(datetime.UTC)


async def approve_draft(
    uow: ConversationWork, hotel_id: UUID, conversation_id: UUID, draft_id: UUID, staff_id: UUID
) -> UUID:
    """Send the draft as the AI's reply, approved by ``staff_id``; the message's id."""
    conversation, draft = await _waiting(uow, hotel_id, conversation_id, draft_id)
    if conversation.state is not State.AI:
        raise DraftDecided("A person has this conversation now: the AI's draft cannot be sent.")
    if await uow.conversations.latest_guest_message(conversation.id) != draft.trigger_message_id:
        raise DraftDecided("The guest wrote again: a fresh draft is on its way.")
    if await uow.conversations.ai_replied_to(draft.trigger_message_id):
        raise DraftDecided("This draft was already sent.")
    message = queue_outbound(
        uow,
        hotel_id=hotel_id,
        conversation_id=conversation.id,
        chat_id=await uow.conversations.chat_id_of(conversation.guest_id),
        text=draft.text,
        author=Author.AI,
        staff_id=staff_id,  # who approved it; the author stays the AI
        sources=list(draft.sources or []),
        ai_trigger_message_id=draft.trigger_message_id,
    )
    conversation.last_message_at = datetime.datetime.now(datetime.UTC)
    _decide(draft, DraftStatus.APPROVED, staff_id)
    await uow.conversations.close_breaches(conversation.id, staff_id)
    await after_queue(uow, message)
    draft.message_id = message.id
    uow.publish(_changed(draft, staff_id))
    return message.id


async def send_edited_draft(
    uow: ConversationWork, hotel_id: UUID, conversation_id: UUID, draft_id: UUID, staff_id: UUID, *, text: str
) -> UUID:
    """Send the edited text as ``staff_id``'s own reply (it takes the conversation over)."""
    _, draft = await _waiting(uow, hotel_id, conversation_id, draft_id)
    _decide(draft, DraftStatus.EDITED, staff_id)
    await uow.flush()  # decided before the reply's take-over discards whatever still waits
    message_id = await send_staff_reply(uow, hotel_id, conversation_id, staff_id, text)
    draft.message_id = message_id
    uow.publish(_changed(draft, staff_id))
    return message_id


async def discard_draft(
    uow: ConversationWork, hotel_id: UUID, conversation_id: UUID, draft_id: UUID, staff_id: UUID
) -> None:
    _, draft = await _waiting(uow, hotel_id, conversation_id, draft_id)
    _decide(draft, DraftStatus.DISCARDED, staff_id)
    uow.publish(_changed(draft, staff_id))


async def write_draft(
    uow: ConversationWork,
    conversation: Conversation,
    *,
    trigger_message_id: UUID,
    text: str,
    sources: list[UUID],
    why: str,
) -> AiDraft:
    """The AI's draft for the guest messages up to ``trigger_message_id`` (the conversation
    locked by the caller): a draft still waiting there is superseded, so one draft covers
    everything the guest wrote and none goes stale in a pile."""
    await close_drafts(uow, conversation, DraftStatus.SUPERSEDED, None)
    draft = AiDraft(
        hotel_id=conversation.hotel_id,
        conversation_id=conversation.id,
        trigger_message_id=trigger_message_id,
        text=text,
        sources=sources,
        why=why[:60],
        status=DraftStatus.PENDING.value,
    )
    uow.add(draft)
    await uow.flush()
    uow.publish(_changed(draft, None))
    return draft

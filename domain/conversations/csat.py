"""Guest satisfaction: the question after a resolve, the answer when it comes, the managers' list.

The question is a row (``csat_surveys``) and an outbox message in one transaction. The answer
arrives as a guest message on the webhook's fast path: it is stored like every guest message, and
when it answers the open survey (``csat_rules.read_answer``) it neither reopens the conversation
nor wakes the AI. These statements are plain SQL so that path keeps its driver connection; they run
only for a message to a resolved conversation.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils.compat import uuid7

from domain.conversations import csat_rules
from domain.conversations.guest_texts import csat_follow_up, csat_question, spoken
from domain.conversations.ingest_sql import IngestWork
from domain.conversations.models import Author, Conversation, CsatSurvey
from domain.conversations.outbound import after_queue, queue_outbound
from domain.conversations.repository import ConversationWork
from domain.events import FeedbackReceived, MessageStored
from domain.guests.models import Guest
from domain.ports import send_job
from domain.staff.models import StaffUser


async def ask_after_resolve(uow: ConversationWork, conversation: Conversation) -> CsatSurvey | None:
    """Ask the guest to rate the help they had, once per resolve and at most once a day."""
    now = datetime.datetime.now(datetime.UTC)
    facts = await uow.conversations.survey_facts(conversation)
    if not csat_rules.should_ask(
        enabled=facts.csat_enabled, is_group=facts.is_group, last_asked=facts.last_asked, now=now
    ):
        return None
    who = csat_rules.attribute(facts.last_staff_reply, facts.last_asked)
    language = spoken(facts.language)
    survey = CsatSurvey(
        hotel_id=conversation.hotel_id,
        conversation_id=conversation.id,
        asked_at=now,
        language=language,
        attributed_to=who.attributed_to,
        staff_id=who.staff_id,
    )
    uow.add(survey)
    question = queue_outbound(
        uow,
        hotel_id=conversation.hotel_id,
        conversation_id=conversation.id,
        chat_id=facts.chat_id,
        text=csat_question(language),
        author=Author.SYSTEM,
    )
    await after_queue(uow, question)
    return survey


LATEST_SURVEY_SQL = """
SELECT id, asked_at, rating, answered_at, comment, language FROM csat_surveys
 WHERE conversation_id = $1 ORDER BY asked_at DESC LIMIT 1
"""
# Each guarded by what it fills in: a resend of the same answer, or two at once, record one.
RECORD_RATING_SQL = """
UPDATE csat_surveys SET rating = $2, answered_at = $3, updated_at = $3
 WHERE id = $1 AND rating IS NULL RETURNING id
"""
RECORD_COMMENT_SQL = """
UPDATE csat_surveys SET comment = $2, comment_at = $3, updated_at = $3
 WHERE id = $1 AND comment IS NULL RETURNING id
"""
# The follow-up after a low rating, an outbox row as ``outbound.queue_outbound`` writes one.
QUEUE_FOLLOW_UP_SQL = """
INSERT INTO messages (
    id, hotel_id, conversation_id, chat_id, direction, author, type_message, text, details,
    status, attempts, sources, created_at, updated_at
)
SELECT $1, c.hotel_id, c.id, g.chat_id, 'out', 'system', 'textMessage', $3, '{}'::jsonb,
       'queued', 0, '{}', $4, $4
  FROM conversations c JOIN guests g ON g.id = c.guest_id
 WHERE c.id = $2
"""


async def take_answer(
    db: IngestWork,
    *,
    hotel_id: UUID,
    conversation_id: UUID,
    message_id: UUID,
    text: str | None,
    now: datetime.datetime,
) -> bool:
    """Record a guest message to a resolved conversation as the answer to its survey, if it is one
    (the message itself is stored already). False: it is a normal message."""
    row: Any = await db.fetchrow(LATEST_SURVEY_SQL, conversation_id)
    survey = None if row is None else csat_rules.OpenSurvey(*row[:5])
    answer = csat_rules.read_answer(survey, text, now)
    if answer is None:
        return False
    if answer.rating is not None:
        if await db.fetchrow(RECORD_RATING_SQL, answer.survey_id, answer.rating, now) is None:
            return False
    elif await db.fetchrow(RECORD_COMMENT_SQL, answer.survey_id, answer.comment, now) is None:
        return False
    db.publish(MessageStored(hotel_id=hotel_id, conversation_id=conversation_id, message_id=message_id))
    if answer.needs_follow_up:
        follow_up = UUID(str(uuid7()))
        await db.execute(QUEUE_FOLLOW_UP_SQL, follow_up, conversation_id, csat_follow_up(row[5]), now)
        db.enqueue(send_job(follow_up))
        db.publish(MessageStored(hotel_id=hotel_id, conversation_id=conversation_id, message_id=follow_up))
    if answer.comment is not None and survey is not None and survey.rating is not None:
        db.publish(
            FeedbackReceived(
                hotel_id=hotel_id,
                conversation_id=conversation_id,
                survey_id=answer.survey_id,
                rating=survey.rating,
            )
        )
    return True


@dataclass(frozen=True, slots=True)
class Feedback:
    """A low rating on the managers' list."""

    survey_id: UUID
    conversation_id: UUID
    guest_name: str
    rating: int
    answered_at: datetime.datetime | None
    comment: str | None
    attributed_to: str
    staff_name: str | None


async def low_ratings(session: AsyncSession, hotel_id: UUID, limit: int = 200) -> list[Feedback]:
    """The hotel's ratings of 1 and 2, newest first, with what the guest said."""
    rows = await session.execute(
        select(CsatSurvey, Guest.name, Guest.phone, StaffUser.name)
        .join(Conversation, Conversation.id == CsatSurvey.conversation_id)
        .join(Guest, Guest.id == Conversation.guest_id)
        .outerjoin(StaffUser, StaffUser.id == CsatSurvey.staff_id)
        .where(
            CsatSurvey.hotel_id == hotel_id,
            Conversation.hotel_id == hotel_id,
            CsatSurvey.rating <= csat_rules.LOW_RATING,
        )
        .order_by(CsatSurvey.answered_at.desc())
        .limit(limit)
    )
    return [
        Feedback(
            survey_id=survey.id,
            conversation_id=survey.conversation_id,
            guest_name=name or phone,
            rating=survey.rating or 0,
            answered_at=survey.answered_at,
            comment=survey.comment,
            attributed_to=survey.attributed_to,
            staff_name=staff_name,
        )
        for survey, name, phone, staff_name in rows
    ]

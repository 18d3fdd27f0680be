"""Knowledge gaps: the guests' questions the AI handed off because the knowledge had no answer.

They are read from the AI's hand-offs, as recorded: a ``state_transitions`` row with reason
``not_in_knowledge`` (the hand-off tool's reason, ``domain/assistant/prompt.py``), and the guest's
last message before it. Questions with the same ``rules.question_key`` form one gap. Writing the
missing entry records a ``KnowledgeGapResolution``, which hides that gap's questions asked up to
then; asked again afterwards (the new entry did not answer it), it is a gap again.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.conversations.models import Author, Message, State, StateTransition
from domain.errors import Invalid
from domain.knowledge.models import KnowledgeGapResolution
from domain.knowledge.rules import MAX_QUESTION_KEY, question_key

NOT_IN_KNOWLEDGE = "not_in_knowledge"
#: the newest hand-offs read (a hotel's gaps are counted over these)
RECENT_HAND_OFFS = 2000
MAX_QUESTION = 300


@dataclass(slots=True)
class Gap:
    key: str
    #: the latest wording the guests used
    question: str
    last_asked: datetime.datetime
    count: int = 1


def _clip(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= MAX_QUESTION else flat[: MAX_QUESTION - 1] + "…"


async def list_gaps(session: AsyncSession, hotel_id: UUID) -> list[Gap]:
    """Open gaps, the most recently asked first."""
    question = (
        select(Message.text)
        .where(
            Message.conversation_id == StateTransition.conversation_id,
            Message.hotel_id == hotel_id,
            Message.author == Author.GUEST,
            Message.created_at <= StateTransition.created_at,
        )
        .order_by(Message.created_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(StateTransition.created_at, question.label("question"))
        .where(
            StateTransition.hotel_id == hotel_id,
            StateTransition.reason == NOT_IN_KNOWLEDGE,
            StateTransition.to_state == State.NEEDS_HUMAN,
        )
        .order_by(StateTransition.created_at.desc())
        .limit(RECENT_HAND_OFFS)
    )
    resolutions = await session.execute(
        select(KnowledgeGapResolution.question_key, KnowledgeGapResolution.resolved_at).where(
            KnowledgeGapResolution.hotel_id == hotel_id
        )
    )
    resolved = dict(resolutions.tuples().all())
    gaps: dict[str, Gap] = {}
    for asked_at, text in rows.tuples():
        if not text or not text.strip():
            continue
        key = question_key(text)
        if not key or (key in resolved and asked_at <= resolved[key]):
            continue
        if key in gaps:  # rows come newest first: the first one seen is the latest wording
            gaps[key].count += 1
        else:
            gaps[key] = Gap(key, _clip(text), asked_at)
    return list(gaps.values())


async def resolve_gap(
    session: AsyncSession, hotel_id: UUID, key: str, entry_id: UUID | None, staff_id: UUID | None
) -> None:
    """The gap ``key`` is answered now, by ``entry_id`` (in the caller's transaction)."""
    key = key.strip()
    if not key or len(key) > MAX_QUESTION_KEY:
        raise Invalid("that knowledge gap is not known")
    now = datetime.datetime.now(datetime.UTC)
    statement = insert(KnowledgeGapResolution).values(
        hotel_id=hotel_id, question_key=key, resolved_at=now, entry_id=entry_id, staff_id=staff_id
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["hotel_id", "question_key"],
            set_={"resolved_at": now, "entry_id": entry_id, "staff_id": staff_id, "updated_at": now},
        )
    )

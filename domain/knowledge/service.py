"""The hotel's knowledge: what is valid today, and selection when it outgrows the prompt budget."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.assistant.prompt import KnowledgeItem
from domain.assistant.rules import estimate_tokens
from domain.knowledge.models import KnowledgeEntry
from domain.knowledge.rules import EntryDraft

SEARCH_CONFIGS = {
    "en": "english",
    "de": "german",
    "es": "spanish",
    "fr": "french",
    "ru": "russian",
    "it": "italian",
}


def search_config_for(language: str) -> str:
    return SEARCH_CONFIGS.get(language, "simple")


def entry_columns(draft: EntryDraft) -> dict[str, Any]:
    """The stored columns of an entry as ``draft`` says (the search vector is the database's)."""
    return {
        "title": draft.title,
        "body": draft.body,
        "language": draft.language,
        "search_config": search_config_for(draft.language),
        "valid_from": draft.valid_from,
        "valid_until": draft.valid_until,
        "tags": list(draft.tags),
    }


def _valid_on(today: datetime.date) -> list[ColumnElement[bool]]:
    return [
        or_(KnowledgeEntry.valid_from.is_(None), KnowledgeEntry.valid_from <= today),
        or_(KnowledgeEntry.valid_until.is_(None), KnowledgeEntry.valid_until >= today),
    ]


async def current_entries(session: AsyncSession, hotel_id: UUID, today: datetime.date) -> list[KnowledgeItem]:
    rows = await session.execute(
        select(KnowledgeEntry.id, KnowledgeEntry.title, KnowledgeEntry.body)
        .where(KnowledgeEntry.hotel_id == hotel_id, *_valid_on(today))
        .order_by(KnowledgeEntry.title, KnowledgeEntry.id)
    )
    return [KnowledgeItem(row.id, row.title, row.body) for row in rows]


def _tokens(entry: KnowledgeItem) -> int:
    return estimate_tokens(entry.title) + estimate_tokens(entry.body) + 8


def total_tokens(entries: Sequence[KnowledgeItem]) -> int:
    return sum(_tokens(entry) for entry in entries)


def within_budget(entries: Sequence[KnowledgeItem], budget: int) -> list[KnowledgeItem]:
    chosen: list[KnowledgeItem] = []
    used = 0
    for entry in entries:
        cost = _tokens(entry)
        if used + cost > budget:
            break
        chosen.append(entry)
        used += cost
    return chosen


async def search_entries(
    session: AsyncSession, hotel_id: UUID, query: str, today: datetime.date, limit: int = 12
) -> list[KnowledgeItem]:
    """Full-text search over the entries valid today; keywords are OR-ed."""
    words = [word for word in query.replace('"', " ").split() if word.isalnum() or "-" in word]
    if not words:
        return []
    tsquery = func.websearch_to_tsquery(KnowledgeEntry.search_config, " or ".join(words))
    rank = func.ts_rank(KnowledgeEntry.search, tsquery)
    rows = await session.execute(
        select(KnowledgeEntry.id, KnowledgeEntry.title, KnowledgeEntry.body)
        .where(
            KnowledgeEntry.hotel_id == hotel_id, KnowledgeEntry.search.op("@@")(tsquery), *_valid_on(today)
        )
        .order_by(rank.desc(), KnowledgeEntry.title)
        .limit(limit)
    )
    return [KnowledgeItem(row.id, row.title, row.body) for row in rows]


async def import_entries(
    session: AsyncSession, hotel_id: UUID, drafts: Sequence[EntryDraft], *, replace: bool = False
) -> int:
    """Add entries (or replace the hotel's whole knowledge base) in the caller's transaction."""
    if replace:
        await session.execute(delete(KnowledgeEntry).where(KnowledgeEntry.hotel_id == hotel_id))
    for draft in drafts:
        session.add(KnowledgeEntry(hotel_id=hotel_id, **entry_columns(draft)))
    await session.flush()
    return len(drafts)

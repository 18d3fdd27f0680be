"""The admin's use cases on a hotel's knowledge: list, write, edit, delete, import, export.

Every lookup is scoped by the acting hotel: another hotel's entry is "not found".
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from uuid import UUID

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import NotFound
from domain.knowledge.importer import EntryProblem, ReadEntries
from domain.knowledge.models import KnowledgeEntry
from domain.knowledge.rules import EntryDraft, InvalidEntry, Validity, check_entry, validity
from domain.knowledge.service import entry_columns

MAX_QUERY = 200


class EntryNotFound(NotFound):
    pass


@dataclass(frozen=True, slots=True)
class EntryRow:
    entry: KnowledgeEntry
    validity: Validity

    @classmethod
    def of(cls, entry: KnowledgeEntry, today: datetime.date) -> EntryRow:
        return cls(entry, validity(entry.valid_from, entry.valid_until, today))


def draft_of(entry: KnowledgeEntry) -> EntryDraft:
    return EntryDraft(
        entry.title, entry.body, entry.language, entry.valid_from, entry.valid_until, tuple(entry.tags)
    )


_BY_TITLE = (func.lower(KnowledgeEntry.title), KnowledgeEntry.id)


def _of_hotel(hotel_id: UUID) -> Select[KnowledgeEntry]:
    return select(KnowledgeEntry).where(KnowledgeEntry.hotel_id == hotel_id)


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def list_entries(
    session: AsyncSession, hotel_id: UUID, today: datetime.date, *, query: str = "", tag: str = ""
) -> list[EntryRow]:
    """The hotel's entries by title; ``query`` finds words in the title or text (every word must
    appear, as a word stem or a part of one), ``tag`` keeps the entries with that tag."""
    statement = _of_hotel(hotel_id)
    for word in query[:MAX_QUERY].split():
        stemmed = KnowledgeEntry.search.op("@@")(func.plainto_tsquery(KnowledgeEntry.search_config, word))
        statement = statement.where(
            or_(
                KnowledgeEntry.title.ilike(_like(word), escape="\\"),
                KnowledgeEntry.body.ilike(_like(word), escape="\\"),
                stemmed,
            )
        )
    if tag.strip():
        statement = statement.where(KnowledgeEntry.tags.any(tag.strip().casefold()))  # type: ignore[arg-type]
    rows = await session.execute(statement.order_by(*_BY_TITLE))
    return [EntryRow.of(entry, today) for entry in rows.scalars()]


async def hotel_tags(session: AsyncSession, hotel_id: UUID) -> list[str]:
    tag = func.unnest(KnowledgeEntry.tags).label("tag")
    rows = await session.execute(select(tag).where(KnowledgeEntry.hotel_id == hotel_id).distinct())
    return sorted(str(row) for row in rows.scalars())


async def get_entry(session: AsyncSession, hotel_id: UUID, entry_id: UUID) -> KnowledgeEntry:
    entry = await session.scalar(
        select(KnowledgeEntry).where(KnowledgeEntry.id == entry_id, KnowledgeEntry.hotel_id == hotel_id)
    )
    if entry is None:
        raise EntryNotFound(str(entry_id))
    return entry


def _write(entry: KnowledgeEntry, draft: EntryDraft) -> None:
    for name, value in entry_columns(draft).items():
        setattr(entry, name, value)


async def create_entry(session: AsyncSession, hotel_id: UUID, draft: EntryDraft) -> KnowledgeEntry:
    entry = KnowledgeEntry(hotel_id=hotel_id, **entry_columns(check_entry(draft)))
    session.add(entry)
    await session.flush()
    return entry


async def update_entry(
    session: AsyncSession, hotel_id: UUID, entry_id: UUID, draft: EntryDraft
) -> KnowledgeEntry:
    checked = check_entry(draft)
    entry = await get_entry(session, hotel_id, entry_id)
    _write(entry, checked)
    await session.flush()
    await session.refresh(entry)  # the search vector is the database's to compute
    return entry


async def delete_entry(session: AsyncSession, hotel_id: UUID, entry_id: UUID) -> None:
    entry = await get_entry(session, hotel_id, entry_id)
    await session.delete(entry)
    await session.flush()


async def export_entries(session: AsyncSession, hotel_id: UUID) -> list[EntryDraft]:
    rows = await session.execute(_of_hotel(hotel_id).order_by(*_BY_TITLE))
    return [draft_of(entry) for entry in rows.scalars()]


# --------------------------------------------------------------------------- import


@dataclass(frozen=True, slots=True)
class Change:
    draft: EntryDraft
    entry: KnowledgeEntry | None  # the entry an update changes; None for a new one


@dataclass(slots=True)
class ImportPlan:
    """What an import will do: entries are matched to the hotel's by title (case ignored)."""

    create: list[Change] = field(default_factory=list)
    update: list[Change] = field(default_factory=list)
    unchanged: list[EntryDraft] = field(default_factory=list)
    problems: list[EntryProblem] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return len(self.create) + len(self.update)


async def plan_import(session: AsyncSession, hotel_id: UUID, read: ReadEntries) -> ImportPlan:
    rows = await session.execute(_of_hotel(hotel_id).order_by(KnowledgeEntry.created_at, KnowledgeEntry.id))
    by_title: dict[str, KnowledgeEntry] = {}
    for entry in rows.scalars():
        by_title.setdefault(entry.title.casefold(), entry)  # the oldest of any duplicates
    plan = ImportPlan(problems=list(read.problems))
    seen: set[str] = set()
    for number, draft in zip(read.numbers, read.entries, strict=True):
        key = draft.title.casefold()
        if key in seen:
            plan.problems.append(
                EntryProblem(number, draft.title, "the file holds this title more than once")
            )
            continue
        seen.add(key)
        existing = by_title.get(key)
        if existing is None:
            plan.create.append(Change(draft, None))
        elif draft_of(existing) == draft:
            plan.unchanged.append(draft)
        else:
            plan.update.append(Change(draft, existing))
    return plan


async def apply_import(session: AsyncSession, hotel_id: UUID, read: ReadEntries) -> ImportPlan:
    """Create and update what the plan says, in the caller's transaction; a file with problems
    imports nothing (the admin fixes it and uploads it again)."""
    plan = await plan_import(session, hotel_id, read)
    if plan.problems:
        first = plan.problems[0]
        raise InvalidEntry(f"entry {first.number}: {first.reason}; nothing was imported")
    for change in plan.create:
        session.add(KnowledgeEntry(hotel_id=hotel_id, **entry_columns(change.draft)))
    for change in plan.update:
        assert change.entry is not None
        _write(change.entry, change.draft)
    await session.flush()
    return plan

"""Saved replies: canned answers with a short code, per hotel and language."""

from __future__ import annotations

import re
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Invalid, NotFound
from domain.saved_replies.models import SavedReply
from domain.uow import UnitOfWork

SHORTCUT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
LANGUAGE = re.compile(r"^[a-z]{2}$")
MAX_TEXT = 2000


class InvalidSavedReply(Invalid):
    pass


class SavedReplyNotFound(NotFound):
    pass


async def list_saved_replies(session: AsyncSession, hotel_id: UUID) -> list[SavedReply]:
    rows = await session.execute(
        select(SavedReply)
        .where(SavedReply.hotel_id == hotel_id)
        .order_by(SavedReply.shortcut, SavedReply.language)
    )
    return list(rows.scalars())


async def save_reply(uow: UnitOfWork, hotel_id: UUID, shortcut: str, language: str, text: str) -> SavedReply:
    shortcut, language, text = shortcut.strip().lower().lstrip("/"), language.strip().lower(), text.strip()
    if not SHORTCUT.match(shortcut):
        raise InvalidSavedReply("a short code is 1-40 lowercase letters, digits, - or _")
    if not LANGUAGE.match(language):
        raise InvalidSavedReply("the language is a two-letter code such as en or de")
    if not text or len(text) > MAX_TEXT:
        raise InvalidSavedReply(f"the text must have 1 to {MAX_TEXT} characters")
    session = uow.session
    existing = await session.scalar(
        select(SavedReply).where(
            SavedReply.hotel_id == hotel_id, SavedReply.shortcut == shortcut, SavedReply.language == language
        )
    )
    if existing is None:
        existing = SavedReply(hotel_id=hotel_id, shortcut=shortcut, language=language, text=text)
        session.add(existing)
    existing.text = text
    return existing


async def delete_saved_reply(uow: UnitOfWork, hotel_id: UUID, reply_id: UUID) -> None:
    result = await uow.session.execute(
        delete(SavedReply).where(SavedReply.id == reply_id, SavedReply.hotel_id == hotel_id)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise SavedReplyNotFound("no such saved reply at this hotel")

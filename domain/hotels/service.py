"""Hotels as the webhook sees them (found by Green API instance, checked by token), and the
settings their admins edit."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any
from uuid import UUID

from sqlalchemy import Text, null, select, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit.service import record
from domain.crypto import SecretUndecryptable, decrypt
from domain.errors import NotFound
from domain.hotels.models import Hotel
from domain.hotels.rules import HotelSettings
from domain.uow import UnitOfWork


class HotelSecretsUnreadable(SecretUndecryptable):
    """The hotel exists, but its stored webhook token does not decrypt with SECRET_KEY."""

    def __init__(self, hotel_id: UUID, slug: str):
        super().__init__()
        self.hotel_id = hotel_id
        self.slug = slug


@dataclass(frozen=True, slots=True)
class WebhookHotel:
    id: UUID
    webhook_token: str
    ai_enabled: bool


async def find_by_instance(session: AsyncSession, id_instance: int) -> WebhookHotel | None:
    """The hotel of a Green API instance, with its webhook token in the clear (and nothing else
    decrypted); ``HotelSecretsUnreadable`` when SECRET_KEY cannot open the token."""
    columns = select(Hotel.id, Hotel.slug, Hotel.ai_enabled, type_coerce(Hotel.webhook_token, Text))
    row = (await session.execute(columns.where(Hotel.green_api_instance_id == id_instance))).one_or_none()
    if row is None:
        return None
    hotel_id, slug, ai_enabled, stored_token = row
    try:
        token = decrypt(stored_token)
    except SecretUndecryptable as exc:
        raise HotelSecretsUnreadable(hotel_id, slug) from exc
    return WebhookHotel(hotel_id, token, ai_enabled)


def token_matches(authorization: str | None, expected: str) -> bool:
    """``Authorization: Bearer <token>`` or the bare token, compared in constant time."""
    if not authorization or not expected:
        return False
    scheme, _, rest = authorization.strip().partition(" ")
    presented = rest.strip() if scheme.lower() == "bearer" and rest else authorization.strip()
    return hmac.compare_digest(presented.encode(), expected.encode())


async def hotel_timezone(session: AsyncSession, hotel_id: UUID) -> str:
    """The hotel's IANA time zone ("today" in the inbox and the timestamps staff read)."""
    return await session.scalar(select(Hotel.timezone).where(Hotel.id == hotel_id)) or "UTC"


class HotelNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("no such hotel")


async def hotel_row(session: AsyncSession, hotel_id: UUID, *columns: Any) -> tuple[Any, ...]:
    """These columns of the hotel; ``HotelNotFound`` if there is none."""
    row = (await session.execute(select(*columns).where(Hotel.id == hotel_id))).one_or_none()
    if row is None:
        raise HotelNotFound
    return tuple(row)


async def update_hotel(session: AsyncSession, hotel_id: UUID, values: Mapping[str, Any]) -> None:
    """Store these columns of the hotel; ``HotelNotFound`` if there is none."""
    updated = await session.execute(update(Hotel).where(Hotel.id == hotel_id).values(**values))
    if updated.rowcount == 0:  # type: ignore[attr-defined]
        raise HotelNotFound


async def hotel_settings(session: AsyncSession, hotel_id: UUID) -> HotelSettings:
    """What the admin edits, as stored (no secret is read, so none needs decrypting): each field
    of ``HotelSettings`` is the hotel's column of its name."""
    names = [f.name for f in fields(HotelSettings)]
    row = await hotel_row(session, hotel_id, *(getattr(Hotel, name) for name in names))
    values = dict(zip(names, row, strict=True))
    for name in ("languages", "restricted_topics", "draft_topics"):
        values[name] = tuple(values[name] or ())
    return HotelSettings(**values)


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """What the audit log says changed: ``{field: {"from": old, "to": new}}``."""
    return {
        name: {"from": before.get(name), "to": value}
        for name, value in after.items()
        if before.get(name) != value
    }


async def save_settings(
    uow: UnitOfWork, hotel_id: UUID, settings: HotelSettings, by: UUID | None = None
) -> None:
    """Store settings that passed ``rules.check_settings`` for the acting hotel; what changed goes
    to its audit log (``by``: the admin)."""
    before = await hotel_settings(uow.session, hotel_id)
    values = asdict(settings)
    for name in ("languages", "restricted_topics", "draft_topics"):
        values[name] = list(values[name])
    if settings.business_hours is None:
        # JSON null, not SQL NULL, would be "hours that are null": around the clock is no value.
        values["business_hours"] = null()
    await update_hotel(uow.session, hotel_id, values)
    changed = changes(asdict(before), asdict(settings))
    if changed:
        await record(uow, hotel_id, by, "settings.updated", "hotel settings", changed)

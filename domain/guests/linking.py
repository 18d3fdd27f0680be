"""Learning that two WhatsApp ids are one person, in the worker (docs/external-apis.md §A9).

Green API's ``checkWhatsapp`` answers the chat id of a number: the person's lid, once WhatsApp gave
them one. A webhook may name the number behind a lid, and an echo or a status may name a send of
ours by the lid of the number we sent to. An id learnt so becomes the guest's ``alt_chat_id``,
unless another guest already goes by it: then both are one person, and ``merge_guests`` makes them
one guest with one conversation. Never on the webhook's path: this waits on Green API.
"""

from __future__ import annotations

import datetime
import enum
import logging
from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.conversations.outbox import OutboxDeps, credentials
from domain.events import GuestLinked
from domain.guests import chat_ids
from domain.guests.merging import merge_guests
from domain.guests.models import Guest
from domain.guests.repository import find_by_chat_id
from domain.hotels.models import Hotel
from domain.integrations.green_api import GreenApiPermanentError, GreenApiTransientError
from domain.ports import Dispatcher, link_guest_job
from domain.uow import UnitOfWork

log = logging.getLogger(__name__)


class LinkOutcome(enum.StrEnum):
    LINKED = "linked"  # the guest has their other id now
    MERGED = "merged"  # two guests were one person; now they are one guest
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"  # no such guest (any more)
    RETRY = "retry"


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


async def link_guest_ids(
    deps: OutboxDeps, guest_id: UUID, seen: Sequence[str], *, final_attempt: bool
) -> LinkOutcome:
    """Give the guest the other id ``seen`` names, or Green API's ``checkWhatsapp`` does."""
    async with deps.sessions() as session:
        row = (
            await session.execute(
                select(Guest, Hotel).join(Hotel, Hotel.id == Guest.hotel_id).where(Guest.id == guest_id)
            )
        ).one_or_none()
    if row is None:
        return LinkOutcome.SKIPPED
    guest, hotel = row
    learnt = [chat_id for chat_id in seen if chat_id not in guest.chat_ids]
    number = guest.phone_number.removeprefix("+") if guest.phone_number else None
    # Asked once per guest: a group has no other id, a lid whose number is unknown nothing to ask.
    ask = guest.ids_checked_at is None and not guest.is_group and guest.lid is None and number is not None
    mark_checked = guest.ids_checked_at is None
    instance = credentials(hotel, deps.default_green_api_url)
    if ask and number is not None and instance is not None:
        try:
            answer = await deps.gateway.check_whatsapp(instance, number)
        except GreenApiTransientError as exc:
            if not final_attempt:
                log.info("checkWhatsapp for guest %s will be retried: %s", guest_id, exc)
                return LinkOutcome.RETRY
            mark_checked = False  # given up for now: the guest's next message asks again
        except GreenApiPermanentError as exc:
            log.warning("checkWhatsapp refused for guest %s: %s", guest_id, exc)
        else:
            if answer.exists and answer.chat_id and answer.chat_id not in guest.chat_ids:
                learnt.append(answer.chat_id)
    async with UnitOfWork(deps.sessions, deps.dispatcher) as uow:
        return await _apply(uow, guest_id, learnt, mark_checked=mark_checked)


async def _apply(uow: UnitOfWork, guest_id: UUID, learnt: list[str], *, mark_checked: bool) -> LinkOutcome:
    guest = await uow.session.get(Guest, guest_id)
    if guest is None:
        return LinkOutcome.SKIPPED
    for other_id in learnt:
        twin = await find_by_chat_id(uow.session, guest.hotel_id, other_id)
        if twin is not None and twin.id != guest.id:
            kept = await merge_guests(uow, guest.id, twin.id)
            if kept is None:
                return LinkOutcome.SKIPPED
            if mark_checked:
                kept.ids_checked_at = _now()
            log.info("guests %s and %s are one person (%s): merged", guest.id, twin.id, other_id)
            return LinkOutcome.MERGED
    locked = (
        await uow.session.execute(
            select(Guest)
            .where(Guest.id == guest_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if locked is None:
        return LinkOutcome.SKIPPED
    if mark_checked and locked.ids_checked_at is None:
        locked.ids_checked_at = _now()
    new_id = next((c for c in learnt if c not in locked.chat_ids), None)
    if new_id is None or locked.alt_chat_id is not None:
        return LinkOutcome.UNCHANGED
    locked.alt_chat_id = new_id
    if locked.phone_number is None and chat_ids.number_of(new_id):
        locked.phone = chat_ids.phone_of(new_id)
    uow.publish(GuestLinked(hotel_id=locked.hotel_id, guest_id=locked.id))
    log.info("guest %s is also %s", locked.id, new_id)
    return LinkOutcome.LINKED


async def sweep_unchecked_guests(
    sessions: async_sessionmaker[AsyncSession],
    dispatcher: Dispatcher,
    *,
    older_than: datetime.timedelta,
    within: datetime.timedelta = datetime.timedelta(days=1),
) -> int:
    """Link jobs for guests of the last day whose ids were never checked (a job was lost). Older
    ones are checked when they next write."""
    now = _now()
    async with UnitOfWork(sessions, dispatcher) as uow:
        guests = (
            await uow.session.execute(
                select(Guest.id, Guest.chat_id)
                .where(
                    Guest.ids_checked_at.is_(None),
                    Guest.created_at < now - older_than,
                    Guest.created_at > now - within,
                )
                .limit(100)
            )
        ).all()
        for guest_id, chat_id in guests:
            uow.enqueue(link_guest_job(guest_id, [chat_id]))
    return len(guests)

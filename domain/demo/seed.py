"""``hotelbot seed``: generated hotels with weeks of history, written through PostgreSQL COPY.

Hotels, staff and knowledge go through the ORM (their tokens are encrypted, the staff share one
password hash); guests, conversations, messages and the rest come from ``generator`` and are
written with asyncpg's ``copy_records_to_table`` on the same connection, in the same transaction:
a failed seed leaves nothing behind. ``history`` adds the same kind of history to one hotel that
exists (the demo's), every conversation resolved.
"""

from __future__ import annotations

import datetime
import hashlib
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.demo import generator
from domain.demo.generator import HotelGenerator, HotelPlan, Rows, StaffSeat, Window
from domain.demo.texts import LANGUAGES, NAMES
from domain.errors import Conflict, Invalid
from domain.hotels.models import Hotel
from domain.knowledge.models import KnowledgeEntry
from domain.knowledge.rules import EntryDraft
from domain.knowledge.service import import_entries
from domain.staff.models import Membership, Role, StaffUser
from domain.staff.passwords import hash_password

DEFAULT_PASSWORD = "seeded-staff-2026"  # noqa: S105 - generated demo data, printed by the command
BATCH = 2000  # conversations per COPY round
MAX_HOTELS = 500
MAX_CONVERSATIONS = 5_000_000
MAX_DAYS = 3650

# City, local language, timezone: where generated hotels are.
CITIES = (
    ("Berlin", "de", "Europe/Berlin"),
    ("Paris", "fr", "Europe/Paris"),
    ("Madrid", "es", "Europe/Madrid"),
    ("Rome", "it", "Europe/Rome"),
    ("Amsterdam", "nl", "Europe/Amsterdam"),
    ("Lisbon", "pt", "Europe/Lisbon"),
    ("London", "en", "Europe/London"),
    ("Vienna", "de", "Europe/Vienna"),
    ("Barcelona", "es", "Europe/Madrid"),
    ("Milan", "it", "Europe/Rome"),
    ("Lyon", "fr", "Europe/Paris"),
    ("Munich", "de", "Europe/Berlin"),
    ("Dublin", "en", "Europe/Dublin"),
    ("Porto", "pt", "Europe/Lisbon"),
    ("Riga", "ru", "Europe/Riga"),
    ("Edinburgh", "en", "Europe/London"),
    ("Florence", "it", "Europe/Rome"),
    ("Hamburg", "de", "Europe/Berlin"),
    ("Seville", "es", "Europe/Madrid"),
    ("Prague", "en", "Europe/Prague"),
)
KINDS = (
    "Grand",
    "Garden",
    "Central",
    "Harbour",
    "Park",
    "Old Town",
    "Riverside",
    "Station",
    "Royal",
    "Plaza",
)


@dataclass(frozen=True, slots=True)
class SeedOptions:
    hotels: int = 2
    conversations: int = 100  # in all, spread over the hotels
    days: int = 60
    seed: int = 1
    end: datetime.datetime | None = None  # the history ends here (default: now)
    password: str = DEFAULT_PASSWORD
    prefix: str = "seed"  # hotel slugs are <prefix>-<city>-<n>

    def check(self) -> None:
        if not 1 <= self.hotels <= MAX_HOTELS:
            raise Invalid(f"--hotels must be between 1 and {MAX_HOTELS}")
        if not 0 <= self.conversations <= MAX_CONVERSATIONS:
            raise Invalid(f"--conversations must be between 0 and {MAX_CONVERSATIONS:,}")
        if not 1 <= self.days <= MAX_DAYS:
            raise Invalid(f"--days must be between 1 and {MAX_DAYS}")
        if not self.prefix or not all(ch.isascii() and (ch.isalnum() or ch == "-") for ch in self.prefix):
            raise Invalid("--prefix may hold only ASCII letters, digits and '-'")


@dataclass(slots=True)
class SeedReport:
    hotels: list[tuple[str, str]] = field(default_factory=list)  # slug, name
    staff: list[tuple[str, str, str]] = field(default_factory=list)  # email, hotel slug, role
    rows: dict[str, int] = field(default_factory=dict)


Progress = Callable[[int], None]  # called with the number of conversations just written


def _rng(seed: int, *parts: object) -> random.Random:
    """A generator of its own for each hotel: a hotel's rows do not depend on the ones before it."""
    digest = hashlib.sha256(":".join(str(p) for p in (seed, *parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))  # noqa: S311 - generated data, not secrets


def _languages(local: str, rng: random.Random) -> tuple[tuple[str, float], ...]:
    shares = {language: rng.uniform(0.02, 0.08) for language in LANGUAGES}
    shares["en"] = 0.3
    shares[local] = shares.get(local, 0) + 0.35
    return tuple(shares.items())


def _share(total: int, parts: int, rng: random.Random) -> list[int]:
    """``total`` split over ``parts``, larger and smaller hotels, summing exactly."""
    weights = [rng.uniform(0.6, 1.4) for _ in range(parts)]
    scale = total / sum(weights)
    counts = [int(w * scale) for w in weights]
    for i in range(total - sum(counts)):
        counts[i % parts] += 1
    return counts


async def _driver(session: AsyncSession) -> Any:
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return raw.driver_connection


async def _copy(session: AsyncSession, rows: Rows, report: SeedReport) -> None:
    driver = await _driver(session)
    for table in generator.TABLES:
        records = rows.tables[table]
        if records:
            await driver.copy_records_to_table(table, records=records, columns=generator.COLUMNS[table])
            report.rows[table] = report.rows.get(table, 0) + len(records)
    rows.clear()


async def _knowledge(session: AsyncSession, hotel_id: UUID) -> dict[str, UUID]:
    found = await session.execute(
        select(KnowledgeEntry.title, KnowledgeEntry.id).where(KnowledgeEntry.hotel_id == hotel_id)
    )
    return dict(found.tuples().all())


async def _generate(  # noqa: PLR0917
    session: AsyncSession,
    plan: HotelPlan,
    count: int,
    window: Window,
    rng: random.Random,
    report: SeedReport,
    progress: Progress | None,
    *,
    resolved_only: bool = False,
    taken: set[str] | None = None,
) -> None:
    rows = Rows()
    hotel = HotelGenerator(rng, plan, window, rows, resolved_only=resolved_only, taken=taken)
    pending = 0
    for _ in range(count):
        hotel.conversation()
        pending += 1
        if pending == BATCH:
            await _copy(session, rows, report)
            if progress:
                progress(pending)
            pending = 0
    await _copy(session, rows, report)
    if progress and pending:
        progress(pending)


async def seed(
    session: AsyncSession,
    options: SeedOptions,
    knowledge: Sequence[EntryDraft],
    progress: Progress | None = None,
) -> SeedReport:
    """Hotels with staff, knowledge and history, in the caller's transaction."""
    options.check()
    end = options.end or datetime.datetime.now(datetime.UTC)
    window = Window(end - datetime.timedelta(days=options.days), end)
    report = SeedReport()
    top = _rng(options.seed, "hotels")
    slugs = [
        f"{options.prefix}-{CITIES[i % len(CITIES)][0].lower()}-{i // len(CITIES) + 1}"
        for i in range(options.hotels)
    ]
    taken = (await session.execute(select(Hotel.slug).where(Hotel.slug.in_(slugs)))).scalars().all()
    if taken:
        raise Conflict(f"hotels {', '.join(sorted(taken)[:3])} exist already: seed another --prefix")
    password_hash = hash_password(options.password)
    plans: list[HotelPlan] = []
    for i, slug in enumerate(slugs):
        city, local, zone = CITIES[i % len(CITIES)]
        rng = _rng(options.seed, "hotel", i)
        instance = 7_000_000_000 + int.from_bytes(hashlib.sha256(slug.encode()).digest()[:4], "big")
        name = f"Hotel {KINDS[(i + top.randrange(len(KINDS))) % len(KINDS)]} {city}"
        hotel = Hotel(
            id=generator.uuid7_at(rng, window.start),
            name=name,
            slug=slug,
            green_api_instance_id=instance,
            green_api_token=f"seed-token-{rng.getrandbits(64):016x}",
            webhook_token=f"seed-webhook-{rng.getrandbits(64):016x}",
            persona="Warm, concise and professional.",
            facts=f"{name}, {city}. Reception is open 24/7.",
            languages=sorted({local, "en"}) + [lang for lang in ("fr", "es", "it") if lang != local][:1],
            knowledge_language="en",
            timezone=zone,
            csat_enabled=rng.random() < 0.9,
        )
        session.add(hotel)
        await session.flush()
        await import_entries(session, hotel.id, knowledge)
        seats = await _staff(session, rng, hotel, slug, local, password_hash, report, window.start)
        plans.append(
            HotelPlan(
                id=hotel.id,
                timezone=zone,
                languages=_languages(local, rng),
                agents=seats,
                knowledge=await _knowledge(session, hotel.id),
                csat_enabled=hotel.csat_enabled,
            )
        )
        report.hotels.append((slug, name))
    counts = _share(options.conversations, options.hotels, top)
    for i, (plan, count) in enumerate(zip(plans, counts, strict=True)):
        await _generate(session, plan, count, window, _rng(options.seed, "history", i), report, progress)
    return report


async def _staff(  # noqa: PLR0917
    session: AsyncSession,
    rng: random.Random,
    hotel: Hotel,
    slug: str,
    local: str,
    password_hash: str,
    report: SeedReport,
    since: datetime.datetime,
) -> tuple[StaffSeat, ...]:
    """An admin, a manager and four to eight agents; those who answer guests as seats."""
    given, family = NAMES[local]
    roles = [("admin", Role.ADMIN), ("manager", Role.MANAGER)] + [
        (f"agent{n}", Role.AGENT) for n in range(1, rng.randint(4, 8) + 1)
    ]
    seats: list[StaffSeat] = []
    members: list[Membership] = []
    for handle, role in roles:
        first = rng.choice(given)
        staff = StaffUser(
            id=generator.uuid7_at(rng, since),
            email=f"{handle}@{slug}.example",
            name=f"{first} {rng.choice(family)}",
            password_hash=password_hash,
            is_active=True,
            is_superuser=False,
            language="en",
        )
        session.add(staff)
        members.append(Membership(staff_id=staff.id, hotel_id=hotel.id, role=role))
        report.staff.append((staff.email, slug, role.value))
        if role is not Role.ADMIN:
            seats.append(StaffSeat(staff.id, first))
    await session.flush()  # the accounts before their memberships (no ORM relationship orders them)
    session.add_all(members)
    await session.flush()
    return tuple(seats)


async def history(
    session: AsyncSession,
    hotel_id: UUID,
    *,
    conversations: int,
    days: int,
    end: datetime.datetime,
    seed: int = 1,
    local: str = "en",
) -> SeedReport:
    """Weeks of history for a hotel that exists, answered by its own staff, every conversation
    resolved before ``end``; its guests' numbers are left alone."""
    hotel = (
        await session.execute(select(Hotel.timezone, Hotel.csat_enabled).where(Hotel.id == hotel_id))
    ).one()
    staff = (
        await session.execute(
            select(StaffUser.id, StaffUser.name)
            .join(Membership, Membership.staff_id == StaffUser.id)
            .where(Membership.hotel_id == hotel_id, Membership.role != Role.ADMIN, Membership.is_active)
            .order_by(StaffUser.email)
        )
    ).all()
    if not staff:
        raise Invalid("the hotel has no agents or managers to answer its guests")
    numbers = await session.execute(
        text("SELECT phone FROM guests WHERE hotel_id = :hotel"), {"hotel": hotel_id}
    )
    rng = _rng(seed, "history", hotel_id)
    plan = HotelPlan(
        id=hotel_id,
        timezone=hotel.timezone,
        languages=_languages(local, rng),
        agents=tuple(StaffSeat(staff_id, name.split()[0]) for staff_id, name in staff),
        knowledge=await _knowledge(session, hotel_id),
        csat_enabled=hotel.csat_enabled,
    )
    report = SeedReport()
    window = Window(end - datetime.timedelta(days=days), end)
    taken = {phone.removeprefix("+") for phone in numbers.scalars()}
    await _generate(session, plan, conversations, window, rng, report, None, resolved_only=True, taken=taken)
    return report


async def analyze(session: AsyncSession) -> None:
    """Fresh planner statistics for the tables the seed filled (autovacuum would get there later)."""
    for table in ("hotels", *generator.TABLES):
        await session.execute(text(f"ANALYZE {table}"))

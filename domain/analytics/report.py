"""The analytics report: every figure of docs/analytics.md for a period, per hotel and for the
group of hotels the manager sees. Each figure is one statement of ``queries``; this module only
names the rows (``None`` is the group) and derives rates and costs with ``rules``."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics import queries
from domain.analytics.rules import Period, Prices, cost, rate
from domain.hotels.models import Hotel

Key = UUID | None  # a hotel, or None for the group
Named = TypeVar("Named", "Waits", "Csat", "Cost", "Category", "StaffFigures")


@dataclass(slots=True)
class Waits:
    """Seconds: the median and 90th percentile of the waits answered in the hotel's hours, and
    the median of those that began out of hours, counted apart."""

    answered: int = 0
    median: float | None = None
    p90: float | None = None
    answered_out_of_hours: int = 0
    median_out_of_hours: float | None = None
    unanswered: int = 0
    total: int = 0


@dataclass(slots=True)
class Csat:
    asked: int = 0
    answered: int = 0
    average: float | None = None
    distribution: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)


@dataclass(slots=True)
class Cost:
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cache_hit_tokens: int = 0
    cache_miss_tokens: int = 0
    total: float = 0.0
    conversations: int = 0
    per_conversation: float | None = None

    @property
    def cache_hit_rate(self) -> float | None:
        return rate(self.cache_hit_tokens, self.cache_hit_tokens + self.cache_miss_tokens)


@dataclass(slots=True)
class Figures:
    conversations: int = 0
    guest_messages: int = 0
    ai_messages: int = 0
    staff_messages: int = 0
    system_messages: int = 0
    resolved: int = 0
    automated: int = 0
    handoffs: int = 0
    handed_off: int = 0  # conversations a guest wrote in that were handed off
    stories: int = 0
    ai_first: Waits = field(default_factory=Waits)
    first_reply: Waits = field(default_factory=Waits)
    next_reply: Waits = field(default_factory=Waits)
    sla: dict[str, int] = field(default_factory=lambda: {"first_reply": 0, "next_reply": 0})
    sla_escalated: int = 0
    sla_unanswered: int = 0
    csat: dict[str, Csat] = field(default_factory=lambda: {"ai": Csat(), "staff": Csat()})
    cost: Cost = field(default_factory=Cost)

    @property
    def messages(self) -> int:
        return self.guest_messages + self.ai_messages + self.staff_messages + self.system_messages

    @property
    def automation_rate(self) -> float | None:
        return rate(self.automated, self.resolved)

    @property
    def handoff_rate(self) -> float | None:
        return rate(self.handed_off, self.conversations)

    @property
    def sla_breaches(self) -> int:
        return sum(self.sla.values())


@dataclass(frozen=True, slots=True)
class Day:
    day: datetime.date
    conversations: int = 0
    guest: int = 0
    ai: int = 0
    staff: int = 0
    system: int = 0


@dataclass(frozen=True, slots=True)
class Category:
    category: str
    raised: int
    done: int
    cancelled: int
    median_to_close: float | None


@dataclass(frozen=True, slots=True)
class StaffFigures:
    staff_id: UUID
    name: str
    conversations: int
    replies: int
    first_replies: int
    median_first_reply: float | None
    rated: int
    csat: float | None


@dataclass(slots=True)
class Report:
    period: Period
    hotels: list[queries.HotelInfo]
    prices: Prices
    figures: dict[Key, Figures] = field(default_factory=lambda: defaultdict(Figures))
    days: dict[Key, list[Day]] = field(default_factory=dict)
    reasons: dict[Key, list[tuple[str, int]]] = field(default_factory=lambda: defaultdict(list))
    heatmap: dict[Key, dict[tuple[int, int], int]] = field(default_factory=lambda: defaultdict(dict))
    languages: dict[Key, list[tuple[str, int]]] = field(default_factory=lambda: defaultdict(list))
    categories: dict[Key, list[Category]] = field(default_factory=lambda: defaultdict(list))
    staff: dict[Key, list[StaffFigures]] = field(default_factory=lambda: defaultdict(list))


async def _hotels(session: AsyncSession, hotel_ids: Sequence[UUID]) -> list[queries.HotelInfo]:
    rows = await session.execute(
        select(Hotel.id, Hotel.name, Hotel.slug, Hotel.timezone, Hotel.business_hours)
        .where(Hotel.id.in_(hotel_ids))
        .order_by(Hotel.name)
    )
    return [queries.HotelInfo(*row) for row in rows]


def _key(row: RowMapping) -> Key:
    return None if row["all_hotels"] else row["hotel_id"]


def _named(kind: type[Named], row: RowMapping, **given: Any) -> Named:
    """A ``kind`` whose fields are the row's columns of the same names (a field the statement has
    no column for keeps its default) and ``given``."""
    return kind(**{f.name: row[f.name] for f in fields(kind) if f.name in row}, **given)


def _waits(row: RowMapping) -> Waits:
    return _named(Waits, row, total=row.get("handoffs", row.get("stories", 0)))


def _volume(report: Report, rows: Sequence[RowMapping]) -> None:
    by_day: dict[Key, dict[datetime.date, Day]] = defaultdict(dict)
    for row in rows:
        key = _key(row)
        if row["all_days"]:
            f = report.figures[key]
            f.conversations, f.guest_messages = row["conversations"], row["guest_messages"]
            f.ai_messages, f.staff_messages = row["ai_messages"], row["staff_messages"]
            f.system_messages = row["system_messages"]
        else:
            by_day[key][row["day"]] = Day(
                row["day"],
                row["conversations"],
                row["guest_messages"],
                row["ai_messages"],
                row["staff_messages"],
                row["system_messages"],
            )
    for key in [None, *(h.id for h in report.hotels)]:
        seen = by_day.get(key, {})
        report.days[key] = [seen.get(day, Day(day)) for day in report.period.dates()]


def _cost(prices: Prices, row: RowMapping) -> Cost:
    def priced(hit: str, miss: str, output: str) -> float:
        return cost(prices, cache_hit_tokens=row[hit], cache_miss_tokens=row[miss], output_tokens=row[output])

    total = priced("cache_hit_tokens", "cache_miss_tokens", "completion_tokens")
    per_conversation = rate(priced("conv_hit", "conv_miss", "conv_output"), row["conversations"])
    return _named(Cost, row, total=total, per_conversation=per_conversation)


def _take(report: Report, name: str, rows: Sequence[RowMapping]) -> None:
    """Put the rows of statement ``name`` where the report keeps them."""
    for row in rows:
        key = _key(row)
        f = report.figures[key]
        if name == "handoffs":
            if row["all_reasons"]:
                f.handoffs, f.handed_off = row["handoffs"], row["active_conversations"]
            else:
                report.reasons[key].append((row["reason"], row["handoffs"]))
        elif name == "automation":
            f.resolved, f.automated = row["resolved"], row["automated"]
        elif name == "ai_first_response":
            f.ai_first, f.stories = _waits(row), row["stories"]
        elif name == "first_reply":
            f.first_reply = _waits(row)
        elif name == "next_reply":
            f.next_reply = _waits(row)
        elif name == "sla":
            if row["all_kinds"]:
                f.sla_escalated, f.sla_unanswered = row["escalated"], row["unanswered"]
            else:
                f.sla[row["kind"]] = row["breaches"]
        elif name == "csat":
            distribution = (row["r1"], row["r2"], row["r3"], row["r4"], row["r5"])
            f.csat[row["attributed_to"]] = _named(Csat, row, distribution=distribution)
        elif name == "cost":
            f.cost = _cost(report.prices, row)
        elif name == "heatmap":
            report.heatmap[key][(row["weekday"], row["hour"])] = row["messages"]
        elif name == "languages":
            report.languages[key].append((row["language"], row["conversations"]))
        elif name == "requests" and not row["all_categories"]:
            report.categories[key].append(_named(Category, row))
        elif name == "staff":
            report.staff[key].append(_named(StaffFigures, row))


async def load_report(
    session: AsyncSession, hotel_ids: Sequence[UUID], period: Period, prices: Prices
) -> Report:
    """Every figure for ``period`` at each of ``hotel_ids`` and for all of them together (the
    caller has checked the manager may see each of them)."""
    await queries.without_jit(session)
    hotels = await _hotels(session, hotel_ids)
    report = Report(period, hotels, prices)
    params = queries.parameters(hotels, period)
    _volume(report, await queries.run(session, "volume", params))
    for name in queries.STATEMENTS:
        if name != "volume":
            _take(report, name, await queries.run(session, name, params))
    for counted in [*report.reasons.values(), *report.languages.values()]:
        counted.sort(key=lambda pair: (-pair[1], pair[0]))  # the most first, then by name
    for categories in report.categories.values():
        categories.sort(key=lambda c: (-c.raised, c.category))
    return report


async def scope_parameters(
    session: AsyncSession, hotel_ids: Sequence[UUID], period: Period
) -> dict[str, Any]:
    """The bound values of the statements (``queries.parameters``), JIT off for the transaction."""
    await queries.without_jit(session)
    return queries.parameters(await _hotels(session, hotel_ids), period)

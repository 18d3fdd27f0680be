"""CSV exports of the analytics: the daily aggregates, the headline figures per hotel, and one row
per conversation. Every cell goes through ``rules.csv_cell`` (no formulas reach a spreadsheet);
no column holds a secret (the hotels' tokens and keys are never read here)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from uuid import UUID

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.conversations import Filter, conversations_behind
from domain.analytics.report import Figures, Report, load_report, scope_parameters
from domain.analytics.rules import InvalidPeriod, Period, Prices, csv_cell
from domain.settings import Settings

KINDS = ("daily", "summary", "conversations")

DAILY_COLUMNS = (
    "date", "hotel", "conversations", "guest_messages", "ai_messages", "staff_messages", "system_messages",
)  # fmt: skip
CONVERSATION_COLUMNS = (
    "conversation_id", "hotel", "guest", "language", "state", "last_message_at", "guest_messages",
    "ai_messages", "staff_messages", "handoffs", "handoff_reason", "resolves", "sla_breaches", "csat",
    "service_requests", "llm_tokens",
)  # fmt: skip
# The statement's name for each of them.
CONVERSATION_FIELDS = (
    "id", "hotel_slug", "guest_name", "language", "state", "last_message_at", "guest_messages",
    "ai_messages", "staff_messages", "handoffs", "handoff_reason", "resolves", "sla_breaches", "csat",
    "service_requests", "llm_tokens",
)  # fmt: skip


def prices(settings: Settings) -> Prices:
    return Prices(
        settings.llm_price_input_cache_hit_per_mtok,
        settings.llm_price_input_cache_miss_per_mtok,
        settings.llm_price_output_per_mtok,
        settings.llm_price_currency,
    )


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return out.getvalue().encode()


def _conversation_cells(row: RowMapping) -> list[object]:
    last = row["last_message_at"]
    values = {**row, "last_message_at": last.isoformat() if last else None}
    return [values[name] for name in CONVERSATION_FIELDS]


def _hotels(report: Report) -> list[tuple[UUID | None, str]]:
    return [*((h.id, h.slug) for h in report.hotels), (None, "all")]


def daily(report: Report) -> bytes:
    rows = [
        (d.day.isoformat(), slug, d.conversations, d.guest, d.ai, d.staff, d.system)
        for key, slug in _hotels(report)
        for d in report.days[key]
    ]
    return _csv(DAILY_COLUMNS, rows)


def _summary_row(slug: str, f: Figures) -> tuple[object, ...]:
    return (
        slug, f.conversations, f.messages, f.resolved, f.automated, f.automation_rate, f.handoffs,
        f.handoff_rate, f.ai_first.median, f.first_reply.median, f.first_reply.median_out_of_hours,
        f.first_reply.unanswered, f.next_reply.median, f.sla_breaches, f.csat["ai"].average,
        f.csat["ai"].answered, f.csat["staff"].average, f.csat["staff"].answered,
        f.cost.prompt_tokens, f.cost.completion_tokens, f.cost.cache_hit_rate, f.cost.total,
        f.cost.per_conversation,
    )  # fmt: skip


SUMMARY_COLUMNS = (
    "hotel", "conversations", "messages", "resolved", "resolved_without_a_person", "automation_rate",
    "handoffs", "handoff_rate", "ai_first_response_median_s", "first_human_reply_median_s",
    "first_human_reply_out_of_hours_median_s", "handoffs_unanswered", "next_reply_median_s",
    "sla_breaches", "csat_ai_average", "csat_ai_ratings", "csat_staff_average", "csat_staff_ratings",
    "prompt_tokens", "completion_tokens", "cache_hit_rate", "ai_cost", "ai_cost_per_conversation",
)  # fmt: skip


def summary(report: Report) -> bytes:
    return _csv(SUMMARY_COLUMNS, [_summary_row(slug, report.figures[key]) for key, slug in _hotels(report)])


async def export(
    session: AsyncSession, kind: str, hotel_ids: Sequence[UUID], period: Period, prices: Prices
) -> bytes:
    if kind not in KINDS:
        raise InvalidPeriod(f"kind must be one of {', '.join(KINDS)}")
    if kind == "conversations":
        params = await scope_parameters(session, hotel_ids, period)
        rows = await conversations_behind(session, params, Filter(), export=True)
        return _csv(CONVERSATION_COLUMNS, (_conversation_cells(row) for row in rows))
    report = await load_report(session, hotel_ids, period, prices)
    return daily(report) if kind == "daily" else summary(report)

"""The conversations behind a figure (a chart's click-through) and the per-conversation export.

A filter picks one fixed SQL condition by its kind; only its value is bound, never spliced in.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.queries import SCOPE

LIST_LIMIT = 200
EXPORT_LIMIT = 100_000


@dataclass(frozen=True, slots=True)
class Filter:
    """Which conversations: ``day`` (a guest wrote that local day), ``reason`` (a hand-off of it),
    ``weekday``+``hour`` (a guest wrote in that heatmap cell), ``staff`` (they replied),
    ``language`` (the guest's; "" for not recognised), or none of them (a guest wrote at all)."""

    day: datetime.date | None = None
    reason: str | None = None
    weekday: int | None = None
    hour: int | None = None
    staff_id: UUID | None = None
    language: str | None = None

    def bound(self) -> tuple[str, dict[str, Any]]:
        if self.reason is not None:
            return _BY_REASON, {"reason": self.reason}
        if self.staff_id is not None:
            return _BY_STAFF, {"staff_id": self.staff_id}
        if self.day is not None:
            return _GUEST_WROTE + " AND (m.created_at AT TIME ZONE s.tz)::date = :day", {"day": self.day}
        if self.weekday is not None and self.hour is not None:
            return (
                _GUEST_WROTE
                + " AND extract(isodow FROM m.created_at AT TIME ZONE s.tz) = :weekday"
                + " AND extract(hour FROM m.created_at AT TIME ZONE s.tz) = :hour",
                {"weekday": self.weekday, "hour": self.hour},
            )
        if self.language is not None:
            return _BY_LANGUAGE, {"language": self.language}
        return _GUEST_WROTE, {}


_GUEST_WROTE = """
    SELECT DISTINCT m.conversation_id FROM scope s
    JOIN messages m ON m.hotel_id = s.hotel_id AND m.created_at >= s.t0 AND m.created_at < s.t1
    WHERE m.author = 'guest'"""
_BY_REASON = """
    SELECT DISTINCT t.conversation_id FROM scope s
    JOIN state_transitions t ON t.hotel_id = s.hotel_id AND t.to_state = 'needs_human'
                            AND t.created_at >= s.t0 AND t.created_at < s.t1
    WHERE t.reason = :reason"""
_BY_STAFF = """
    SELECT DISTINCT m.conversation_id FROM scope s
    JOIN messages m ON m.hotel_id = s.hotel_id AND m.created_at >= s.t0 AND m.created_at < s.t1
    WHERE m.author = 'staff' AND m.staff_id = :staff_id"""
_BY_LANGUAGE = f"""
    SELECT a.conversation_id FROM ({_GUEST_WROTE}) a
    JOIN conversations c ON c.id = a.conversation_id JOIN guests g ON g.id = c.guest_id
    WHERE coalesce(g.language, '') = :language"""  # noqa: S608 - constant fragments, values bound

_ROWS = """
WITH {scope},
matched AS ({matched}){ctes}
SELECT c.id, c.hotel_id, h.name AS hotel_name, h.slug AS hotel_slug, g.name AS guest_name,
       coalesce(g.language, '') AS language, c.state::text AS state, c.last_message_at,
       c.handoff_reason{extra}
FROM matched x
JOIN conversations c ON c.id = x.conversation_id
JOIN scope s ON s.hotel_id = c.hotel_id
JOIN hotels h ON h.id = c.hotel_id
JOIN guests g ON g.id = c.guest_id{joins}
ORDER BY c.last_message_at DESC NULLS LAST, c.id
LIMIT :limit
"""

# What the export says of each conversation, within the period: each table is read once for the
# hotels' period (through its (hotel_id, time) index) and grouped by conversation, not looked up
# again for every conversation (that took minutes at a million messages).
_EXPORT_CTES = """,
msgs AS (
    SELECT m.conversation_id, count(*) FILTER (WHERE m.author = 'guest') AS guest,
           count(*) FILTER (WHERE m.author = 'ai') AS ai, count(*) FILTER (WHERE m.author = 'staff') AS staff
    FROM scope s JOIN messages m ON m.hotel_id = s.hotel_id AND m.created_at >= s.t0 AND m.created_at < s.t1
    GROUP BY m.conversation_id),
moves AS (
    SELECT t.conversation_id, count(*) FILTER (WHERE t.to_state = 'needs_human') AS handoffs,
           count(*) FILTER (WHERE t.to_state = 'resolved') AS resolves
    FROM scope s JOIN state_transitions t ON t.hotel_id = s.hotel_id
        AND t.to_state IN ('needs_human', 'resolved') AND t.created_at >= s.t0 AND t.created_at < s.t1
    GROUP BY t.conversation_id),
breaches AS (
    SELECT b.conversation_id, count(*) AS n
    FROM scope s JOIN sla_breaches b
        ON b.hotel_id = s.hotel_id AND b.breached_at >= s.t0 AND b.breached_at < s.t1
    GROUP BY b.conversation_id),
ratings AS (
    SELECT v.conversation_id, round(avg(v.rating), 2)::float AS csat
    FROM scope s JOIN csat_surveys v ON v.hotel_id = s.hotel_id AND v.asked_at >= s.t0 AND v.asked_at < s.t1
    GROUP BY v.conversation_id),
requests AS (
    SELECT r.conversation_id, count(*) AS n
    FROM scope s JOIN service_requests r
        ON r.hotel_id = s.hotel_id AND r.created_at >= s.t0 AND r.created_at < s.t1
    GROUP BY r.conversation_id),
tokens AS (
    SELECT l.conversation_id, sum(l.prompt_tokens + l.completion_tokens) AS n
    FROM scope s JOIN llm_calls l ON l.hotel_id = s.hotel_id AND l.at >= s.t0 AND l.at < s.t1
    GROUP BY l.conversation_id)"""
_EXPORT_COLUMNS = """,
       coalesce(msgs.guest, 0) AS guest_messages, coalesce(msgs.ai, 0) AS ai_messages,
       coalesce(msgs.staff, 0) AS staff_messages, coalesce(moves.handoffs, 0) AS handoffs,
       coalesce(moves.resolves, 0) AS resolves, coalesce(breaches.n, 0) AS sla_breaches,
       ratings.csat, coalesce(requests.n, 0) AS service_requests, coalesce(tokens.n, 0) AS llm_tokens"""
_EXPORT_JOINS = """
LEFT JOIN msgs ON msgs.conversation_id = c.id
LEFT JOIN moves ON moves.conversation_id = c.id
LEFT JOIN breaches ON breaches.conversation_id = c.id
LEFT JOIN ratings ON ratings.conversation_id = c.id
LEFT JOIN requests ON requests.conversation_id = c.id
LEFT JOIN tokens ON tokens.conversation_id = c.id"""


async def conversations_behind(
    session: AsyncSession, params: dict[str, Any], which: Filter, *, export: bool = False
) -> Sequence[RowMapping]:
    """The conversations ``which`` picks, most recent first: LIST_LIMIT of them for the page, or
    (``export``) EXPORT_LIMIT with the export's figures of each."""
    matched, values = which.bound()
    if export:
        sql = _ROWS.format(
            scope=SCOPE, matched=matched, ctes=_EXPORT_CTES, extra=_EXPORT_COLUMNS, joins=_EXPORT_JOINS
        )
    else:
        sql = _ROWS.format(scope=SCOPE, matched=matched, ctes="", extra="", joins="")
    limit = EXPORT_LIMIT if export else LIST_LIMIT
    result = await session.execute(text(sql), {**params, **values, "limit": limit})
    return result.mappings().all()

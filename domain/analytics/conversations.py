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
matched AS ({matched})
SELECT c.id, c.hotel_id, h.name AS hotel_name, h.slug AS hotel_slug, g.name AS guest_name,
       coalesce(g.language, '') AS language, c.state::text AS state, c.last_message_at,
       c.handoff_reason{extra}
FROM matched x
JOIN conversations c ON c.id = x.conversation_id
JOIN scope s ON s.hotel_id = c.hotel_id
JOIN hotels h ON h.id = c.hotel_id
JOIN guests g ON g.id = c.guest_id
ORDER BY c.last_message_at DESC NULLS LAST, c.id
LIMIT :limit
"""

# What the export says of each conversation, within the period.
_EXPORT_COLUMNS = """,
       (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id AND m.author = 'guest'
           AND m.created_at >= s.t0 AND m.created_at < s.t1) AS guest_messages,
       (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id AND m.author = 'ai'
           AND m.created_at >= s.t0 AND m.created_at < s.t1) AS ai_messages,
       (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id AND m.author = 'staff'
           AND m.created_at >= s.t0 AND m.created_at < s.t1) AS staff_messages,
       (SELECT count(*) FROM state_transitions t WHERE t.conversation_id = c.id
           AND t.to_state = 'needs_human' AND t.created_at >= s.t0 AND t.created_at < s.t1) AS handoffs,
       (SELECT count(*) FROM state_transitions t WHERE t.conversation_id = c.id
           AND t.to_state = 'resolved' AND t.created_at >= s.t0 AND t.created_at < s.t1) AS resolves,
       (SELECT count(*) FROM sla_breaches b WHERE b.conversation_id = c.id
           AND b.breached_at >= s.t0 AND b.breached_at < s.t1) AS sla_breaches,
       (SELECT round(avg(v.rating), 2)::float FROM csat_surveys v WHERE v.conversation_id = c.id
           AND v.asked_at >= s.t0 AND v.asked_at < s.t1) AS csat,
       (SELECT count(*) FROM service_requests r WHERE r.conversation_id = c.id
           AND r.created_at >= s.t0 AND r.created_at < s.t1) AS service_requests,
       (SELECT coalesce(sum(l.prompt_tokens + l.completion_tokens), 0) FROM llm_calls l
         WHERE l.conversation_id = c.id AND l.at >= s.t0 AND l.at < s.t1) AS llm_tokens"""


async def conversations_behind(
    session: AsyncSession, params: dict[str, Any], which: Filter, *, limit: int = LIST_LIMIT
) -> Sequence[RowMapping]:
    matched, values = which.bound()
    sql = _ROWS.format(scope=SCOPE, matched=matched, extra="")
    result = await session.execute(text(sql), {**params, **values, "limit": limit})
    return result.mappings().all()


async def conversations_export(session: AsyncSession, params: dict[str, Any]) -> Sequence[RowMapping]:
    matched, values = Filter().bound()
    sql = _ROWS.format(scope=SCOPE, matched=matched, extra=_EXPORT_COLUMNS)
    result = await session.execute(text(sql), {**params, **values, "limit": EXPORT_LIMIT})
    return result.mappings().all()

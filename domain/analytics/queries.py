"""The analytics statements: everything is counted, averaged and ranked in PostgreSQL.

Each statement starts from ``scope``: one row per hotel with its timezone and the instants of the
period in it (``rules.Period.window``), so one statement serves one hotel or a group. Grouping
sets give each hotel's figures and the group's in one pass; the group's row has ``hotel_id`` NULL
(``GROUPING(hotel_id) = 1``). docs/analytics.md defines each figure; the indexes they use are in
migration a7c3e1f20b64.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.rules import ACKNOWLEDGEMENT_TEXTS, Period, local_hours, open_intervals
from domain.hotels.hours import zone_of


@dataclass(frozen=True, slots=True)
class HotelInfo:
    id: UUID
    name: str
    slug: str
    timezone: str
    business_hours: dict[str, Any] | None


def parameters(hotels: Sequence[HotelInfo], period: Period) -> dict[str, Any]:
    """The bound values every statement shares: the hotels' windows, local hours and open hours (by
    the rules, so SQL only compares instants) and the texts that are no reply."""
    zones = [zone_of(h.timezone).key for h in hotels]
    windows = [period.window(zone) for zone in zones]
    opens: list[tuple[UUID, Any, Any]] = [
        (h.id, start, end)
        for h, zone in zip(hotels, zones, strict=True)
        for start, end in open_intervals(h.business_hours, zone, period)
    ]
    clocks = {zone: local_hours(zone, period) for zone in set(zones)}  # hotels share time zones
    hours = [(h.id, hour) for h, zone in zip(hotels, zones, strict=True) for hour in clocks[zone]]
    return {
        "scope_hotels": [h.id for h in hotels],
        "scope_zones": zones,
        "scope_starts": [w[0] for w in windows],
        "scope_ends": [w[1] for w in windows],
        "open_hotels": [o[0] for o in opens],
        "open_starts": [o[1] for o in opens],
        "open_ends": [o[2] for o in opens],
        "hour_hotels": [h[0] for h in hours],
        "hour_starts": [h[1].start for h in hours],
        "hour_ends": [h[1].end for h in hours],
        "hour_days": [h[1].day for h in hours],
        "hour_weekdays": [h[1].weekday for h in hours],
        "hour_hours": [h[1].hour for h in hours],
        "acks": list(ACKNOWLEDGEMENT_TEXTS),
    }


SCOPE = """
scope AS (
    SELECT * FROM unnest(CAST(:scope_hotels AS uuid[]), CAST(:scope_zones AS text[]),
                         CAST(:scope_starts AS timestamptz[]), CAST(:scope_ends AS timestamptz[]))
           AS s(hotel_id, tz, t0, t1)
),
open_hours AS (
    SELECT o.hotel_id, range_agg(tstzrange(o.starts, o.ends)) AS open
    FROM unnest(CAST(:open_hotels AS uuid[]), CAST(:open_starts AS timestamptz[]),
                CAST(:open_ends AS timestamptz[])) AS o(hotel_id, starts, ends)
    GROUP BY o.hotel_id
)"""

# Each hotel's local hours of the period (``rules.local_hours``): a message's local day, weekday
# and hour are those of the hour whose instants hold its ``created_at``. Read hour by hour through
# the (hotel_id, created_at) index, so no row's time is converted to the hotel's clock (a time
# zone conversion per message doubled the cost of reading the group's 500,000 messages).
LOCAL_HOURS = """
local_hours AS (
    SELECT * FROM unnest(CAST(:hour_hotels AS uuid[]), CAST(:hour_starts AS timestamptz[]),
                         CAST(:hour_ends AS timestamptz[]), CAST(:hour_days AS date[]),
                         CAST(:hour_weekdays AS int[]), CAST(:hour_hours AS int[]))
           AS l(hotel_id, starts, ends, day, weekday, hour)
)"""

# One local hour's messages, from the index alone. OFFSET 0 keeps it a look-up per hour: joined
# flat, the planner merges the hours with every message of the hotel and filters 240,000,000
# pairs (EXPLAIN ANALYZE on the group: 150 s).
HOURS_MESSAGES = """
SELECT m.hotel_id, m.conversation_id, m.author FROM messages m
 WHERE m.hotel_id = l.hotel_id AND m.created_at >= l.starts AND m.created_at < l.ends OFFSET 0"""

# A reply: the AI's or a person's message to the guest that is no automated acknowledgement.
IS_REPLY = (
    "(m.author IN ('ai', 'staff') AND m.details ->> 'automated' IS NULL"
    " AND (m.text <> ALL(CAST(:acks AS text[]))) IS NOT FALSE)"
)


# Messages per local day and author; conversations per day are those a guest wrote in that day.
VOLUME = f"""
WITH {LOCAL_HOURS},
per_conversation_day AS (
    SELECT m.hotel_id, l.day, m.conversation_id,
           count(*) FILTER (WHERE m.author = 'guest') AS guest,
           count(*) FILTER (WHERE m.author = 'ai') AS ai,
           count(*) FILTER (WHERE m.author = 'staff') AS staff,
           count(*) FILTER (WHERE m.author = 'system') AS system
    FROM local_hours l, LATERAL ({HOURS_MESSAGES}) m
    GROUP BY 1, 2, 3
)
SELECT GROUPING(hotel_id) = 1 AS all_hotels, GROUPING(day) = 1 AS all_days, hotel_id, day,
       count(DISTINCT conversation_id) FILTER (WHERE guest > 0) AS conversations,
       coalesce(sum(guest), 0)::int AS guest_messages, coalesce(sum(ai), 0)::int AS ai_messages,
       coalesce(sum(staff), 0)::int AS staff_messages, coalesce(sum(system), 0)::int AS system_messages
FROM per_conversation_day
GROUP BY GROUPING SETS ((hotel_id, day), (day), (hotel_id), ())
"""  # noqa: S608 - constant fragments of this module, values are bound


# Guest messages by local weekday (ISO, Monday 1) and hour.
HEATMAP = f"""
WITH {LOCAL_HOURS}
SELECT GROUPING(l.hotel_id) = 1 AS all_hotels, l.hotel_id, l.weekday, l.hour, count(*) AS messages
FROM local_hours l, LATERAL ({HOURS_MESSAGES}) m
WHERE m.author = 'guest'
GROUP BY GROUPING SETS ((l.hotel_id, l.weekday, l.hour), (l.weekday, l.hour))
"""  # noqa: S608 - constant fragments of this module, values are bound

# The conversations guests wrote in, by the language the AI recognised for the guest.
LANGUAGES = f"""
WITH {SCOPE},
active AS (
    SELECT DISTINCT m.hotel_id, m.conversation_id
    FROM scope s
    JOIN messages m ON m.hotel_id = s.hotel_id AND m.created_at >= s.t0 AND m.created_at < s.t1
    WHERE m.author = 'guest'
),
spoken AS (
    -- Looked up one by one by primary key (a scalar subquery, which the planner keeps): as a join it
    -- hashes every conversation of every hotel.
    SELECT a.hotel_id,
           coalesce((SELECT g.language FROM conversations c JOIN guests g ON g.id = c.guest_id
                      WHERE c.id = a.conversation_id), '') AS language
    FROM active a
)
SELECT GROUPING(hotel_id) = 1 AS all_hotels, hotel_id, language, count(*) AS conversations
FROM spoken
GROUP BY GROUPING SETS ((hotel_id, language), (language))
"""  # noqa: S608 - constant fragments of this module, values are bound

# Hand-offs (every move into needs_human) by reason; the conversations handed off among those a
# guest wrote in during the period, for the hand-off rate.
HANDOFFS = f"""
WITH {SCOPE},
handoffs AS (
    SELECT t.hotel_id, t.conversation_id, t.reason
    FROM scope s
    JOIN state_transitions t ON t.hotel_id = s.hotel_id AND t.to_state = 'needs_human'
                            AND t.created_at >= s.t0 AND t.created_at < s.t1
)
SELECT GROUPING(h.hotel_id) = 1 AS all_hotels, GROUPING(h.reason) = 1 AS all_reasons, h.hotel_id,
       h.reason, count(*) AS handoffs, count(DISTINCT h.conversation_id) AS conversations,
       count(DISTINCT h.conversation_id) FILTER (WHERE EXISTS (
           SELECT 1 FROM scope s JOIN messages m ON m.conversation_id = h.conversation_id
            WHERE s.hotel_id = h.hotel_id AND m.author = 'guest'
              AND m.created_at >= s.t0 AND m.created_at < s.t1
       )) AS active_conversations
FROM handoffs h
GROUP BY GROUPING SETS ((h.hotel_id, h.reason), (h.reason), (h.hotel_id), ())
"""  # noqa: S608 - constant fragments of this module, values are bound

# Each resolve in the period, and whether a person took part in the story it closed: since the
# conversation's previous resolve, a move into needs_human or human, or a staff message.
AUTOMATION = f"""
WITH {SCOPE},
resolves AS MATERIALIZED (
    -- One walk of the conversation's moves up to the resolve (index-only): the previous resolve,
    -- and the last move into a person's hands, which took part in this story if it came after it.
    SELECT t.hotel_id, t.conversation_id, t.created_at AS resolved_at,
           coalesce(p.since, '-infinity') AS since,
           coalesce(p.person_since > p.since, p.person_since IS NOT NULL) AS person_moved
    FROM scope s
    JOIN state_transitions t ON t.hotel_id = s.hotel_id AND t.to_state = 'resolved'
                            AND t.created_at >= s.t0 AND t.created_at < s.t1
    CROSS JOIN LATERAL (
        SELECT max(p.created_at) FILTER (WHERE p.to_state = 'resolved' AND p.created_at < t.created_at)
                   AS since,
               max(p.created_at) FILTER (WHERE p.to_state IN ('needs_human', 'human')) AS person_since
        FROM state_transitions p
        WHERE p.conversation_id = t.conversation_id AND p.created_at <= t.created_at
    ) p
),
judged AS (
    SELECT r.hotel_id,
           r.person_moved
           OR EXISTS (SELECT 1 FROM messages m
                       WHERE m.conversation_id = r.conversation_id AND m.author = 'staff'
                         AND m.created_at > r.since AND m.created_at <= r.resolved_at) AS person
    FROM resolves r
)
SELECT GROUPING(hotel_id) = 1 AS all_hotels, hotel_id, count(*) AS resolved,
       count(*) FILTER (WHERE NOT person) AS automated
FROM judged
GROUP BY GROUPING SETS ((hotel_id), ())
"""  # noqa: S608 - constant fragments of this module, values are bound

# A story starts when a conversation is opened (its first guest message) or a guest writes to it
# after it was resolved; its first reply is the first reply after that, by the AI or by staff.
AI_FIRST_RESPONSE = f"""
WITH {SCOPE},
starts AS (
    SELECT c.hotel_id, c.id AS conversation_id, c.created_at AS started_at
    FROM scope s
    JOIN conversations c ON c.hotel_id = s.hotel_id AND c.created_at >= s.t0 AND c.created_at < s.t1
    UNION ALL
    SELECT t.hotel_id, t.conversation_id, t.created_at
    FROM scope s
    JOIN state_transitions t ON t.hotel_id = s.hotel_id AND t.to_state = 'ai'
                            AND t.from_state = 'resolved' AND t.reason = 'guest_wrote_again'
                            AND t.created_at >= s.t0 AND t.created_at < s.t1
),
firsts AS (
    SELECT st.hotel_id, r.author, extract(epoch FROM r.created_at - st.started_at) AS seconds
    FROM starts st
    LEFT JOIN LATERAL (
        SELECT m.author, m.created_at FROM messages m
         WHERE m.conversation_id = st.conversation_id AND m.created_at >= st.started_at AND {IS_REPLY}
         ORDER BY m.created_at LIMIT 1
    ) r ON true
)
SELECT GROUPING(hotel_id) = 1 AS all_hotels, hotel_id, count(*) AS stories,
       count(*) FILTER (WHERE author = 'ai') AS answered,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) FILTER (WHERE author = 'ai') AS median,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY seconds) FILTER (WHERE author = 'ai') AS p90
FROM firsts
GROUP BY GROUPING SETS ((hotel_id), ())
"""  # noqa: S608 - constant fragments of this module, values are bound

# Each hand-off in the period and the first staff message after it, unless the wait ended first
# (the conversation went back to the AI or was resolved). In or out of the hotel's hours by the
# instant of the hand-off.
FIRST_HUMAN_REPLIES = """
handoffs AS (
    SELECT t.hotel_id, t.conversation_id, t.created_at AS since
    FROM scope s
    JOIN state_transitions t ON t.hotel_id = s.hotel_id AND t.to_state = 'needs_human'
                            AND t.created_at >= s.t0 AND t.created_at < s.t1
),
waits AS (
    SELECT h.hotel_id, h.conversation_id, h.since, coalesce(o.open @> h.since, false) AS in_hours, r.staff_id,
           CASE WHEN r.created_at IS NOT NULL AND (e.ended IS NULL OR r.created_at <= e.ended)
                THEN extract(epoch FROM r.created_at - h.since) END AS seconds
    FROM handoffs h
    LEFT JOIN open_hours o ON o.hotel_id = h.hotel_id
    LEFT JOIN LATERAL (
        SELECT m.staff_id, m.created_at FROM messages m
         WHERE m.conversation_id = h.conversation_id AND m.created_at >= h.since AND m.author = 'staff'
         ORDER BY m.created_at LIMIT 1
    ) r ON true
    LEFT JOIN LATERAL (
        SELECT min(x.created_at) AS ended FROM state_transitions x
         WHERE x.conversation_id = h.conversation_id AND x.created_at > h.since
           AND x.to_state IN ('ai', 'resolved')
    ) e ON true
)"""

FIRST_REPLY = f"""
WITH {SCOPE}, {FIRST_HUMAN_REPLIES}
SELECT GROUPING(hotel_id) = 1 AS all_hotels, hotel_id, count(*) AS handoffs,
       count(seconds) FILTER (WHERE in_hours) AS answered,
       count(*) FILTER (WHERE seconds IS NULL) AS unanswered,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) FILTER (WHERE in_hours) AS median,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY seconds) FILTER (WHERE in_hours) AS p90,
       count(seconds) FILTER (WHERE NOT in_hours) AS answered_out_of_hours,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) FILTER (WHERE NOT in_hours) AS median_out_of_hours
FROM waits
GROUP BY GROUPING SETS ((hotel_id), ())
"""  # noqa: S608 - constant fragments of this module, values are bound

# Each staff reply in the period that answers a guest who wrote after the previous staff reply,
# with no move out of a person's hands between the two: the wait runs from the guest's first
# message since that previous reply.
NEXT_REPLY = f"""
WITH {SCOPE},
replies AS (
    SELECT m.hotel_id, m.conversation_id, m.created_at,
           (SELECT max(p.created_at) FROM messages p
             WHERE p.conversation_id = m.conversation_id AND p.author = 'staff'
               AND p.created_at < m.created_at) AS previous
    FROM scope s
    JOIN messages m ON m.hotel_id = s.hotel_id AND m.created_at >= s.t0 AND m.created_at < s.t1
    WHERE m.author = 'staff'
),
waits AS MATERIALIZED (
    SELECT r.hotel_id, r.created_at,
           (SELECT min(g.created_at) FROM messages g
             WHERE g.conversation_id = r.conversation_id AND g.author = 'guest'
               AND g.created_at > r.previous AND g.created_at < r.created_at) AS since
    FROM replies r
    WHERE r.previous IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM state_transitions x
                       WHERE x.conversation_id = r.conversation_id AND x.to_state <> 'human'
                         AND x.created_at > r.previous AND x.created_at < r.created_at)
),
timed AS (
    SELECT w.hotel_id, coalesce(o.open @> w.since, false) AS in_hours,
           extract(epoch FROM w.created_at - w.since) AS seconds
    FROM waits w
    LEFT JOIN open_hours o ON o.hotel_id = w.hotel_id
    WHERE w.since IS NOT NULL
)
SELECT GROUPING(hotel_id) = 1 AS all_hotels, hotel_id,
       count(*) FILTER (WHERE in_hours) AS answered,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) FILTER (WHERE in_hours) AS median,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY seconds) FILTER (WHERE in_hours) AS p90,
       count(*) FILTER (WHERE NOT in_hours) AS answered_out_of_hours,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) FILTER (WHERE NOT in_hours) AS median_out_of_hours
FROM timed
GROUP BY GROUPING SETS ((hotel_id), ())
"""  # noqa: S608 - constant fragments of this module, values are bound

SLA = f"""
WITH {SCOPE}
SELECT GROUPING(b.hotel_id) = 1 AS all_hotels, GROUPING(b.kind) = 1 AS all_kinds, b.hotel_id, b.kind,
       count(*) AS breaches, count(b.escalated_to_managers_at) AS escalated,
       count(*) FILTER (WHERE b.answered_at IS NULL) AS unanswered
FROM scope s
JOIN sla_breaches b ON b.hotel_id = s.hotel_id AND b.breached_at >= s.t0 AND b.breached_at < s.t1
GROUP BY GROUPING SETS ((b.hotel_id, b.kind), (b.kind), (b.hotel_id), ())
"""  # noqa: S608 - constant fragments of this module, values are bound

CSAT = f"""
WITH {SCOPE}
SELECT GROUPING(v.hotel_id) = 1 AS all_hotels, v.hotel_id, v.attributed_to,
       count(*) AS asked, count(v.rating) AS answered, avg(v.rating)::float AS average,
       count(*) FILTER (WHERE v.rating = 1) AS r1, count(*) FILTER (WHERE v.rating = 2) AS r2,
       count(*) FILTER (WHERE v.rating = 3) AS r3, count(*) FILTER (WHERE v.rating = 4) AS r4,
       count(*) FILTER (WHERE v.rating = 5) AS r5
FROM scope s
JOIN csat_surveys v ON v.hotel_id = s.hotel_id AND v.asked_at >= s.t0 AND v.asked_at < s.t1
GROUP BY GROUPING SETS ((v.hotel_id, v.attributed_to), (v.attributed_to))
"""  # noqa: S608 - constant fragments of this module, values are bound

# Requests raised in the period by category; a closed one (done or cancelled) closed when it was
# last changed.
REQUESTS = f"""
WITH {SCOPE}
SELECT GROUPING(r.hotel_id) = 1 AS all_hotels, GROUPING(r.category) = 1 AS all_categories,
       r.hotel_id, r.category, count(*) AS raised,
       count(*) FILTER (WHERE r.status = 'done') AS done,
       count(*) FILTER (WHERE r.status = 'cancelled') AS cancelled,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM r.updated_at - r.created_at))
           FILTER (WHERE r.status IN ('done', 'cancelled')) AS median_to_close
FROM scope s
JOIN service_requests r ON r.hotel_id = s.hotel_id AND r.created_at >= s.t0 AND r.created_at < s.t1
GROUP BY GROUPING SETS ((r.hotel_id, r.category), (r.category), (r.hotel_id), ())
"""  # noqa: S608 - constant fragments of this module, values are bound

COST = f"""
WITH {SCOPE}
SELECT GROUPING(c.hotel_id) = 1 AS all_hotels, c.hotel_id, count(*) AS calls,
       coalesce(sum(c.prompt_tokens), 0) AS prompt_tokens,
       coalesce(sum(c.completion_tokens), 0) AS completion_tokens,
       coalesce(sum(c.cache_hit_tokens), 0) AS cache_hit_tokens,
       coalesce(sum(c.cache_miss_tokens), 0) AS cache_miss_tokens,
       coalesce(sum(c.cache_hit_tokens) FILTER (WHERE c.conversation_id IS NOT NULL), 0) AS conv_hit,
       coalesce(sum(c.cache_miss_tokens) FILTER (WHERE c.conversation_id IS NOT NULL), 0) AS conv_miss,
       coalesce(sum(c.completion_tokens) FILTER (WHERE c.conversation_id IS NOT NULL), 0) AS conv_output,
       count(DISTINCT c.conversation_id) AS conversations
FROM scope s
JOIN llm_calls c ON c.hotel_id = s.hotel_id AND c.at >= s.t0 AND c.at < s.t1
GROUP BY GROUPING SETS ((c.hotel_id), ())
"""  # noqa: S608 - constant fragments of this module, values are bound

# Per staff member: the conversations they replied in and their replies, the hand-offs they
# answered first in the hotel's hours (out-of-hours waits are kept apart here too), and the CSAT
# attributed to them.
STAFF = f"""
WITH {SCOPE}, {FIRST_HUMAN_REPLIES},
replies AS (
    SELECT m.hotel_id, m.staff_id, count(*) AS replies, count(DISTINCT m.conversation_id) AS conversations
    FROM scope s
    JOIN messages m ON m.hotel_id = s.hotel_id AND m.created_at >= s.t0 AND m.created_at < s.t1
    WHERE m.author = 'staff' AND m.staff_id IS NOT NULL
    GROUP BY GROUPING SETS ((m.hotel_id, m.staff_id), (m.staff_id))
),
firsts AS (
    SELECT hotel_id, staff_id, count(*) AS first_replies,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS median_first_reply
    FROM waits WHERE seconds IS NOT NULL AND staff_id IS NOT NULL AND in_hours
    GROUP BY GROUPING SETS ((hotel_id, staff_id), (staff_id))
),
ratings AS (
    SELECT v.hotel_id, v.staff_id, count(v.rating) AS rated, avg(v.rating)::float AS csat
    FROM scope s
    JOIN csat_surveys v ON v.hotel_id = s.hotel_id AND v.asked_at >= s.t0 AND v.asked_at < s.t1
    WHERE v.attributed_to = 'staff' AND v.staff_id IS NOT NULL
    GROUP BY GROUPING SETS ((v.hotel_id, v.staff_id), (v.staff_id))
),
keys AS (
    SELECT hotel_id, staff_id FROM replies UNION SELECT hotel_id, staff_id FROM firsts
    UNION SELECT hotel_id, staff_id FROM ratings
)
SELECT k.hotel_id IS NULL AS all_hotels, k.hotel_id, k.staff_id, u.name,
       coalesce(r.replies, 0) AS replies, coalesce(r.conversations, 0) AS conversations,
       coalesce(f.first_replies, 0) AS first_replies, f.median_first_reply,
       coalesce(g.rated, 0) AS rated, g.csat
FROM keys k
JOIN staff_users u ON u.id = k.staff_id
LEFT JOIN replies r ON r.staff_id = k.staff_id AND r.hotel_id IS NOT DISTINCT FROM k.hotel_id
LEFT JOIN firsts f ON f.staff_id = k.staff_id AND f.hotel_id IS NOT DISTINCT FROM k.hotel_id
LEFT JOIN ratings g ON g.staff_id = k.staff_id AND g.hotel_id IS NOT DISTINCT FROM k.hotel_id
ORDER BY u.name, u.id
"""  # noqa: S608 - constant fragments of this module, values are bound

STATEMENTS = {
    "volume": VOLUME,
    "heatmap": HEATMAP,
    "languages": LANGUAGES,
    "handoffs": HANDOFFS,
    "automation": AUTOMATION,
    "ai_first_response": AI_FIRST_RESPONSE,
    "first_reply": FIRST_REPLY,
    "next_reply": NEXT_REPLY,
    "sla": SLA,
    "csat": CSAT,
    "requests": REQUESTS,
    "cost": COST,
    "staff": STAFF,
}


async def without_jit(session: AsyncSession) -> None:
    """For the rest of this transaction: these statements are planned as costly (correlated
    look-ups the planner cannot count) but run in milliseconds, and PostgreSQL's JIT compiler
    would spend seconds compiling them first (EXPLAIN ANALYZE on 1,000,000 messages: 4.8 s of JIT
    for a 60 ms statement). And 64 MB for each sort and hash: with the default 4 MB, the group's
    100,000 conversation-days and its percentiles were sorted on disk."""
    await session.execute(text("SELECT set_config('jit', 'off', true), set_config('work_mem', '64MB', true)"))


async def run(session: AsyncSession, name: str, params: dict[str, Any]) -> Sequence[RowMapping]:
    result = await session.execute(text(STATEMENTS[name]), params)
    return result.mappings().all()

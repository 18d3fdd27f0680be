"""The waiting-guest timers, once a minute: record breaches, alert the desk and the managers, hand
silent conversations back to the AI. ``waits`` decides; this finds the facts and applies. A guest
whose AI draft waits for approval waits for a person too, and is never handed back: the
conversation is the AI's already.

Idempotent: a breach is one row per wait (the table's unique key), an escalation is set once, and
a hand-back re-checks the conversation under its row lock. Only conversations in people's hands or
with a draft waiting are read (the partial indexes ``ix_conversations_with_people`` and
``uq_ai_drafts_pending``), with one index probe each into their latest transition, staff reply and
guest message.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
from typing import Any
from uuid import UUID

from sqlalchemy import text, update
from sqlalchemy.dialects.postgresql import insert

from domain.conversations import rules, transitions, waits
from domain.conversations.models import SlaBreach, State
from domain.events import WaitBreached, WaitEscalated
from domain.ports import ai_reply_job
from domain.uow import UnitOfWork

log = logging.getLogger(__name__)

BATCH = 1000

# Every conversation in people's hands, and every one whose AI draft waits for approval, with what
# the timers decide on: when its stretch in people's hands began (the latest move into needs_human
# or human from outside them; a conversation waiting now starts at its needs_human_since; a draft's
# wait at the first guest message since the last reply to the guest), the last staff reply, the
# first guest message after it, the hotel's targets, and the latest breach recorded for it. The two
# kinds are found through their partial indexes (``ix_conversations_with_people``,
# ``uq_ai_drafts_pending``).
STRETCHES_SQL = text(
    """
WITH waiting AS (
    (SELECT c.id FROM conversations c
      WHERE c.state IN ('needs_human', 'human') AND c.id > :after ORDER BY c.id LIMIT :batch)
    UNION
    -- The conversation's state looked up by primary key, draft by draft (a scalar subquery the
    -- planner keeps): as a join it reads every conversation in the AI's hands.
    (SELECT d.conversation_id FROM ai_drafts d
      WHERE d.status = 'pending' AND d.conversation_id > :after
        AND (SELECT c.state FROM conversations c WHERE c.id = d.conversation_id) = 'ai'
      ORDER BY d.conversation_id LIMIT :batch)
)
SELECT c.id, c.hotel_id, c.state::text AS state, c.assigned_staff_id,
       CASE WHEN c.state = 'needs_human' THEN coalesce(c.needs_human_since, st.created_at, c.created_at)
            WHEN c.state = 'ai' THEN coalesce(dg.since, dr.created_at)
            ELSE coalesce(st.created_at, c.needs_human_since, c.created_at) END AS since,
       c.state = 'needs_human' OR st.to_state = 'needs_human' AS began_with_hand_off,
       sr.created_at AS last_staff_reply, gm.created_at AS first_unanswered,
       h.sla_first_reply_minutes, h.sla_next_reply_minutes, h.auto_return_minutes,
       h.business_hours, h.timezone, h.ai_enabled, g.is_group,
       b.kind AS breach_kind, b.waiting_since AS breach_since,
       b.escalated_to_managers_at AS breach_escalated_at
FROM waiting w
JOIN conversations c ON c.id = w.id
JOIN hotels h ON h.id = c.hotel_id
JOIN guests g ON g.id = c.guest_id
LEFT JOIN LATERAL (
    SELECT t.created_at, t.to_state FROM state_transitions t
     WHERE t.conversation_id = c.id AND t.to_state IN ('needs_human', 'human')
       AND (t.from_state IS NULL OR t.from_state NOT IN ('needs_human', 'human'))
     ORDER BY t.created_at DESC LIMIT 1
) st ON true
LEFT JOIN LATERAL (
    SELECT m.created_at FROM messages m
     WHERE m.conversation_id = c.id AND m.author = 'staff' AND m.direction = 'out'
     ORDER BY m.created_at DESC LIMIT 1
) sr ON true
LEFT JOIN LATERAL (
    SELECT m.created_at FROM messages m
     WHERE m.conversation_id = c.id AND m.author = 'guest'
       AND m.created_at > coalesce(sr.created_at, '-infinity'::timestamptz)
     ORDER BY m.created_at LIMIT 1
) gm ON true
LEFT JOIN LATERAL (
    SELECT d.created_at FROM ai_drafts d
     WHERE d.conversation_id = c.id AND d.status = 'pending' AND c.state = 'ai'
) dr ON true
LEFT JOIN LATERAL (
    SELECT min(m.created_at) AS since FROM messages m
     WHERE dr.created_at IS NOT NULL AND m.conversation_id = c.id AND m.author = 'guest'
       AND m.created_at > coalesce((
           SELECT max(r.created_at) FROM messages r
            WHERE r.conversation_id = c.id AND r.direction = 'out' AND r.author IN ('ai', 'staff')
              AND r.details ->> 'automated' IS NULL), '-infinity'::timestamptz)
) dg ON true
LEFT JOIN LATERAL (
    SELECT b.kind, b.waiting_since, b.escalated_to_managers_at FROM sla_breaches b
     WHERE b.conversation_id = c.id ORDER BY b.waiting_since DESC LIMIT 1
) b ON true
ORDER BY c.id
LIMIT :batch
"""
)


@dataclasses.dataclass(slots=True)
class Tally:
    breaches: int = 0
    escalations: int = 0
    handed_back: int = 0

    def __str__(self) -> str:
        return f"breaches={self.breaches} escalated={self.escalations} handed_back={self.handed_back}"


def _facts(row: Any) -> tuple[waits.Stretch, waits.Targets]:
    stretch = waits.Stretch(
        conversation_id=row.id,
        hotel_id=row.hotel_id,
        in_human_hands=row.state == State.HUMAN.value,
        since=row.since,
        began_with_hand_off=bool(row.began_with_hand_off),
        last_staff_reply=row.last_staff_reply,
        first_unanswered=row.first_unanswered,
        awaiting_approval=row.state == State.AI.value,
    )
    targets = waits.Targets(
        first_reply_minutes=row.sla_first_reply_minutes,
        next_reply_minutes=row.sla_next_reply_minutes,
        auto_return_minutes=row.auto_return_minutes,
        business_hours=row.business_hours,
        timezone=row.timezone,
    )
    return stretch, targets


async def check_waits(uow: UnitOfWork, now: datetime.datetime) -> Tally:
    """One round of the timers over every hotel."""
    tally = Tally()
    after = UUID(int=0)
    while True:
        rows = (await uow.session.execute(STRETCHES_SQL, {"batch": BATCH, "after": after})).all()
        for row in rows:
            await _check(uow, row, now, tally)
        if len(rows) < BATCH:
            return tally
        after = rows[-1].id


async def _check(uow: UnitOfWork, row: Any, now: datetime.datetime, tally: Tally) -> None:
    """Decide for one conversation and apply what was decided."""
    stretch, targets = _facts(row)
    wait = waits.current_wait(stretch, targets)
    same = wait is not None and (row.breach_kind, row.breach_since) == (wait.kind.value, wait.since)
    decision = waits.decide(stretch, targets, now, escalated=same and row.breach_escalated_at is not None)
    if decision.breach and decision.wait is not None:
        told: dict[str, Any] = {
            "hotel_id": stretch.hotel_id,
            "conversation_id": stretch.conversation_id,
            "wait": decision.wait.kind.value,
            "waited_minutes": waits.waited_minutes(decision.wait, now),
        }
        if not same and await _record_breach(uow, stretch, decision.wait, now):
            uow.publish(WaitBreached(**told))
            tally.breaches += 1
        if decision.escalate and await _escalate(uow, stretch, decision.wait, now):
            uow.publish(WaitEscalated(**told))
            tally.escalations += 1
    if decision.hand_back and await _hand_back(uow, row, now):
        tally.handed_back += 1


async def _record_breach(
    uow: UnitOfWork, stretch: waits.Stretch, wait: waits.Wait, now: datetime.datetime
) -> bool:
    inserted = await uow.session.scalar(
        insert(SlaBreach)
        .values(
            hotel_id=stretch.hotel_id,
            conversation_id=stretch.conversation_id,
            kind=wait.kind.value,
            waiting_since=wait.since,
            target_minutes=wait.target_minutes,
            breached_at=now,
        )
        .on_conflict_do_nothing(index_elements=["conversation_id", "kind", "waiting_since"])
        .returning(SlaBreach.id)
    )
    return inserted is not None


async def _escalate(
    uow: UnitOfWork, stretch: waits.Stretch, wait: waits.Wait, now: datetime.datetime
) -> bool:
    escalated = await uow.session.scalar(
        update(SlaBreach)
        .where(
            SlaBreach.conversation_id == stretch.conversation_id,
            SlaBreach.kind == wait.kind.value,
            SlaBreach.waiting_since == wait.since,
            SlaBreach.escalated_to_managers_at.is_(None),
        )
        .values(escalated_to_managers_at=now)
        .returning(SlaBreach.id)
    )
    return escalated is not None


# Under the row lock, the same facts again: nothing is handed back that a staff member answered
# or took since the round read it.
_STILL_SILENT_SQL = text(
    """
SELECT (SELECT max(m.created_at) FROM messages m
         WHERE m.conversation_id = :id AND m.author = 'staff' AND m.direction = 'out') AS last_staff_reply,
       (SELECT m.id FROM messages m WHERE m.conversation_id = :id AND m.author = 'guest'
         ORDER BY m.created_at DESC LIMIT 1) AS latest_guest,
       (SELECT max(m.created_at) FROM messages m
         WHERE m.conversation_id = :id AND m.author = 'guest') AS latest_guest_at
"""
)


async def _hand_back(uow: UnitOfWork, row: Any, now: datetime.datetime) -> bool:
    """Back to the AI through the one transition rule; the AI answers a guest left unanswered."""
    conversation = await uow.conversations.lock(row.hotel_id, row.id)
    if (
        conversation is None
        or conversation.state is not State.HUMAN
        or conversation.assigned_staff_id != row.assigned_staff_id
    ):
        return False
    facts = (await uow.session.execute(_STILL_SILENT_SQL, {"id": row.id})).one()
    if facts.last_staff_reply != row.last_staff_reply:
        return False
    change = transitions.move(uow, conversation, State.AI, rules.AUTO_RETURN)
    if change is None:
        return False
    unanswered = facts.latest_guest is not None and (
        facts.last_staff_reply is None or facts.latest_guest_at > facts.last_staff_reply
    )
    if unanswered and rules.ai_should_answer(State.AI, is_group=row.is_group, ai_enabled=row.ai_enabled):
        conversation.ai_pending_since = now
        uow.enqueue(ai_reply_job(conversation.id, facts.latest_guest, 0))
    log.info("conversation %s handed back to the AI after staff silence", conversation.id)
    return True

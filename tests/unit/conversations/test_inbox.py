"""One staff member's inbox from the hotel's entries: sections, their order, unread marks (no database)."""

from __future__ import annotations

import dataclasses
import datetime
from uuid import UUID, uuid4

from domain.conversations.inbox import InboxEntry, drafts_only, inbox_from_snapshot, search_pattern
from domain.conversations.models import State

T0 = datetime.datetime(2026, 11, 30, 9, 0, tzinfo=datetime.UTC)
ANNA, BEN = uuid4(), uuid4()


def entry(state: State, minute: int, *, waiting: int = 0, staff: UUID | None = None) -> InboxEntry:
    at = T0 + datetime.timedelta(minutes=minute)
    return InboxEntry(
        id=uuid4(),
        guest_name=f"Guest {minute}",
        phone="+491700000000",
        state=state,
        preview="Hello",
        last_message_at=at,
        last_guest_message_at=at,
        waiting_since=T0 + datetime.timedelta(minutes=waiting) if state is State.NEEDS_HUMAN else None,
        updated_at=at,
        assigned_staff_id=staff,
        assigned_name=None,
        handoff_reason=None,
    )


def test_each_section_in_the_order_staff_work_through_it() -> None:
    waiting_short = entry(State.NEEDS_HUMAN, 9, waiting=8)
    waiting_long = entry(State.NEEDS_HUMAN, 5, waiting=1)
    ai_old, ai_new = entry(State.AI, 1), entry(State.AI, 7)
    anna_s, ben_s = entry(State.HUMAN, 3, staff=ANNA), entry(State.HUMAN, 4, staff=BEN)
    resolved = entry(State.RESOLVED, 2)
    entries = [waiting_short, ai_old, anna_s, resolved, ben_s, ai_new, waiting_long]
    inbox = inbox_from_snapshot(entries, ANNA, {})

    def ids(rows: list) -> list[UUID]:
        return [row.id for row in rows]

    assert ids(inbox.needs_human) == [waiting_long.id, waiting_short.id]  # the longest wait first
    assert ids(inbox.mine) == [anna_s.id]
    assert ids(inbox.others) == [ben_s.id]
    assert ids(inbox.ai) == [ai_new.id, ai_old.id]  # the latest first
    assert ids(inbox.resolved_today) == [resolved.id]
    assert inbox.waiting == 2


def test_a_conversation_is_unread_until_read_past_the_guests_last_message() -> None:
    read, written_since = entry(State.AI, 1), entry(State.AI, 2)
    marks = {(ANNA, read.id): T0 + datetime.timedelta(minutes=1), (ANNA, written_since.id): T0}
    inbox = inbox_from_snapshot([read, written_since], ANNA, marks)
    assert {row.id: row.unread for row in inbox.ai} == {read.id: False, written_since.id: True}
    assert inbox.unread == 1
    assert all(row.unread for row in inbox_from_snapshot([read, written_since], BEN, marks).ai)


def test_a_search_matches_its_words_literally() -> None:
    assert search_pattern("50%_off\\") == "%50\\%\\_off\\\\%"


def test_the_drafts_filter_keeps_the_conversations_with_a_draft_waiting_and_the_badge_counts_them() -> None:
    drafting = dataclasses.replace(entry(State.AI, 3), has_draft=True)
    answered, waiting = entry(State.AI, 4), entry(State.NEEDS_HUMAN, 5, waiting=1)
    inbox = inbox_from_snapshot([drafting, answered, waiting], ANNA, {})

    assert inbox.drafts == 1
    only = drafts_only(inbox)
    assert [row.id for row in only.ai] == [drafting.id]
    assert only.needs_human == only.mine == only.others == only.resolved_today == []
    assert only.ai[0] is inbox.ai[1], "the same row objects: the live push renders each once"

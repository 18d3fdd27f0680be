"""Live pushes send what changed in a staff member's inbox list, not the whole list again."""

from __future__ import annotations

import dataclasses
import datetime
import re
from types import SimpleNamespace
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.conversations.inbox import InboxEntry, inbox_from_snapshot
from domain.conversations.models import State
from domain.staff.models import Role
from domain.staff.service import HotelRole
from web.auth import Actor
from web.render import MAX_MOVED, RegionRenderer, moved_to_top, template_environment
from web.sessions import StaffSession

T0 = datetime.datetime(2026, 11, 30, 9, 0, tzinfo=datetime.UTC)
ENV = template_environment()
STAFF: Any = SimpleNamespace(staff_id=uuid4())
A, B, C, D, E = (uuid4() for _ in range(5))


def entry(conversation_id: UUID, minute: int, preview: str, state: State = State.AI) -> InboxEntry:
    at = T0 + datetime.timedelta(minutes=minute)
    return InboxEntry(
        id=conversation_id,
        guest_name=f"Guest {str(conversation_id)[:4]}",
        phone="+49 170 000",
        state=state,
        preview=preview,
        last_message_at=at,
        last_guest_message_at=at,
        waiting_since=at if state is State.NEEDS_HUMAN else None,
        updated_at=at,
        assigned_staff_id=None,
        assigned_name=None,
        handoff_reason="guest_asked_for_person" if state is State.NEEDS_HUMAN else None,
    )


def shown(entries: list[InboxEntry], current: UUID | None = None) -> tuple[RegionRenderer, Any]:
    renderer = RegionRenderer(ENV, entries, {}, {})
    return renderer, renderer.shown(inbox_from_snapshot(entries, STAFF.staff_id, {}), current)


def row_ids(fragment: str) -> list[str]:
    return re.findall(r'class="inbox-row[^"]*" id="row-([0-9a-f-]{36})"', fragment)


@pytest.mark.parametrize(
    ("old", "new", "moved"),
    [
        ((A, B, C), (A, B, C), 0),
        ((A, B, C), (C, A, B), 1),  # C wrote again: to the top
        ((A, B, C), (D, A, B, C), 1),  # a new conversation
        ((A, B, C), (A, C), 0),  # B left the section
        ((A, B, C), (C, B, A), 2),
        ((A, B, C, D), (A, C, B, D), 2),  # a swap below the top: A and C moved up
        ((), (A,), 1),
    ],
)
def test_moves_to_the_top_are_recognised(old, new, moved) -> None:
    assert moved_to_top(old, new) == moved


def test_more_moves_than_worth_sending_one_by_one_are_not_recognised() -> None:
    ids = tuple(uuid4() for _ in range(MAX_MOVED + 3))
    assert moved_to_top(ids, tuple(reversed(ids))) is None


def test_a_new_message_moves_only_its_row_to_the_top() -> None:
    base = [entry(A, 1, "first"), entry(B, 2, "second"), entry(C, 3, "third")]
    _, before = shown(base)
    renderer, after = shown([entry(A, 4, "Is the pool open?"), base[1], base[2]])
    update = renderer.list_update(before, after)
    assert update.index(f'delete:#live-rows-ai #row-{A}"') < update.index("afterbegin:#live-rows-ai")
    assert row_ids(update) == [str(A)]
    assert "Is the pool open?" in update
    assert "second" not in update
    assert "third" not in update
    assert "live-count-ai" not in update  # still three rows


def test_a_changed_row_that_keeps_its_place_is_replaced_in_place() -> None:
    base = [entry(A, 1, "first"), entry(B, 2, "second")]
    _, before = shown(base)
    renderer, after = shown([base[0], entry(B, 2, "second, edited")])
    update = renderer.list_update(before, after)
    assert update.startswith(f'<li hx-swap-oob="outerHTML:#live-rows-ai #row-{B}" ')
    assert row_ids(update) == [str(B)]
    assert "delete:" not in update


def test_a_hand_off_moves_the_row_between_sections_and_updates_both_counts() -> None:
    base = [entry(A, 1, "first"), entry(B, 2, "second")]
    _, before = shown(base)
    renderer, after = shown([entry(A, 3, "A person, please", State.NEEDS_HUMAN), base[1]])
    update = renderer.list_update(before, after)
    assert f'delete:#live-rows-ai #row-{A}"' in update
    assert "afterbegin:#live-rows-needs_human" in update
    assert '<span class="count" id="live-count-needs_human" hx-swap-oob="true">1</span>' in update
    assert '<span class="count" id="live-count-ai" hx-swap-oob="true">1</span>' in update
    # every removal comes before anything is added, so an id is never in the page twice
    assert update.index("afterbegin:") > update.rindex("delete:")


def test_a_reshuffled_section_is_sent_whole() -> None:
    ids = [uuid4() for _ in range(MAX_MOVED + 4)]
    base = [entry(i, n, f"message {n}") for n, i in enumerate(ids)]
    _, before = shown(base)
    # every conversation's order flips (say, a clock correction): more moves than worth sending
    renderer, after = shown([entry(i, -n, f"message {n}") for n, i in enumerate(ids)])
    update = renderer.list_update(before, after)
    assert update.startswith('<ul class="rows" id="live-rows-ai" hx-swap-oob="true">')
    assert row_ids(update) == [str(i) for i in ids]
    assert "delete:" not in update


def test_the_same_list_shown_twice_is_one_object_and_needs_no_update() -> None:
    base = [entry(A, 1, "first"), entry(B, 2, "second")]
    _, first = shown(base)
    renderer, second = shown(list(base))
    assert first is second
    assert renderer.list_update(first, second) == ""


def test_the_open_conversation_stays_highlighted_in_updates() -> None:
    base = [entry(A, 1, "first"), entry(B, 2, "second")]
    _, before = shown(base, current=A)
    renderer, after = shown([entry(A, 3, "again"), base[1]], current=A)
    update = renderer.list_update(before, after)
    assert f'class="inbox-row state-ai unread current" id="row-{A}"' in update


def test_sockets_that_connected_one_by_one_and_show_the_same_share_what_they_show() -> None:
    """Each connect renders through its own renderer; what the sockets show is still one object,
    so the next push works their update out once for all of them (web/live.py groups by it)."""
    base = [entry(A, 1, "first"), entry(B, 2, "second")]
    hotel = HotelRole(uuid4(), "Hotel Aurora", "aurora", Role.AGENT)
    session = StaffSession("token", STAFF.staff_id, hotel.hotel_id, "csrf", 0.0)
    actor = Actor(session, STAFF.staff_id, "Anna", "anna@aurora.example", hotel, [hotel])
    shown_by_socket = []
    for _ in range(3):
        renderer = RegionRenderer(ENV, list(base), {}, {})
        html, now_shown = renderer.region(actor, None)
        assert 'id="inbox-list"' in html
        shown_by_socket.append(now_shown)
    assert shown_by_socket[0] is shown_by_socket[1] is shown_by_socket[2]


def test_the_drafts_screen_lists_only_the_drafts_waiting_and_its_count_follows_them() -> None:
    """``/inbox?filter=drafts`` is a live list too: a draft that arrives joins it, with the count."""
    hotel = HotelRole(uuid4(), "Hotel Aurora", "aurora", Role.AGENT)
    session = StaffSession("token", STAFF.staff_id, hotel.hotel_id, "csrf", 0.0)
    actor = Actor(session, STAFF.staff_id, "Anna", "anna@aurora.example", hotel, [hotel])
    base = [dataclasses.replace(entry(A, 1, "Parking?"), has_draft=True), entry(B, 2, "Breakfast?")]
    html, first = RegionRenderer(ENV, base, {}, {}).region(actor, None, screen="drafts")
    assert row_ids(html) == [str(A)]
    assert "draft waiting" in html
    assert '<span id="drafts-count" class="count" hx-swap-oob="true">1</span>' in html

    drafted = [base[0], dataclasses.replace(base[1], has_draft=True)]
    update, _ = RegionRenderer(ENV, drafted, {}, {}).region(actor, None, first, screen="drafts")
    assert row_ids(update) == [str(B)]
    assert '<span id="drafts-count" class="count" hx-swap-oob="true">2</span>' in update
    # the plain inbox lists both, and says which waits for a person's approval
    whole, _ = RegionRenderer(ENV, drafted, {}, {}).region(actor, None, screen="inbox")
    assert sorted(row_ids(whole)) == sorted([str(A), str(B)])
    assert whole.count("draft waiting</span>") == 2

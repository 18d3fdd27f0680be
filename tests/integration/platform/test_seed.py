"""The generated history (``domain/demo``) as the product reads it: real rows in a real database,
checked for what a manager or an agent would notice if it were wrong."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from domain.conversations.rules import preview
from domain.demo.generator import HotelGenerator, HotelPlan, Rows, StaffSeat, Window
from domain.demo.seed import SeedOptions, history, seed
from domain.errors import Conflict, Invalid
from domain.knowledge.importer import parse_file
from web.app import create_app

ROOT = Path(__file__).resolve().parents[3]
END = datetime.datetime(2026, 11, 20, 18, 0, tzinfo=datetime.UTC)
KNOWLEDGE = parse_file(ROOT / "docs" / "demo-knowledge.md")
OPTIONS = SeedOptions(hotels=2, conversations=100, days=30, seed=7, end=END, prefix="t")


async def _seed(sessions: Any, options: SeedOptions = OPTIONS) -> Any:
    async with sessions() as session, session.begin():
        return await seed(session, options, KNOWLEDGE)


async def _rows(sessions: Any, sql: str, **params: Any) -> list[Any]:
    async with sessions() as session:
        return list((await session.execute(text(sql), params)).all())


async def test_counts_are_as_asked_and_every_table_has_history(sessions) -> None:
    report = await _seed(sessions)
    assert [slug for slug, _ in report.hotels] == ["t-berlin-1", "t-paris-1"]
    per_hotel = await _rows(
        sessions,
        "SELECT h.slug, count(c.id), min(c.created_at), max(c.last_message_at) FROM hotels h "
        "JOIN conversations c ON c.hotel_id = h.id GROUP BY h.slug ORDER BY h.slug",
    )
    assert sum(row[1] for row in per_hotel) == 100
    assert all(row[1] >= 30 for row in per_hotel), per_hotel
    for _, _, first, last in per_hotel:
        assert END - datetime.timedelta(days=31) <= first
        assert last <= END
    for table in (
        "messages",
        "state_transitions",
        "service_requests",
        "sla_breaches",
        "csat_surveys",
        "llm_calls",
    ):
        count = (await _rows(sessions, f"SELECT count(*) FROM {table}"))[0][0]
        assert count > 0, f"no {table}"
        assert report.rows[table] == count
    languages = await _rows(sessions, "SELECT DISTINCT language FROM guests")
    assert len(languages) >= 4, "guests write in several languages"


async def test_every_conversation_reads_in_order_and_its_summary_matches_its_messages(sessions) -> None:
    await _seed(sessions)
    messages: dict[UUID, list[Any]] = defaultdict(list)
    for row in await _rows(
        sessions,
        "SELECT conversation_id, author, text, created_at, hotel_id, status, chat_id FROM messages "
        "ORDER BY conversation_id, created_at, id",
    ):
        messages[row[0]].append(row)
    conversations = await _rows(
        sessions,
        "SELECT c.id, c.hotel_id, c.last_message_at, c.last_guest_message_at, c.last_message_preview, "
        "c.created_at, c.ai_pending_since, g.chat_id FROM conversations c JOIN guests g ON g.id = c.guest_id",
    )
    assert len(conversations) == 100
    for cid, hotel_id, last_at, last_guest_at, shown, created_at, pending, chat_id in conversations:
        timeline = messages[cid]
        assert timeline, "no conversation without messages"
        first = timeline[0]
        assert first[1] == "guest", "a guest's message opens it"
        assert first[3] == created_at
        guests = [m for m in timeline if m[1] == "guest"]
        assert last_at == timeline[-1][3]
        assert last_guest_at == guests[-1][3]
        assert shown == preview(guests[-1][2], "textMessage")
        assert pending is None, "no AI turn is left waiting (the worker would run it)"
        assert {m[4] for m in timeline} == {hotel_id}
        assert {m[6] for m in timeline} == {chat_id}
        # Nothing left for the outbox to send: every reply went out.
        assert {m[5] for m in timeline if m[1] != "guest"} <= {"sent", "delivered", "read"}


async def test_states_follow_the_transitions_and_staff_work_where_they_act(sessions) -> None:
    await _seed(sessions)
    moves: dict[UUID, list[Any]] = defaultdict(list)
    for row in await _rows(
        sessions,
        "SELECT conversation_id, from_state::text, to_state::text, to_staff_id, staff_id, hotel_id, actor "
        "FROM state_transitions ORDER BY conversation_id, created_at, id",
    ):
        moves[row[0]].append(row)
    members = {
        (row[0], row[1]) for row in await _rows(sessions, "SELECT staff_id, hotel_id FROM memberships")
    }
    rows = await _rows(
        sessions,
        "SELECT id, hotel_id, state::text, assigned_staff_id, needs_human_since, handoff_reason "
        "FROM conversations",
    )
    for cid, hotel_id, state, assigned, waiting_since, reason in rows:
        state_now = "ai"
        for _, from_state, to_state, _to_staff, staff_id, move_hotel, actor in moves[cid]:
            assert from_state == state_now, "each move starts where the last one ended"
            assert move_hotel == hotel_id
            if staff_id is not None:
                assert actor == "staff"
                assert (staff_id, hotel_id) in members
            state_now = to_state
        assert state == state_now, "the conversation is where its last transition took it"
        if moves[cid]:
            assert assigned == moves[cid][-1][3]
        assert (waiting_since is not None) == (state == "needs_human")
        if state == "needs_human":
            assert reason is not None


async def test_csat_only_after_a_resolve_and_attributed_to_who_answered(sessions) -> None:
    await _seed(sessions)
    surveys = await _rows(
        sessions,
        "SELECT s.conversation_id, s.asked_at, s.attributed_to, s.staff_id, s.rating, s.answered_at, "
        "(SELECT t.to_state::text FROM state_transitions t WHERE t.conversation_id = s.conversation_id "
        "   AND t.created_at <= s.asked_at ORDER BY t.created_at DESC, t.id DESC LIMIT 1), "
        "(SELECT m.staff_id FROM messages m WHERE m.conversation_id = s.conversation_id "
        "   AND m.author = 'staff' AND m.created_at <= s.asked_at ORDER BY m.created_at DESC LIMIT 1) "
        "FROM csat_surveys s",
    )
    assert surveys
    for _, asked, attributed, staff_id, rating, answered, state_then, last_staff in surveys:
        assert state_then == "resolved", "a survey follows a resolve"
        assert attributed in ("ai", "staff")
        if attributed == "staff":
            assert staff_id is not None
            assert staff_id == last_staff
        else:
            assert staff_id is None
        assert (rating is None) == (answered is None)
        if answered is not None:
            assert 1 <= rating <= 5
            assert answered > asked
    assert {s[2] for s in surveys} == {"ai", "staff"}
    assert any(s[4] is not None for s in surveys)
    assert any(s[4] is None for s in surveys)


async def test_breaches_are_waits_past_the_target(sessions) -> None:
    await _seed(sessions)
    breaches = await _rows(
        sessions,
        "SELECT b.kind, b.waiting_since, b.target_minutes, b.breached_at, b.answered_at, b.answered_by, "
        "h.sla_first_reply_minutes, h.sla_next_reply_minutes "
        "FROM sla_breaches b JOIN hotels h ON h.id = b.hotel_id",
    )
    assert breaches
    for kind, since, target, breached, answered, by, first, following in breaches:
        assert target == (first if kind == "first_reply" else following)
        assert breached == since + datetime.timedelta(minutes=target)
        if answered is not None:
            assert answered > breached
            assert by is not None


async def test_the_inbox_and_a_conversation_of_a_seeded_hotel_open(settings, sessions) -> None:
    await _seed(sessions)
    name, cid = (
        await _rows(
            sessions,
            "SELECT g.name, c.id FROM conversations c JOIN guests g ON g.id = c.guest_id "
            "JOIN hotels h ON h.id = c.hotel_id WHERE h.slug = 't-paris-1' "
            "ORDER BY c.last_message_at DESC LIMIT 1",
        )
    )[0]
    async with AsyncTestClient(app=create_app(settings)) as client:
        page = await client.get("/login")
        csrf = page.text.split('name="_csrf" value="', 1)[1].split('"', 1)[0]
        signed = await client.post(
            "/login",
            data={
                "email": "agent1@t-paris-1.example",
                "password": OPTIONS.password,
                "_csrf": csrf,
                "next": "/",
            },
        )
        assert signed.status_code in (200, 303)
        inbox = await client.get("/inbox")
        assert inbox.status_code == 200
        assert name.split()[0] in inbox.text
        conversation = await client.get(f"/conversations/{cid}")
        assert conversation.status_code == 200


async def test_seeding_the_same_hotels_twice_is_refused(sessions) -> None:
    await _seed(sessions)
    with pytest.raises(Conflict):
        await _seed(sessions)
    with pytest.raises(Invalid):
        await _seed(sessions, SeedOptions(hotels=0))


def _generate(seed: int) -> Rows:
    rng = random.Random(seed)
    hotel_id = UUID(int=1)
    plan = HotelPlan(
        id=hotel_id,
        timezone="Europe/Rome",
        languages=(("it", 0.5), ("en", 0.5)),
        agents=(StaffSeat(UUID(int=2), "Giulia"), StaffSeat(UUID(int=3), "Marco")),
        knowledge={"Breakfast": UUID(int=4)},
    )
    rows = Rows()
    generator = HotelGenerator(rng, plan, Window(END - datetime.timedelta(days=10), END), rows)
    for _ in range(40):
        generator.conversation()
    return rows


def test_the_same_seed_generates_the_same_rows() -> None:
    first, again, other = _generate(3), _generate(3), _generate(4)
    assert first.tables == again.tables
    assert first.tables["messages"] != other.tables["messages"]


async def test_history_for_an_existing_hotel_is_resolved_and_leaves_its_guests_alone(sessions, world) -> None:
    from domain.staff.models import Role
    from tests.support.web import make_staff

    await make_staff(sessions, world.aurora.id, "maria@aurora.example", Role.MANAGER, "Maria Manager")
    async with sessions() as session, session.begin():
        await session.execute(
            text(
                "INSERT INTO guests (id, hotel_id, chat_id, phone, name, is_group, created_at, updated_at) "
                "VALUES (:id, :hotel, '491701234567@c.us', '+491701234567', 'Live', false, now(), now())"
            ),
            {"id": uuid4(), "hotel": world.aurora.id},
        )
        report = await history(session, world.aurora.id, conversations=60, days=14, end=END)
    assert report.rows["conversations"] == 60
    states = await _rows(
        sessions,
        "SELECT state::text, count(*) FROM conversations WHERE hotel_id = :h GROUP BY 1",
        h=world.aurora.id,
    )
    assert states == [("resolved", 60)]
    assert (await _rows(sessions, "SELECT count(*) FROM guests WHERE phone = '+491701234567'"))[0][0] == 1
    others = await _rows(
        sessions, "SELECT count(*) FROM conversations WHERE hotel_id = :h", h=world.borealis.id
    )
    assert others[0][0] == 0

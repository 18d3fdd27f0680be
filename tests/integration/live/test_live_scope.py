"""A push reads again only what its events changed: a delivery tick or a note reads the one
conversation it concerns, not the hotel's inbox, and the staff member still sees it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import asyncpg
import pytest
from sqlalchemy import select

from domain.conversations.models import Conversation, State
from domain.events import (
    ConversationMoved,
    ConversationsMerged,
    InstanceStateChanged,
    MessageStatusChanged,
    MessageStored,
    NoteAdded,
    ServiceRequestChanged,
)
from domain.settings import Settings
from domain.staff.models import Role
from domain.staff.service import hotel_roles
from tests.integration.live.test_live import post_guest
from tests.support.servers import serve_app
from tests.support.uow import unit_of_work
from tests.support.world import World, build_world
from web.actor import Actor
from web.app import create_app
from web.live import scope_of
from web.render import RegionRenderer, Scope, template_environment
from web.sessions import StaffSession

HOTEL = uuid4()
A, B = uuid4(), uuid4()


def test_what_each_event_makes_a_push_read() -> None:
    tick = MessageStatusChanged(hotel_id=HOTEL, conversation_id=A, message_id=uuid4(), status="read")
    assert scope_of(tick) == Scope(conversations={A})
    assert scope_of(NoteAdded(hotel_id=HOTEL, conversation_id=A, note_id=uuid4())) == Scope(conversations={A})
    stored = MessageStored(hotel_id=HOTEL, conversation_id=A, message_id=uuid4())
    assert scope_of(stored) == Scope(inbox=True, conversations={A})
    moved = ConversationMoved(
        hotel_id=HOTEL, conversation_id=B, from_state=State.AI, state=State.NEEDS_HUMAN, reason="x"
    )
    assert scope_of(moved) == Scope(inbox=True, conversations={B})
    request = ServiceRequestChanged(hotel_id=HOTEL, conversation_id=None, status="open")
    assert scope_of(request) == Scope(inbox=True, board=True)
    assert scope_of(InstanceStateChanged(hotel_id=HOTEL, state="notAuthorized")) is None
    # A merge moves the merged conversation's requests: the board links them to the survivor.
    merged = ConversationsMerged(hotel_id=HOTEL, conversation_id=A, merged=B)
    assert scope_of(merged) == Scope(inbox=True, board=True, conversations={A, B})


def test_scopes_of_one_burst_add_up() -> None:
    scope = Scope(conversations={A})
    scope.add(Scope(inbox=True, conversations={B}))
    assert scope == Scope(inbox=True, conversations={A, B})
    scope.add(Scope.everything())
    assert scope == Scope.everything()
    assert scope.covers(uuid4())


class CountingReader:
    """A real connection that remembers what it was asked."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection
        self.statements: list[str] = []

    async def fetch(self, sql: str, *args: Any) -> list[Any]:
        self.statements.append(sql)
        return list(await self.connection.fetch(sql, *args))


@pytest.fixture
def server(settings: Settings, sessions: Any) -> Iterator[str]:
    with serve_app(create_app(settings)) as url:
        yield url


async def test_a_tick_reads_its_conversation_and_leaves_the_inbox_as_shown(
    server: str, sessions: Any, database_url: str
) -> None:
    world: World = await build_world(sessions, alex=Role.ADMIN)
    await post_guest(server, world.aurora, "hook-a", "Is the pool open?")
    async with sessions() as db:
        conversation = (await db.execute(select(Conversation))).scalars().one()
    assert world.anna is not None
    session = StaffSession("t", world.anna, world.aurora.id, "", 0.0)
    async with unit_of_work(sessions) as uow:
        roles = await hotel_roles(uow, world.anna)
    actor = Actor(session, world.anna, "Anna", "anna@aurora.example", roles[0], roles)
    env = template_environment()
    connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        viewers = [(world.anna, conversation.id)]
        reader = CountingReader(connection)
        full = await RegionRenderer.prepare(
            env, reader, sessions, world.aurora.id, timezone="UTC", viewers=viewers
        )
        first, shown = full.region(actor, conversation.id, screen="conversation")
        assert "Is the pool open?" in first
        assert reader.statements

        reader.statements.clear()
        async with sessions() as db:
            await db.execute(Conversation.__table__.update().values(last_message_preview="changed meanwhile"))
            await db.commit()
        tick = await RegionRenderer.prepare(
            env,
            reader,
            sessions,
            world.aurora.id,
            timezone="UTC",
            viewers=viewers,
            scope=Scope(conversations={conversation.id}),
        )
        update, after = tick.region(actor, conversation.id, shown, screen="conversation")
        assert reader.statements == []  # neither the inbox nor read marks were asked for
        assert "changed meanwhile" not in update  # the list stays as the socket shows it
        assert after.inbox is shown.inbox
    finally:
        await connection.close()

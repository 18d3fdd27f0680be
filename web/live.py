"""The live dashboard: one websocket per tab, fed by one Redis subscription per web process.

Litestar's channels plugin stops for good after a Redis outage of a few seconds, so this hub owns
its subscription: it reconnects with backoff, reports itself in /health/ready, and after every
reconnect re-sends the full live region to every socket (events during the outage are not lost
from view: the region is rendered from PostgreSQL). Each socket first receives the full region,
then deltas; the server decides what each staff member may see (their hotel only).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse
from uuid import UUID

from jinja2 import Environment
from litestar import WebSocket, websocket
from litestar.exceptions import WebSocketDisconnect
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.conversations.views import load_conversation
from domain.events import (
    ConversationsMerged,
    Event,
    InstanceNotice,
    InstanceStateChanged,
    MessageStatusChanged,
    NoteAdded,
    ServiceRequestChanged,
    UnknownEvent,
    from_wire,
)
from domain.uow import DriverUnitOfWork
from web.actor import Actor, Forbidden, LoginRequired, load_actor
from web.notices import Notice, notices_from
from web.render import RegionRenderer, Scope, Shown, live_region
from web.resources import ProvidedResources
from web.sessions import SessionStore

log = logging.getLogger(__name__)

CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403
VIEWER_TTL_SECONDS = 45
COALESCE_SECONDS = 0.002  # a short gather; flushes are single-flight, events during one join the next
TYPING_SECONDS = 4


@dataclass(eq=False)
class LiveClient:
    socket: WebSocket[Any, Any, Any]
    actor: Actor
    conversation_id: UUID | None
    timezone: str
    #: inbox, drafts (the inbox filtered to drafts waiting), conversation, requests (the board) or
    #: page (any other page)
    screen: str = "inbox"
    done: asyncio.Event = field(default_factory=asyncio.Event)  # set once the socket is closed
    # What its screen shows, once the full region was sent (pushes then send the difference);
    # None before that, and after a Redis outage (the next push sends the full region again).
    shown: Shown | None = None
    ready: bool = False


@dataclass(eq=False, kw_only=True)
class LiveHub:
    """One per web process. It gets only what it uses: its own Redis subscription (by URL, it
    reconnects itself), Redis for presence, the session store, the templates and two readers."""

    redis_url: str
    prefix: str
    redis: Redis
    session_store: SessionStore
    templates: Environment
    readers: Callable[[], DriverUnitOfWork]
    sessions: async_sessionmaker[AsyncSession]
    clients: dict[UUID, set[LiveClient]] = field(default_factory=dict, init=False)
    connected: bool = field(default=False, init=False)
    task: asyncio.Task[None] | None = field(default=None, init=False)
    pending: dict[UUID, asyncio.Task[None]] = field(default_factory=dict, init=False)
    running: set[UUID] = field(default_factory=set, init=False)
    # what each hotel's next flush reads again, and the notices it sends
    scopes: dict[UUID, Scope] = field(default_factory=dict, init=False)
    notices: dict[UUID, list[Notice]] = field(default_factory=dict, init=False)

    # -- the subscription ---------------------------------------------------------------------

    def start(self) -> None:
        self.task = asyncio.create_task(self._listen_forever(), name="live-hub")

    async def stop(self) -> None:
        if self.task:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        for task in list(self.pending.values()):
            task.cancel()
        for clients in list(self.clients.values()):
            for client in list(clients):
                await self._close(client, 1001)

    @property
    def alive(self) -> bool:
        return self.task is not None and not self.task.done() and self.connected

    async def _listen_forever(self) -> None:
        delay = 0.2
        while True:
            redis = Redis.from_url(self.redis_url, socket_connect_timeout=2, health_check_interval=5)
            try:
                pubsub = redis.pubsub(ignore_subscribe_messages=True)
                await pubsub.psubscribe(f"{self.prefix}hotel:*")
                await pubsub.subscribe(f"{self.prefix}live-control")
                if not self.connected:
                    self.connected = True
                    if delay > 0.2:
                        log.info("live hub reconnected to Redis; resyncing every socket")
                    self.wake_all()
                delay = 0.2
                while True:
                    message = await pubsub.get_message(timeout=5.0)
                    if message is None:
                        await pubsub.ping()
                        continue
                    await self._on_message(message)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self.connected:
                    log.warning("live hub lost Redis (%s); reconnecting", exc.__class__.__name__)
                self.connected = False
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
            finally:
                with contextlib.suppress(Exception):
                    await redis.aclose()

    async def _on_message(self, message: dict[str, Any]) -> None:
        channel = message.get("channel", b"")
        channel = channel.decode() if isinstance(channel, bytes) else str(channel)
        hotel_id: UUID | None = None
        if channel != f"{self.prefix}live-control":
            try:
                hotel_id = UUID(channel.rsplit(":", 1)[-1])
            except ValueError:
                return
            if hotel_id not in self.clients:
                return  # nobody here shows this hotel: every event of the installation passes by
        try:
            data = json.loads(message["data"])
        except (ValueError, TypeError):
            return
        if hotel_id is None:
            await self._control(data)
            return
        if isinstance(data, dict) and data.get("kind") == "presence":
            # Presence is the hub's own chatter between web processes, not a domain event.
            await self._presence(hotel_id, data.get("conversation_id"), data.get("data") or {})
            return
        try:
            event = from_wire(data)
        except UnknownEvent as exc:
            # Another version of the code is publishing: say so loudly, and show what the
            # database says rather than nothing.
            log.error("live: cannot read an event on %s: %s", channel, exc)  # noqa: TRY400
            self.schedule(hotel_id, Scope.everything())
            return
        self.on_event(event)

    def on_event(self, event: Event) -> None:
        """What an event changes on the staff's screens decides what is read again."""
        hotel_id = event.hotel_id
        scope = scope_of(event)
        if scope is None:
            return
        notices = notices_from(event)
        if notices and hotel_id in self.clients:
            self.notices.setdefault(hotel_id, []).extend(notices)
        self.schedule(hotel_id, scope)

    async def _control(self, data: dict[str, Any]) -> None:
        """Sign-out and deactivation reach sockets on every web process (a deactivation at one
        hotel closes only the sockets showing that hotel)."""
        for clients in list(self.clients.values()):
            for client in list(clients):
                actor = client.actor
                session = data.get("session") == actor.session.token
                here = data.get("hotel_id") in (None, str(actor.hotel_id))  # no hotel named: every one
                person = data.get("staff_id") == str(actor.staff_id) and here
                if session or person:
                    await self._close(client, CLOSE_UNAUTHORIZED)

    # -- presence: who else is looking at a conversation, who is typing -------------------------

    def _viewers_key(self, conversation_id: UUID | str) -> str:
        return f"{self.prefix}viewers:{conversation_id}"

    async def announce(self, client: LiveClient, *, here: bool, typing: bool = False) -> None:
        """Record (or drop) this tab as a viewer and tell every process's sockets on the conversation."""
        if client.conversation_id is None:
            return
        key = self._viewers_key(client.conversation_id)
        field_name = f"{client.actor.staff_id}:{id(client)}"
        if here:
            value = json.dumps(
                {
                    "name": client.actor.name,
                    "staff_id": str(client.actor.staff_id),
                    "until": time.time() + VIEWER_TTL_SECONDS,
                }
            )
            await self.redis.hset(key, field_name, value)  # type: ignore[misc]
            await self.redis.expire(key, VIEWER_TTL_SECONDS * 2)
        else:
            await self.redis.hdel(key, field_name)  # type: ignore[misc]
        data = (
            {"typing_staff": str(client.actor.staff_id), "typing_name": client.actor.name} if typing else {}
        )
        event = {"kind": "presence", "conversation_id": str(client.conversation_id), "data": data}
        await self.redis.publish(f"{self.prefix}hotel:{client.actor.hotel_id}", json.dumps(event))

    async def _presence(self, hotel_id: UUID, conversation_id: str | None, data: dict[str, Any]) -> None:
        watchers = [c for c in self.clients.get(hotel_id, ()) if str(c.conversation_id) == conversation_id]
        if not watchers or conversation_id is None:
            return
        raw = await self.redis.hgetall(self._viewers_key(conversation_id))  # type: ignore[misc]
        now = time.time()
        viewers: dict[str, str] = {}
        for value in raw.values():
            entry = json.loads(value)
            if entry.get("until", 0) > now:
                viewers[entry["staff_id"]] = entry["name"]
        template = self.templates.get_template("partials/conversations/_presence.html")
        for client in watchers:
            me = str(client.actor.staff_id)
            typing = data.get("typing_name") if data.get("typing_staff") not in (None, me) else None
            html = template.render(
                viewers=[name for staff_id, name in viewers.items() if staff_id != me],
                typing=typing,
                typing_until=int((now + TYPING_SECONDS) * 1000),
            )
            with contextlib.suppress(Exception):
                await client.socket.send_text(html)

    def resync(self, client: LiveClient) -> None:
        """The tab replaced its list itself (a search was cleared): send it whole on the next push."""
        client.shown = None
        self.schedule(client.actor.hotel_id, Scope.everything())

    def wake_all(self) -> None:
        """Events may have been missed (Redis was away): send every socket its full region again."""
        for hotel_id, clients in list(self.clients.items()):
            for client in clients:
                client.shown = None
            self.schedule(hotel_id, Scope.everything())

    # -- pushing: one render per distinct view per burst, shared by every socket showing it ------

    def schedule(self, hotel_id: UUID, scope: Scope) -> None:
        """Events for a hotel collapse, and so do their scopes: into the flush about to start, or
        into exactly one more after the running one (never two flushes of a hotel at once, never
        an event missed)."""
        if hotel_id not in self.clients:
            return
        self.scopes.setdefault(hotel_id, Scope()).add(scope)
        if hotel_id not in self.running and hotel_id not in self.pending:
            self.pending[hotel_id] = asyncio.create_task(self._flush(hotel_id))

    async def _flush(self, hotel_id: UUID) -> None:
        try:
            await asyncio.sleep(COALESCE_SECONDS)
        finally:
            self.pending.pop(hotel_id, None)
        self.running.add(hotel_id)
        try:
            await self._render_and_send(hotel_id, self.scopes.pop(hotel_id, Scope.everything()))
        finally:
            self.running.discard(hotel_id)
            if hotel_id in self.scopes:
                self.pending[hotel_id] = asyncio.create_task(self._flush(hotel_id))

    async def _render_and_send(self, hotel_id: UUID, scope: Scope) -> None:
        # A socket still waiting for its first full region (``serve``) gets nothing yet.
        clients = [c for c in self.clients.get(hotel_id, ()) if c.ready and not c.done.is_set()]
        if not clients:
            return
        try:
            # Sessions end on sign-out and deactivation; a notice about it may have been missed
            # (Redis was away), so every push checks that each socket's session still exists (one
            # MGET for all of the hotel's sockets on this process).
            alive = await self.session_store.alive(list({c.actor.session.token for c in clients}))
        except Exception:
            log.warning("live: cannot check sessions; retrying shortly", exc_info=True)
            await asyncio.sleep(1)
            self.schedule(hotel_id, scope)
            return
        for client in [c for c in clients if c.actor.session.token not in alive]:
            await self._close(client, CLOSE_UNAUTHORIZED)
        clients = [c for c in clients if c.actor.session.token in alive]
        if not clients:
            return
        notices = self.notices.pop(hotel_id, [])
        if any(c.shown is None for c in clients):
            scope = Scope.everything()  # a socket that needs its region whole (after an outage)
        try:
            async with self.readers() as reader:
                renderer = await RegionRenderer.prepare(
                    self.templates,
                    reader,
                    self.sessions,
                    hotel_id,
                    timezone=clients[0].timezone,
                    viewers=[(c.actor.staff_id, c.conversation_id) for c in clients],
                    board=any(c.screen == "requests" for c in clients),
                    notices=notices,
                    scope=scope,
                )
            # Sockets of one staff member on the same screen that show the same share a render.
            pages: dict[tuple[object, ...], tuple[str, Shown]] = {}
            updates: list[tuple[LiveClient, str]] = []
            for client in clients:
                actor = client.actor
                key = (actor.staff_id, actor.role, client.screen, client.conversation_id, id(client.shown))
                if key not in pages:
                    pages[key] = renderer.region(
                        actor, client.conversation_id, client.shown, screen=client.screen
                    )
                html, client.shown = pages[key]
                if html:
                    updates.append((client, html))
        except Exception:
            log.warning("live render failed; retrying shortly", exc_info=True)
            self.notices.setdefault(hotel_id, [])[:0] = notices
            await asyncio.sleep(1)
            self.schedule(hotel_id, scope)
            return
        for client, html in updates:
            await self._send(client, html)

    async def _send(self, client: LiveClient, html: str) -> None:
        # uvicorn's websocket protocol (``websockets-sansio``, set in ``hotelbot serve``) hands the
        # frame to the transport and returns: a send never waits for a slow client, so sockets are
        # served one after another, with no task or timer each.
        try:
            await client.socket.send_text(html)
        except Exception:
            await self._close(client, 1011)  # a broken socket: the browser reconnects and resyncs

    # -- sockets ------------------------------------------------------------------------------

    def register(self, client: LiveClient) -> None:
        self.clients.setdefault(client.actor.hotel_id, set()).add(client)

    def unregister(self, client: LiveClient) -> None:
        clients = self.clients.get(client.actor.hotel_id)
        if clients is not None:
            clients.discard(client)
            if not clients:
                self.clients.pop(client.actor.hotel_id, None)
                self.notices.pop(client.actor.hotel_id, None)  # nobody left to tell

    @property
    def socket_count(self) -> int:
        return sum(len(c) for c in self.clients.values())

    async def _close(self, client: LiveClient, code: int) -> None:
        client.done.set()
        with contextlib.suppress(Exception):
            await client.socket.close(code=code)

    async def serve(self, client: LiveClient) -> None:
        """The full region first, on every (re)connect; deltas then come from the hotel's flushes."""
        async with self.readers() as reader:
            html, shown = await live_region(
                self.templates,
                reader,
                self.sessions,
                client.actor,
                conversation_id=client.conversation_id,
                timezone=client.timezone,
                screen=client.screen,
            )
        await client.socket.send_text(html)
        client.shown, client.ready = shown, True
        # anything that changed while it was being sent
        self.schedule(client.actor.hotel_id, Scope.everything())
        await client.done.wait()


def scope_of(event: Event) -> Scope | None:
    """What an event changes on the staff's screens (None: nothing the live region shows; the
    admin pages read the connection state themselves). A kind not named here reads everything."""
    match event:
        case InstanceStateChanged() | InstanceNotice():
            return None
        case MessageStatusChanged(conversation_id=cid) | NoteAdded(conversation_id=cid):
            return Scope(conversations={cid})
        case ServiceRequestChanged(conversation_id=cid):
            return Scope(inbox=True, board=True, conversations=set() if cid is None else {cid})
        case ConversationsMerged(conversation_id=cid, merged=merged):
            return Scope(inbox=True, board=True, conversations={cid, merged})  # requests move too
        case _ if isinstance(getattr(event, "conversation_id", None), UUID):
            return Scope(inbox=True, conversations={event.conversation_id})  # type: ignore[attr-defined]
    return Scope.everything()


def screen_of(conversation_id: UUID | None, screen: str | None) -> str:
    """What the tab shows: a conversation, the inbox (the default), the requests board, or any
    other page (only the badge and notices)."""
    if conversation_id is not None:
        return "conversation"
    return screen if screen in ("requests", "page", "drafts") else "inbox"


def origin_allowed(socket: WebSocket[Any, Any, Any], public_base_url: str) -> bool:
    origin = socket.headers.get("origin")
    if not origin:
        return False
    allowed = {urlparse(public_base_url).netloc}
    host = socket.headers.get("host")
    if host:
        allowed.add(host)
    return urlparse(origin).netloc in allowed


@websocket("/live")
async def live(
    socket: WebSocket[Any, Any, Any],
    resources: ProvidedResources,
    hub: LiveHub,
    conversation: str | None = None,
    screen: str | None = None,
) -> None:
    if not origin_allowed(socket, resources.settings.public_base_url):
        await socket.close(code=CLOSE_FORBIDDEN, reason="origin not allowed")  # handshake refused: HTTP 403
        return
    try:
        actor = await load_actor(socket, resources)
    except (LoginRequired, Forbidden):
        # Accept, then close with 4401: the page sees the code and goes to the sign-in page.
        await socket.accept()
        await socket.close(code=CLOSE_UNAUTHORIZED, reason="sign in first")
        return
    conversation_id: UUID | None = None
    if conversation:
        with contextlib.suppress(ValueError):
            conversation_id = UUID(conversation)
        async with resources.sessions() as db:
            if (
                conversation_id is None
                or await load_conversation(db, actor.hotel_id, conversation_id) is None
            ):
                await socket.close(code=CLOSE_FORBIDDEN, reason="no such conversation")
                return
    await socket.accept()
    timezone = await resources.timezones.of(actor.hotel_id)
    client = LiveClient(socket, actor, conversation_id, timezone, screen_of(conversation_id, screen))
    hub.register(client)
    sender = asyncio.create_task(hub.serve(client))
    await _quietly(hub.announce(client, here=True))
    receive = asyncio.create_task(socket.receive_text())
    try:
        while True:
            done, _ = await asyncio.wait({receive, sender}, timeout=15, return_when=asyncio.FIRST_COMPLETED)
            if sender in done:
                break
            if receive in done:
                notice = _notice(receive.result())
                if notice.get("typing"):
                    await _quietly(hub.announce(client, here=True, typing=True))
                if notice.get("resync"):
                    hub.resync(client)
                receive = asyncio.create_task(socket.receive_text())
            else:  # quiet for a while: keep this tab listed as a viewer
                await _quietly(hub.announce(client, here=True))
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        receive.cancel()
        client.done.set()
        hub.unregister(client)
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await sender
        await _quietly(hub.announce(client, here=False))


async def _quietly(awaitable: Any) -> None:
    """Presence is a nicety: a Redis hiccup must not end the socket."""
    with contextlib.suppress(Exception):
        await awaitable


def _notice(text: str) -> dict[str, Any]:
    if len(text) > 4096:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}

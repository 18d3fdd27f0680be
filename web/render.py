"""Rendering the live regions: the same partials serve pages, htmx answers and websocket pushes."""

from __future__ import annotations

import datetime
import weakref
from dataclasses import dataclass, field, replace
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.conversations.views import (
    REASON_LABELS,
    ConversationView,
    Inbox,
    InboxEntry,
    InboxRow,
    Reader,
    SortedEntries,
    inbox_from_snapshot,
    load_conversation,
    load_inbox,
    load_live_snapshot,
)
from web.auth import Actor

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


def template_environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(ROOT / "templates")),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates change with a deploy, not while the process runs
    )


def today_start(timezone: str) -> datetime.datetime:
    try:
        zone = ZoneInfo(timezone)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    now = datetime.datetime.now(zone)
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


async def inbox_for(db: AsyncSession, actor: Actor, query: str = "", timezone: str = "UTC") -> Inbox:
    return await load_inbox(
        db, actor.hotel_id, actor.staff_id, query=query, today_start=today_start(timezone)
    )


def conversation_context(actor: Actor, view: ConversationView, inbox: Inbox) -> dict[str, Any]:
    reason = view.conversation.handoff_reason or ""
    return {
        "actor": actor,
        "view": view,
        "inbox": inbox,
        "waiting": inbox.waiting,
        "guest_name": view.guest.name or view.guest.phone,
        "reason_label": REASON_LABELS.get(reason, reason),
        "current_id": view.conversation.id,
        "active": "inbox",
    }


def without_csrf(actor: Actor) -> Actor:
    """Pushed fragments are shared between tabs; htmx sends the page's own token in a header."""
    return replace(actor, session=replace(actor.session, csrf=""))


def badge_html(waiting: int) -> str:
    return (
        f'<span id="waiting-badge" class="badge{"" if waiting else " hidden"}" hx-swap-oob="true" '
        f'data-waiting="{waiting}" aria-label="guests waiting">{waiting or ""}</span>'
    )


# Rendered inbox rows, kept across pushes (a row is all its fields: a changed row is a new key), so
# a push renders only the rows that changed since the last one.
ROW_CACHE_SIZE = 20_000
_ROW_HTML: dict[tuple[Environment, InboxRow], Markup] = {}

SECTIONS = ("needs_human", "mine", "others", "ai", "resolved")
MAX_MOVED = 8  # past this many rows moved to the top of a section, the section is sent whole


def _sections(inbox: Inbox) -> tuple[list[InboxRow], ...]:
    return (inbox.needs_human, inbox.mine, inbox.others, inbox.ai, inbox.resolved_today)


@dataclass(frozen=True, eq=False)
class ShownList:
    """What one socket's live inbox list shows: the rows of each section, in order, as rendered.

    The next push to that socket sends only the difference (``RegionRenderer.list_update``).
    Equal lists are one object (``shown_list``), so sockets showing the same list share the work.
    """

    order: tuple[tuple[UUID, ...], ...]
    rows: dict[UUID, str]
    waiting: int


_SHOWN: weakref.WeakValueDictionary[tuple[object, ...], ShownList] = weakref.WeakValueDictionary()


def shown_list(order: tuple[tuple[UUID, ...], ...], rows: dict[UUID, str], waiting: int) -> ShownList:
    key = (order, tuple(rows[i] for section in order for i in section), waiting)
    shown = _SHOWN.get(key)
    if shown is None:
        shown = ShownList(order, rows, waiting)
        _SHOWN[key] = shown
    return shown


def moved_to_top(old: tuple[UUID, ...], new: tuple[UUID, ...]) -> int | None:
    """How many rows at the top of ``new`` came there from elsewhere (or are new), when the rest
    kept their order and only rows that left the section are missing; None if that is not so."""
    staying = set(new)
    for k in range(min(len(new), MAX_MOVED) + 1):
        head = set(new[:k])
        if list(new[k:]) == [i for i in old if i in staying and i not in head]:
            return k
    return None


def _oob_row(scope_rows: str, row_id: UUID, html: str) -> str:
    """A row replacing the one with its id in that section (outerHTML)."""
    return html.replace("<li ", f'<li hx-swap-oob="outerHTML:#{scope_rows} #row-{row_id}" ', 1)


def _mark_current(html: str, row_id: UUID) -> str:
    """Highlight the open conversation's row in rendered list or row HTML (per tab, no re-render)."""
    return html.replace(f'" id="row-{row_id}"', f' current" id="row-{row_id}"', 1)


@dataclass
class RegionRenderer:
    """Renders live regions for many sockets at once, sharing what does not depend on the viewer.

    Everything is loaded first, in a few column queries for the whole hotel (``prepare``); rendering
    then needs no database. Inbox rows are rendered once each and shared by every staff member's
    list; a conversation's timeline and guest panel are the same for everyone; only the inbox's
    sections (mine, unread) and the conversation header (which buttons) depend on the viewer.
    """

    env: Environment
    entries: SortedEntries | list[InboxEntry]
    marks: dict[tuple[UUID, UUID], datetime.datetime]
    views: dict[UUID, ConversationView | None]
    inboxes: dict[UUID, Inbox] = field(default_factory=dict)
    shared_rows: dict[tuple[UUID, bool], InboxRow] = field(default_factory=dict)
    shared: dict[UUID, str] = field(default_factory=dict)
    lists: dict[tuple[tuple[tuple[UUID, bool], ...], ...], str] = field(default_factory=dict)
    shown_lists: dict[tuple[object, UUID | None], ShownList] = field(default_factory=dict)
    updates: dict[tuple[int, int], str] = field(default_factory=dict)

    @classmethod
    async def prepare(
        cls,
        env: Environment,
        reader: Reader,
        sessions: async_sessionmaker[AsyncSession],
        hotel_id: UUID,
        *,
        timezone: str,
        viewers: list[tuple[UUID, UUID | None]],
    ) -> RegionRenderer:
        """Load what these viewers' regions show: the inbox on the driver connection ``reader``,
        open conversations (if any) in an ORM session of their own."""
        entries, marks = await load_live_snapshot(
            reader, hotel_id, list({staff for staff, _ in viewers}), today_start=today_start(timezone)
        )
        views = {}
        conversations = {c for _, c in viewers if c is not None}
        if conversations:
            async with sessions() as db:
                for conversation_id in conversations:
                    views[conversation_id] = await load_conversation(db, hotel_id, conversation_id)
        return cls(env, SortedEntries.of(entries), marks, views)

    def row_html(self, row: InboxRow) -> Markup:
        key = (self.env, row)
        html = _ROW_HTML.get(key)
        if html is None:
            rendered = self.env.get_template("partials/inbox/_row.html").render(row=row, current_id=None)
            html = Markup(rendered.strip())  # noqa: S704 - our own template's output, escaped by Jinja
            if len(_ROW_HTML) >= ROW_CACHE_SIZE:
                for stale in list(_ROW_HTML)[: ROW_CACHE_SIZE // 2]:
                    del _ROW_HTML[stale]
            _ROW_HTML[key] = html
        return html

    def inbox(self, actor: Actor) -> Inbox:
        key = actor.staff_id
        if key not in self.inboxes:
            self.inboxes[key] = inbox_from_snapshot(
                self.entries, actor.staff_id, self.marks, rows=self.shared_rows
            )
        return self.inboxes[key]

    @staticmethod
    def _shape(inbox: Inbox) -> tuple[tuple[tuple[UUID, bool], ...], ...]:
        """Within one push, rows with the same id and unread mark are the same row."""
        return tuple(tuple((row.id, row.unread) for row in section) for section in _sections(inbox))

    def list_html(self, inbox: Inbox, current: UUID | None) -> str:
        """The whole list, out of band. Staff whose inboxes hold the same rows with the same unread
        marks see the same list: it is rendered once for all of them."""
        shape = self._shape(inbox)
        if shape not in self.lists:
            context = {"inbox": inbox, "oob": True, "current_id": None, "row_html": self.row_html}
            self.lists[shape] = self.env.get_template("partials/inbox/_list.html").render(context)
        html = self.lists[shape]
        return html if current is None else _mark_current(html, current)

    def shown(self, inbox: Inbox, current: UUID | None) -> ShownList:
        key = (self._shape(inbox), current)
        if key not in self.shown_lists:
            self.shown_lists[key] = self._shown(inbox, current)
        return self.shown_lists[key]

    def _shown(self, inbox: Inbox, current: UUID | None) -> ShownList:
        rows: dict[UUID, str] = {}
        for section in _sections(inbox):
            for row in section:
                html = str(self.row_html(row))
                rows[row.id] = _mark_current(html, row.id) if row.id == current else html
        order = tuple(tuple(row.id for row in section) for section in _sections(inbox))
        return shown_list(order, rows, inbox.waiting)

    def list_update(self, old: ShownList, new: ShownList) -> str:
        """The out-of-band fragments that turn the list ``old`` shows into ``new``: rows removed,
        rows moved to the top of a section, rows changed in place, and whole sections otherwise."""
        if old is new:
            return ""
        key = (id(old), id(new))
        if key not in self.updates:
            self.updates[key] = self._list_update(old, new)
        return self.updates[key]

    def _list_update(self, old: ShownList, new: ShownList) -> str:
        deletes: list[str] = []
        changes: list[str] = []
        for key, before, after in zip(SECTIONS, old.order, new.order, strict=True):
            target = f"live-rows-{key}"
            if len(before) != len(after):
                count = f'<span class="count" id="live-count-{key}" hx-swap-oob="true">{len(after)}</span>'
                changes.append(count)
            moved = 0 if before == after else moved_to_top(before, after)
            if moved is None:
                rows = "".join(new.rows[i] for i in after)
                changes.append(f'<ul class="rows" id="{target}" hx-swap-oob="true">{rows}</ul>')
                continue
            head = set(after[:moved])
            staying = set(after)
            deletes.extend(
                f'<div hx-swap-oob="delete:#{target} #row-{i}"></div>'
                for i in before
                if i in head or i not in staying
            )
            if moved:
                rows = "".join(new.rows[i] for i in after[:moved])
                changes.append(f'<div hx-swap-oob="afterbegin:#{target}">{rows}</div>')
            changes.extend(
                _oob_row(target, i, new.rows[i]) for i in after[moved:] if new.rows[i] != old.rows.get(i)
            )
        return "".join(deletes + changes)

    def region(
        self,
        actor: Actor,
        conversation_id: UUID | None,
        shown: ShownList | None = None,
        conversation_shown: str | None = None,
    ) -> tuple[str, ShownList, str]:
        """The live region for one socket: the inbox list whole, or only what changed since
        ``shown``; the open conversation (header, timeline, guest panel) when it differs from
        ``conversation_shown``, so a push about another guest leaves it, and where staff scrolled
        to, alone; the badge. Also what the socket shows afterwards."""
        actor = without_csrf(actor)
        inbox = self.inbox(actor)
        now_shown = self.shown(inbox, conversation_id)
        if shown is None:
            parts = [self.list_html(inbox, conversation_id)]
        else:
            parts = [self.list_update(shown, now_shown)]
        conversation = ""
        view = self.views.get(conversation_id) if conversation_id is not None else None
        if conversation_id is not None and view is not None:
            context = {**conversation_context(actor, view, inbox), "oob": True}
            if conversation_id not in self.shared:
                self.shared[conversation_id] = "".join(
                    self.env.get_template(f"partials/conversations/{name}.html").render(context)
                    for name in ("_timeline", "_guest_panel")
                )
            header = self.env.get_template("partials/conversations/_header.html").render(context)
            conversation = header + self.shared[conversation_id]
            if conversation != conversation_shown:
                parts.append(conversation)
        if shown is None or shown.waiting != inbox.waiting:
            parts.append(badge_html(inbox.waiting))
        return "".join(parts), now_shown, conversation


async def live_region(
    env: Environment,
    reader: Reader,
    sessions: async_sessionmaker[AsyncSession],
    actor: Actor,
    *,
    conversation_id: UUID | None,
    timezone: str,
) -> tuple[str, ShownList, str]:
    """Everything one staff screen shows live, as out-of-band fragments (sent first on every connect)."""
    renderer = await RegionRenderer.prepare(
        env,
        reader,
        sessions,
        actor.hotel_id,
        timezone=timezone,
        viewers=[(actor.staff_id, conversation_id)],
    )
    return renderer.region(actor, conversation_id)

"""Rendering the live regions: the same partials serve pages, htmx answers and websocket pushes."""

from __future__ import annotations

import datetime
import secrets
import weakref
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.conversations.models import State
from domain.conversations.rules import staff_actions
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
from domain.service_requests.rules import STATUSES
from domain.service_requests.views import BoardSection, load_board
from domain.staff.models import Role
from web.actor import Actor
from web.notices import WAITING, Notice, notice_text

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


def template_environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(str(ROOT / "templates")),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates change with a deploy, not while the process runs
    )
    environment.globals["request_statuses"] = STATUSES
    return environment


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
    conversation = view.conversation
    reason = conversation.handoff_reason or ""
    return {
        "actor": actor,
        "view": view,
        "inbox": inbox,
        "waiting": inbox.waiting,
        "guest_name": view.guest.name or view.guest.phone,
        "reason_label": REASON_LABELS.get(reason, reason),
        "current_id": conversation.id,
        "active": "inbox",
        # what this staff member is offered, and whose hands the conversation is in
        "actions": staff_actions(conversation.state, conversation.assigned_staff_id, actor.staff_id),
        "mine": conversation.state is State.HUMAN and conversation.assigned_staff_id == actor.staff_id,
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


def inbox_sections(inbox: Inbox) -> tuple[list[InboxRow], ...]:
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


@dataclass(frozen=True, eq=False)
class Shown:
    """What one socket's screen shows, as last sent: its inbox list (kept on every screen, for the
    badge), and the open conversation or the requests board where it shows one."""

    inbox: ShownList
    conversation: str | None = None
    board: str | None = None


# Across pushes and connects, like ``_SHOWN``: sockets that connected one by one (each through its
# own renderer) and show the same share one object, so the next push renders once for all of them
# (``bench.live``'s broadcast to 2,000 sockets of one view went from 76 to 350 ms without it).
_REMEMBERED: weakref.WeakValueDictionary[tuple[object, ...], Shown] = weakref.WeakValueDictionary()


@dataclass
class RegionRenderer:
    """Renders live regions for many sockets at once, sharing what does not depend on the viewer.

    Everything is loaded first, in a few column queries for the whole hotel (``prepare``); rendering
    then needs no database. Inbox rows are rendered once each and shared by every staff member's
    list; a conversation's timeline is the same for everyone. What differs by viewer is rendered
    for each kind of viewer once, keyed by what changes it: the guest panel by role (admins get
    the GDPR controls), the header and the composer's status line by staff member (which buttons,
    "you"), the inbox's sections (mine, unread) by staff member.
    """

    env: Environment
    entries: SortedEntries | list[InboxEntry]
    marks: dict[tuple[UUID, UUID], datetime.datetime]
    views: dict[UUID, ConversationView | None]
    board: list[BoardSection] | None = None
    notices: list[Notice] = field(default_factory=list)
    names: dict[UUID, str] = field(default_factory=dict)
    inboxes: dict[UUID, Inbox] = field(default_factory=dict)
    shared_rows: dict[tuple[UUID, bool], InboxRow] = field(default_factory=dict)
    shared: dict[tuple[object, ...], str] = field(default_factory=dict)
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
        board: bool = False,
        notices: list[Notice] | None = None,
    ) -> RegionRenderer:
        """Load what these viewers' regions show: the inbox on the driver connection ``reader``,
        open conversations (if any) and the requests board (if asked) in an ORM session of their
        own, and the names that pending notices mention."""
        entries, marks = await load_live_snapshot(
            reader, hotel_id, list({staff for staff, _ in viewers}), today_start=today_start(timezone)
        )
        views = {}
        requests = None
        conversations = {c for _, c in viewers if c is not None}
        if conversations or board:
            async with sessions() as db:
                for conversation_id in conversations:
                    views[conversation_id] = await load_conversation(db, hotel_id, conversation_id)
                if board:
                    requests = await load_board(db, hotel_id)
        notices = notices or []
        names: dict[UUID, str] = {}
        mentioned = list({staff for n in notices for staff in (n.by, n.to) if staff is not None})
        if mentioned:
            rows = await reader.run("fetch", STAFF_NAMES_SQL, mentioned)
            names = {row[0]: row[1] for row in rows}
        return cls(env, SortedEntries.of(entries), marks, views, requests, notices, names)

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
        return tuple(tuple((row.id, row.unread) for row in section) for section in inbox_sections(inbox))

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
        for section in inbox_sections(inbox):
            for row in section:
                html = str(self.row_html(row))
                rows[row.id] = _mark_current(html, row.id) if row.id == current else html
        order = tuple(tuple(row.id for row in section) for section in inbox_sections(inbox))
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

    def _once(self, key: tuple[object, ...], template: str, context: dict[str, Any]) -> str:
        """A fragment rendered once per push for everyone whose ``key`` is the same."""
        if key not in self.shared:
            self.shared[key] = self.env.get_template(template).render(context)
        return self.shared[key]

    def conversation_html(self, actor: Actor, view: ConversationView, inbox: Inbox) -> str:
        """The open conversation, out of band: header and composer status for this staff member,
        the guest panel for their role, the timeline for everyone."""
        cid = view.conversation.id
        context = {**conversation_context(actor, view, inbox), "oob": True}
        admin = actor.role is Role.ADMIN
        return "".join(
            (
                self._once((cid, "header", actor.staff_id, actor.role), _HEADER, context),
                self._once((cid, "composer", actor.staff_id), _COMPOSER_STATUS, context),
                self._once((cid, "timeline"), _TIMELINE, context),
                self._once((cid, "guest", admin), _GUEST_PANEL, context),
            )
        )

    def board_html(self) -> str:
        context = {"board": self.board or [], "oob": True}
        return self._once(("board",), _BOARD, context)

    def notices_html(self, actor: Actor) -> str:
        """The notices for this staff member in this push, each rendered once for all it reaches."""
        parts = []
        for index, notice in enumerate(self.notices):
            if not notice.reaches(actor.staff_id):
                continue
            entry = self.entries_by_id.get(notice.conversation_id)
            if notice.kind == WAITING and (entry is None or entry.state is not State.NEEDS_HUMAN):
                continue  # someone took it in the meantime: nothing to call anyone for
            parts.append(self._once(("notice", index), _NOTICE, self._notice_context(notice, entry)))
        return "".join(parts)

    @cached_property
    def entries_by_id(self) -> dict[UUID, InboxEntry]:
        entries = self.entries
        if isinstance(entries, SortedEntries):
            return {e.id: e for e in (*entries.waiting, *entries.human, *entries.ai, *entries.resolved)}
        return {e.id: e for e in entries}

    def _notice_context(self, notice: Notice, entry: InboxEntry | None) -> dict[str, Any]:
        guest = entry.guest_name if entry is not None else "A guest"
        label = entry.handoff_reason or "" if entry is not None else ""
        return {
            "notice": notice,
            "notice_id": f"notice-{secrets.token_hex(6)}",
            "text": notice_text(notice, guest=guest, names=self.names, reason_label=label),
        }

    def region(
        self,
        actor: Actor,
        conversation_id: UUID | None,
        shown: Shown | None = None,
        *,
        screen: str = "inbox",
    ) -> tuple[str, Shown]:
        """The live region for one socket: the inbox list whole, or only what changed since
        ``shown`` (on the inbox and conversation screens); the open conversation (header,
        composer status, timeline, guest panel) or the requests board when it differs from what
        ``shown`` holds, so a push about another guest leaves it, and where staff scrolled to,
        alone; the badge, on every screen; this push's notices for this staff member. Also what
        the socket shows afterwards."""
        actor = without_csrf(actor)
        inbox = self.inbox(actor)
        now_shown = self.shown(inbox, conversation_id)
        parts = []
        if screen in ("inbox", "conversation"):
            if shown is None:
                parts.append(self.list_html(inbox, conversation_id))
            else:
                parts.append(self.list_update(shown.inbox, now_shown))
        conversation = None
        view = self.views.get(conversation_id) if conversation_id is not None else None
        if view is not None:
            conversation = self.conversation_html(actor, view, inbox)
            if shown is None or conversation != shown.conversation:
                parts.append(conversation)
        board = None
        if screen == "requests":
            board = self.board_html()
            if shown is None or board != shown.board:
                parts.append(board)
        if shown is None or shown.inbox.waiting != inbox.waiting:
            parts.append(badge_html(inbox.waiting))
        parts.append(self.notices_html(actor))
        return "".join(parts), self._remember(now_shown, conversation, board, shown)

    def _remember(
        self, inbox: ShownList, conversation: str | None, board: str | None, before: Shown | None
    ) -> Shown:
        """Sockets that showed the same and were sent the same keep one ``Shown`` (``pages`` in
        web/live.py groups sockets by it)."""
        if (
            before is not None
            and before.inbox is inbox
            and before.conversation == conversation
            and before.board == board
        ):
            return before
        key = (id(inbox), conversation, board)  # the Shown keeps its inbox, so the id stays unique
        remembered = _REMEMBERED.get(key)
        if remembered is None:
            remembered = Shown(inbox, conversation, board)
            _REMEMBERED[key] = remembered
        return remembered


_HEADER = "partials/conversations/_header.html"
_COMPOSER_STATUS = "partials/conversations/_composer_status.html"
_TIMELINE = "partials/conversations/_timeline.html"
_GUEST_PANEL = "partials/conversations/_guest_panel.html"
_BOARD = "partials/service_requests/_board.html"
_NOTICE = "partials/live/_notice.html"
STAFF_NAMES_SQL = "SELECT id, name FROM staff_users WHERE id = ANY($1::uuid[])"


async def live_region(
    env: Environment,
    reader: Reader,
    sessions: async_sessionmaker[AsyncSession],
    actor: Actor,
    *,
    conversation_id: UUID | None,
    timezone: str,
    screen: str = "inbox",
) -> tuple[str, Shown]:
    """Everything one staff screen shows live, as out-of-band fragments (sent first on every connect)."""
    renderer = await RegionRenderer.prepare(
        env,
        reader,
        sessions,
        actor.hotel_id,
        timezone=timezone,
        viewers=[(actor.staff_id, conversation_id)],
        board=screen == "requests",
    )
    return renderer.region(actor, conversation_id, screen=screen)

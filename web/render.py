"""Rendering the live regions: the same partials serve pages, htmx answers and websocket pushes."""

from __future__ import annotations

import datetime
import secrets
import weakref
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import chain
from typing import Any, TypeVar
from uuid import UUID

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.conversations.inbox import (
    Inbox,
    InboxEntry,
    InboxRow,
    Reader,
    SortedEntries,
    drafts_only,
    inbox_from_snapshot,
    load_inbox,
    load_live_snapshot,
)
from domain.conversations.models import State
from domain.conversations.rules import staff_actions
from domain.conversations.views import ConversationView, load_conversation, reason_label
from domain.hotels.hours import zone_of
from domain.service_requests.rules import STATUSES
from domain.service_requests.views import BoardSection, load_board
from domain.staff.models import Role
from web.actor import Actor
from web.notices import FEEDBACK, TAKEN, URGENT, WAITING, Notice, notice_text

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
    now = datetime.datetime.now(zone_of(timezone))
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


async def inbox_for(db: AsyncSession, actor: Actor, query: str = "", timezone: str = "UTC") -> Inbox:
    return await load_inbox(
        db, actor.hotel_id, actor.staff_id, query=query, today_start=today_start(timezone)
    )


def conversation_context(actor: Actor, view: ConversationView, inbox: Inbox | None) -> dict[str, Any]:
    conversation = view.conversation
    reason = conversation.handoff_reason or ""
    return {
        "actor": actor,
        "view": view,
        "inbox": inbox,
        "waiting": inbox.waiting if inbox is not None else 0,
        "guest_name": view.guest.name or view.guest.phone,
        "reason_label": reason_label(reason) or "",
        "current_id": conversation.id,
        "active": "inbox",
        # what this staff member is offered, and whose hands the conversation is in
        "actions": staff_actions(conversation.state, conversation.assigned_staff_id, actor.staff_id),
        "mine": conversation.state is State.HUMAN and conversation.assigned_staff_id == actor.staff_id,
    }


def without_csrf(actor: Actor) -> Actor:
    """Pushed fragments are shared between tabs; htmx sends the page's own token in a header."""
    return replace(actor, session=replace(actor.session, csrf=""))


# The template of a list update (the other fragments are named where they are rendered).
_LIST_UPDATE = "partials/inbox/_list_update.html"

# Rendered inbox rows, kept across pushes and shared by every socket: a row is all its fields (a
# changed row is a new key), so a push renders only the rows that changed since the last one. The
# rest of the key is what else changes a row's markup: whether it is the open conversation's row
# (highlighted), and, in an update, the place it is swapped into.
ROW_CACHE_SIZE = 20_000
_ROW_HTML: dict[tuple[Environment, InboxRow, bool, str | None], Markup] = {}


def row_html(env: Environment, row: InboxRow, *, current: bool = False, oob: str | None = None) -> Markup:
    key = (env, row, current, oob)
    html = _ROW_HTML.get(key)
    if html is None:
        context = {"row": row, "current_id": row.id if current else None, "row_oob": oob}
        rendered = env.get_template("partials/inbox/_row.html").render(context).strip()
        html = Markup(rendered)  # noqa: S704 - our own template's output, escaped by Jinja
        if len(_ROW_HTML) >= ROW_CACHE_SIZE:
            for stale in list(_ROW_HTML)[: ROW_CACHE_SIZE // 2]:
                del _ROW_HTML[stale]
        _ROW_HTML[key] = html
    return html


SECTIONS = ("needs_human", "mine", "others", "ai", "resolved")
MAX_MOVED = 8  # past this many rows moved to the top of a section, the section is sent whole


_Key = TypeVar("_Key", bound=Hashable)
_Shared = TypeVar("_Shared")


def one_of(
    table: weakref.WeakValueDictionary[_Key, _Shared], key: _Key, make: Callable[[], _Shared]
) -> _Shared:
    """The object ``table`` holds for ``key`` while anything still uses it, else a new one: equal
    things made apart (by sockets that connected one by one, each through its own renderer) are one
    object, so the next push works each out once for all of them (``pages`` in web/live.py, and
    ``RegionRenderer``'s caches, key by it). ``bench.live``'s broadcast to 2,000 sockets of one
    view went from 76 to 350 ms without it."""
    shared = table.get(key)
    if shared is None:
        shared = table[key] = make()
    return shared


@dataclass(frozen=True, eq=False)
class ShownList:
    """What one socket's live inbox list shows: the rows of each section, in order, and which is
    the open conversation's. The next push to that socket sends only the difference
    (``RegionRenderer.list_update``). Equal lists are one object (``shown_list``)."""

    order: tuple[tuple[UUID, ...], ...]
    rows: dict[UUID, InboxRow]
    current: UUID | None
    waiting: int
    drafts: int = 0  # conversations with an AI draft waiting, in the whole inbox (filtered or not)


_SHOWN_LISTS: weakref.WeakValueDictionary[tuple[object, ...], ShownList] = weakref.WeakValueDictionary()


def shown_list(inbox: Inbox, current: UUID | None, full: Inbox | None = None) -> ShownList:
    """``inbox`` as a socket's list shows it; ``full``, the unfiltered inbox, counts the badges
    (``inbox`` itself when the list is not filtered)."""
    whole = full or inbox
    sections = inbox.sections
    order = tuple(tuple(row.id for row in section) for section in sections)
    rows = tuple(row for section in sections for row in section)
    waiting, drafts = whole.waiting, whole.drafts
    return one_of(
        _SHOWN_LISTS,
        (order, rows, current, waiting, drafts),
        lambda: ShownList(order, {row.id: row for row in rows}, current, waiting, drafts),
    )


def moved_to_top(old: tuple[UUID, ...], new: tuple[UUID, ...]) -> int | None:
    """How many rows at the top of ``new`` came there from elsewhere (or are new), when the rest
    kept their order and only rows that left the section are missing; None if that is not so."""
    staying = set(new)
    for k in range(min(len(new), MAX_MOVED) + 1):
        head = set(new[:k])
        if list(new[k:]) == [i for i in old if i in staying and i not in head]:
            return k
    return None


@dataclass(frozen=True, slots=True)
class SectionChange:
    """How one section of a live list changes between two pushes (the view data of
    ``partials/inbox/_list_update.html``)."""

    key: str
    count: int | None = None  # the new count, when it changed
    rows: list[InboxRow] | None = None  # the whole section, when its order changed too much
    deleted: list[UUID] = field(default_factory=list)  # rows that left, or go to the top
    to_top: list[InboxRow] = field(default_factory=list)
    replaced: list[Markup] = field(default_factory=list)  # rows changed in place, each its own swap

    def __bool__(self) -> bool:
        return bool(
            self.count is not None or self.rows is not None or self.deleted or self.to_top or self.replaced
        )


@dataclass(frozen=True, eq=False)
class Shown:
    """What one socket's screen shows, as last sent: its inbox list (kept on every screen, for the
    badge), and the open conversation or the requests board where it shows one."""

    inbox: ShownList
    conversation: str | None = None
    board: str | None = None


_SHOWN: weakref.WeakValueDictionary[tuple[object, ...], Shown] = weakref.WeakValueDictionary()


@dataclass
class Scope:
    """What a burst of events changed on the staff's screens, so that a push reads only that: the
    inbox (its rows, counts and badge), the requests board, and which open conversations
    (``None``: every one). A delivery tick or a note reads one conversation and nothing else."""

    inbox: bool = False
    board: bool = False
    conversations: set[UUID] | None = field(default_factory=set)

    @classmethod
    def everything(cls) -> Scope:
        return cls(inbox=True, board=True, conversations=None)

    def add(self, other: Scope) -> None:
        self.inbox |= other.inbox
        self.board |= other.board
        if self.conversations is None or other.conversations is None:
            self.conversations = None
        else:
            self.conversations |= other.conversations

    def covers(self, conversation_id: UUID) -> bool:
        return self.conversations is None or conversation_id in self.conversations


@dataclass
class RegionRenderer:
    """Renders live regions for many sockets at once, sharing what does not depend on the viewer.

    Everything is loaded first, in a few column queries for the whole hotel (``prepare``); rendering
    then needs no database. Inbox rows are rendered once each and shared by every staff member's
    list; a conversation's timeline is the same for everyone. Every other fragment is rendered
    once per push for each value of what changes it: the guest panel by role (admins get the GDPR
    controls), the header by the actions offered and whether the conversation is the viewer's,
    the composer's status line by the latter, an inbox list by the rows it shows.
    """

    env: Environment
    entries: SortedEntries | list[InboxEntry] | None  # None: this push leaves the inbox alone
    marks: dict[tuple[UUID, UUID], datetime.datetime]
    views: dict[UUID, ConversationView | None]
    board: list[BoardSection] | None = None
    notices: list[Notice] = field(default_factory=list)
    names: dict[UUID, str] = field(default_factory=dict)
    # within this push: each staff member's inbox, the rows they share (by id and unread mark),
    # and each fragment by its template and what changes it
    inboxes: dict[UUID, Inbox] = field(default_factory=dict)
    draft_inboxes: dict[UUID, Inbox] = field(default_factory=dict)
    shared_rows: dict[tuple[UUID, bool], InboxRow] = field(default_factory=dict)
    shown_lists: dict[tuple[object, ...], ShownList] = field(default_factory=dict)
    rendered: dict[tuple[object, ...], str] = field(default_factory=dict)

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
        scope: Scope | None = None,
    ) -> RegionRenderer:
        """Load what these viewers' regions show, as far as ``scope`` reaches (all of it by
        default): the inbox on the driver connection ``reader``, open conversations and the
        requests board (if asked) in an ORM session of their own, and the names that pending
        notices mention."""
        scope = scope or Scope.everything()
        entries: SortedEntries | None = None
        marks: dict[tuple[UUID, UUID], datetime.datetime] = {}
        if scope.inbox:
            loaded, marks = await load_live_snapshot(
                reader, hotel_id, list({staff for staff, _ in viewers}), today_start=today_start(timezone)
            )
            entries = SortedEntries.of(loaded)
        views = {}
        requests = None
        board = board and scope.board
        conversations = {c for _, c in viewers if c is not None and scope.covers(c)}
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
            names = {row[0]: row[1] for row in await reader.fetch(STAFF_NAMES_SQL, mentioned)}
        return cls(env, entries, marks, views, requests, notices, names)

    def inbox(self, actor: Actor) -> Inbox:
        key = actor.staff_id
        assert self.entries is not None, "an inbox from a push that did not read it"
        if key not in self.inboxes:
            self.inboxes[key] = inbox_from_snapshot(
                self.entries, actor.staff_id, self.marks, rows=self.shared_rows
            )
        return self.inboxes[key]

    def drafts_inbox(self, actor: Actor) -> Inbox:
        """This staff member's inbox filtered to the drafts waiting (the same row objects)."""
        key = actor.staff_id
        if key not in self.draft_inboxes:
            self.draft_inboxes[key] = drafts_only(self.inbox(actor))
        return self.draft_inboxes[key]

    def shown(self, inbox: Inbox, current: UUID | None, full: Inbox | None = None) -> ShownList:
        # Within one push equal rows are one object (``shared_rows``): staff members whose inboxes
        # list the same objects in the same sections show the same list, worked out once (keyed by
        # the objects' ids, which stay theirs: the ShownList kept here holds every one of them).
        sections = inbox.sections
        whole = full or inbox
        key = (
            tuple(map(len, sections)),
            tuple(map(id, chain.from_iterable(sections))),
            current,
            whole.waiting,
            whole.drafts,
        )
        if key not in self.shown_lists:
            self.shown_lists[key] = shown_list(inbox, current, whole)
        return self.shown_lists[key]

    def _row_html(self, shown: ShownList) -> Callable[[InboxRow], Markup]:
        return lambda row: row_html(self.env, row, current=row.id == shown.current)

    def list_html(self, inbox: Inbox, shown: ShownList) -> str:
        """The whole list, out of band, rendered once for every socket that shows it."""
        context = {"inbox": inbox, "oob": True, "row_html": self._row_html(shown)}
        return self._once("partials/inbox/_list.html", (shown,), context)

    def list_update(self, old: ShownList, new: ShownList) -> str:
        """The out-of-band fragments that turn the list ``old`` shows into ``new``: rows removed,
        rows moved to the top of a section, rows changed in place, and whole sections otherwise."""
        if old is new:
            return ""
        key = (_LIST_UPDATE, old, new)
        if key not in self.rendered:
            changes = [change for change in self._changes(old, new) if change]
            context = {"changes": changes, "row_html": self._row_html(new)}
            self.rendered[key] = self.env.get_template(_LIST_UPDATE).render(context) if changes else ""
        return self.rendered[key]

    def _changes(self, old: ShownList, new: ShownList) -> Iterator[SectionChange]:
        for key, before, after in zip(SECTIONS, old.order, new.order, strict=True):
            count = len(after) if len(before) != len(after) else None
            moved = 0 if before == after else moved_to_top(before, after)
            if moved is None:
                yield SectionChange(key, count, rows=[new.rows[i] for i in after])
                continue
            head = set(after[:moved])
            staying = set(after)
            yield SectionChange(
                key,
                count,
                deleted=[i for i in before if i in head or i not in staying],
                to_top=[new.rows[i] for i in after[:moved]],
                replaced=[
                    row_html(
                        self.env,
                        new.rows[i],
                        current=i == new.current,
                        oob=f"outerHTML:#live-rows-{key} #row-{i}",
                    )
                    for i in after[moved:]
                    if new.rows[i] != old.rows.get(i) or (i == new.current) != (i == old.current)
                ],
            )

    def _once(self, template: str, key: tuple[object, ...], context: dict[str, Any]) -> str:
        """``template`` rendered once per push for every viewer for whom ``key``, what changes
        the fragment, is the same."""
        cache_key = (template, *key)
        if cache_key not in self.rendered:
            self.rendered[cache_key] = self.env.get_template(template).render(context)
        return self.rendered[cache_key]

    def conversation_html(self, actor: Actor, view: ConversationView, inbox: Inbox | None) -> str:
        """The open conversation, out of band: the header by the actions this staff member is
        offered and whether it is theirs, the composer status by the latter, the guest panel by
        role, the timeline for everyone."""
        cid = view.conversation.id
        context = {**conversation_context(actor, view, inbox), "oob": True}
        actions, mine = context["actions"], context["mine"]
        return "".join(
            (
                self._once("partials/conversations/_header.html", (cid, actions, mine), context),
                self._once("partials/conversations/_composer_status.html", (cid, mine), context),
                self._once("partials/conversations/_timeline.html", (cid,), context),
                self._once("partials/conversations/_draft.html", (cid,), context),
                self._once(
                    "partials/conversations/_guest_panel.html", (cid, actor.role is Role.ADMIN), context
                ),
            )
        )

    def board_html(self) -> str:
        return self._once(
            "partials/service_requests/_board.html", (), {"board": self.board or [], "oob": True}
        )

    def badge_html(self, waiting: int) -> str:
        return self._once("partials/inbox/_badge.html", (waiting,), {"waiting": waiting, "badge_oob": True})

    def drafts_badge_html(self, drafts: int) -> str:
        return self._once(
            "partials/inbox/_drafts_badge.html", (drafts,), {"drafts": drafts, "badge_oob": True}
        )

    def notices_html(self, actor: Actor) -> str:
        """The notices for this staff member in this push, each rendered once for all it reaches."""
        parts = []
        for index, notice in enumerate(self.notices):
            if not notice.reaches(actor.staff_id, manager=actor.role is not Role.AGENT):
                continue
            entry = self.entries_by_id.get(notice.conversation_id)
            waits = entry is not None and entry.state is State.NEEDS_HUMAN
            if notice.kind == TAKEN:
                if not waits:  # (waiting again, the notices calling for the guest stay)
                    context = {"conversation_id": notice.conversation_id}
                    parts.append(self._once("partials/live/_notices_gone.html", (index,), context))
                continue
            if notice.kind == WAITING and not waits:
                continue  # someone took it in the meantime: nothing to call anyone for
            parts.append(
                self._once("partials/live/_notice.html", (index,), self._notice_context(notice, entry))
            )
        return "".join(parts)

    @cached_property
    def entries_by_id(self) -> dict[UUID, InboxEntry]:
        entries = self.entries
        if isinstance(entries, SortedEntries):
            return entries.by_id
        return {e.id: e for e in entries or ()}

    def _notice_context(self, notice: Notice, entry: InboxEntry | None) -> dict[str, Any]:
        guest = entry.guest_name if entry is not None else "A guest"
        label = entry.handoff_reason or "" if entry is not None else ""
        return {
            "notice": notice,
            "urgent": notice.kind in URGENT,
            "href": "/feedback" if notice.kind == FEEDBACK else f"/conversations/{notice.conversation_id}",
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
        alone; the badge, on every screen; this push's notices for this staff member. What this
        push did not read stays as ``shown`` has it. Also what the socket shows afterwards."""
        actor = without_csrf(actor)
        parts = []
        full = None
        if self.entries is None and shown is not None:
            now_shown = shown.inbox
        else:
            full = self.inbox(actor)
            inbox = self.drafts_inbox(actor) if screen == "drafts" else full
            now_shown = self.shown(inbox, conversation_id, full)
            if screen in ("inbox", "conversation", "drafts"):
                if shown is None:
                    parts.append(self.list_html(inbox, now_shown))
                else:
                    parts.append(self.list_update(shown.inbox, now_shown))
        conversation = shown.conversation if shown is not None else None
        view = self.views.get(conversation_id) if conversation_id is not None else None
        if view is not None:
            conversation = self.conversation_html(actor, view, full)
            if shown is None or conversation != shown.conversation:
                parts.append(conversation)
        board = shown.board if shown is not None else None
        if screen == "requests" and self.board is not None:
            board = self.board_html()
            if shown is None or board != shown.board:
                parts.append(board)
        if full is not None and (shown is None or shown.inbox.waiting != full.waiting):
            parts.append(self.badge_html(full.waiting))
        if (
            full is not None
            and screen in ("inbox", "drafts")
            and (shown is None or shown.inbox.drafts != full.drafts)
        ):
            parts.append(self.drafts_badge_html(full.drafts))
        parts.append(self.notices_html(actor))
        # (unchanged, this is ``shown`` itself: every Shown is made here, one per key)
        return "".join(parts), one_of(
            _SHOWN, (now_shown, conversation, board), lambda: Shown(now_shown, conversation, board)
        )


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

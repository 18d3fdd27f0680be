"""Rendering the live regions: the same partials serve pages, htmx answers and websocket pushes."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from domain.conversations.views import (
    REASON_LABELS,
    ConversationView,
    Inbox,
    InboxEntry,
    InboxRow,
    inbox_from_snapshot,
    load_conversation,
    load_inbox,
    load_inbox_snapshot,
    read_marks,
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


@dataclass
class RegionRenderer:
    """Renders live regions for many sockets at once, sharing what does not depend on the viewer.

    Everything is loaded first, in a few column queries for the whole hotel (``prepare``); rendering
    then needs no database. Inbox rows are rendered once each and shared by every staff member's
    list; a conversation's timeline and guest panel are the same for everyone; only the inbox's
    sections (mine, unread) and the conversation header (which buttons) depend on the viewer.
    """

    env: Environment
    entries: list[InboxEntry]
    marks: dict[tuple[UUID, UUID], datetime.datetime]
    views: dict[UUID, ConversationView | None]
    inboxes: dict[UUID, tuple[Inbox, str]] = field(default_factory=dict)
    shared: dict[UUID, str] = field(default_factory=dict)
    rows: dict[tuple[UUID, bool], Markup] = field(default_factory=dict)
    lists: dict[tuple[tuple[tuple[UUID, bool], ...], ...], str] = field(default_factory=dict)

    @classmethod
    async def prepare(
        cls,
        env: Environment,
        db: AsyncSession,
        hotel_id: UUID,
        timezone: str,
        viewers: list[tuple[UUID, UUID | None]],
    ) -> RegionRenderer:
        entries = await load_inbox_snapshot(db, hotel_id, today_start=today_start(timezone))
        marks = await read_marks(db, list({staff for staff, _ in viewers}), [e.id for e in entries])
        views = {}
        for conversation_id in {c for _, c in viewers if c is not None}:
            views[conversation_id] = await load_conversation(db, hotel_id, conversation_id)
        return cls(env, entries, marks, views)

    def row_html(self, row: InboxRow) -> Markup:
        key = (row.id, row.unread)
        if key not in self.rows:
            html = self.env.get_template("partials/inbox/_row.html").render(row=row, current_id=None)
            self.rows[key] = Markup(html)  # noqa: S704 - our own template's output, escaped by Jinja
        return self.rows[key]

    def inbox(self, actor: Actor, current: UUID | None) -> tuple[Inbox, str]:
        key = actor.staff_id
        if key not in self.inboxes:
            inbox = inbox_from_snapshot(self.entries, actor.staff_id, self.marks)
            # Staff whose inboxes hold the same rows with the same unread marks see the same list:
            # render it once for all of them.
            shape = tuple(
                tuple((row.id, row.unread) for row in section)
                for section in (inbox.needs_human, inbox.mine, inbox.others, inbox.ai, inbox.resolved_today)
            )
            if shape not in self.lists:
                context = {"inbox": inbox, "oob": True, "current_id": None, "row_html": self.row_html}
                self.lists[shape] = self.env.get_template("partials/inbox/_list.html").render(context)
            self.inboxes[key] = (inbox, self.lists[shape])
        inbox, html = self.inboxes[key]
        if current is not None:  # the highlighted row is per tab: mark it without re-rendering
            html = html.replace(f'" id="row-{current}"', f' current" id="row-{current}"', 1)
        return inbox, html

    def region(self, actor: Actor, conversation_id: UUID | None) -> str:
        actor = without_csrf(actor)
        inbox, inbox_html = self.inbox(actor, conversation_id)
        parts = [inbox_html]
        view = self.views.get(conversation_id) if conversation_id is not None else None
        if conversation_id is not None and view is not None:
            context = {**conversation_context(actor, view, inbox), "oob": True}
            parts.append(self.env.get_template("partials/conversations/_header.html").render(context))
            if conversation_id not in self.shared:
                self.shared[conversation_id] = "".join(
                    self.env.get_template(f"partials/conversations/{name}.html").render(context)
                    for name in ("_timeline", "_guest_panel")
                )
            parts.append(self.shared[conversation_id])
        parts.append(badge_html(inbox.waiting))
        return "".join(parts)


async def live_region(
    env: Environment, db: AsyncSession, actor: Actor, conversation_id: UUID | None, timezone: str
) -> str:
    """Everything one staff screen shows live, as out-of-band fragments (sent first on every connect)."""
    renderer = await RegionRenderer.prepare(
        env, db, actor.hotel_id, timezone, [(actor.staff_id, conversation_id)]
    )
    return renderer.region(actor, conversation_id)

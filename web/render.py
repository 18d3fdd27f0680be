"""Rendering the live regions: the same partials serve pages, htmx answers and websocket pushes."""

from __future__ import annotations

import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.ext.asyncio import AsyncSession

from domain.conversations.views import REASON_LABELS, ConversationView, Inbox, load_conversation, load_inbox
from web.auth import Actor

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


def template_environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(ROOT / "templates")),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
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


async def live_region(
    env: Environment, db: AsyncSession, actor: Actor, conversation_id: UUID | None, timezone: str
) -> str:
    """Everything a staff screen shows live, as out-of-band fragments (sent first on every connect)."""
    inbox = await inbox_for(db, actor, timezone=timezone)
    context: dict[str, Any] = {
        "actor": actor,
        "inbox": inbox,
        "oob": True,
        "waiting": inbox.waiting,
        "current_id": conversation_id,
    }
    parts = [env.get_template("partials/inbox/_list.html").render(context)]
    if conversation_id is not None:
        view = await load_conversation(db, actor.hotel_id, conversation_id)
        if view is not None:
            context = {**conversation_context(actor, view, inbox), "oob": True}
            for name in ("_header", "_timeline", "_guest_panel"):
                parts.append(env.get_template(f"partials/conversations/{name}.html").render(context))
    parts.append(
        f'<span id="waiting-badge" class="badge{"" if inbox.waiting else " hidden"}" hx-swap-oob="true" '
        f'data-waiting="{inbox.waiting}" aria-label="guests waiting">{inbox.waiting or ""}</span>'
    )
    return "".join(parts)

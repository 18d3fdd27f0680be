"""The live inbox: one URL for the page and for its list (htmx search)."""

from __future__ import annotations

from litestar import Controller, get
from litestar.response import Redirect, Template
from litestar_htmx import HTMXRequest, HTMXTemplate
from sqlalchemy.ext.asyncio import AsyncSession

from domain.conversations.inbox import drafts_only
from web.auth import Actor
from web.render import inbox_for
from web.resources import HotelTimezones

# The same URL answers with the page or with its fragment: caches must key on the header too.
VARY_HTMX = {"Vary": "HX-Request"}


class InboxController(Controller):
    tags = ["inbox"]

    @get("/", sync_to_thread=False)
    def home(self) -> Redirect:
        return Redirect("/inbox", status_code=303)

    @get("/inbox")
    async def inbox_page(
        self,
        *,
        request: HTMXRequest,
        actor: Actor,
        db: AsyncSession,
        timezones: HotelTimezones,
        q: str = "",
        filter: str = "",  # /inbox?filter=drafts
    ) -> Template:
        full = await inbox_for(db, actor, q[:100], await timezones.of(actor.hotel_id))
        # Drafts waiting: the same live list, filtered (web/live.py's "drafts" screen)
        inbox = drafts_only(full) if filter == "drafts" and not full.query else full
        context = {
            "actor": actor,
            "inbox": inbox,
            "inbox_filter": "drafts" if inbox is not full else "",
            "drafts": full.drafts,
            "waiting": full.waiting,
            "active": "inbox",
            "no_match": bool(inbox.query) and not any(inbox.sections),
        }
        if request.htmx and not request.htmx.boosted:
            return HTMXTemplate(template_name="partials/inbox/_list.html", context=context, headers=VARY_HTMX)
        return Template("pages/inbox/index.html", context=context, headers=VARY_HTMX)

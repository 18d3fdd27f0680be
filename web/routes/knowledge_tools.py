"""Around the knowledge base: "try the bot" (the AI's answer to a question, sent to nobody) and
the knowledge gaps (what guests asked that the knowledge could not answer)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Template
from litestar_htmx import HTMXRequest, HTMXTemplate
from sqlalchemy.ext.asyncio import AsyncSession

from domain.assistant.playground import MAX_QUESTION, try_the_bot
from domain.conversations.views import reason_label
from domain.errors import Invalid, Unavailable
from domain.hotels.hours import zone_of
from domain.knowledge.gaps import list_gaps
from domain.knowledge.rules import question_key
from domain.staff.models import Role
from web.auth import Actor
from web.errors import wants_page
from web.resources import HotelTimezones, ProvidedResources
from web.routes.knowledge import page_context


class KnowledgeToolsController(Controller):
    path = "/admin/knowledge"
    tags = ["knowledge"]

    @get("/playground")
    async def playground_page(self, actor: Actor) -> Template:
        actor.require(Role.MANAGER)
        context = page_context(actor, question="", answer=None)
        return Template("pages/knowledge/playground.html", context=context)

    @post("/playground")
    async def ask(self, request: HTMXRequest, actor: Actor, resources: ProvidedResources) -> Response[Any]:
        """The answer a guest would get (or the draft a person would approve), its sources and any
        hand-off: nothing is stored but the LLM call, nothing is sent."""
        actor.require(Role.MANAGER)
        question = await _question(request)
        try:
            answer = await try_the_bot(resources.assistant, actor.hotel_id, actor.staff_id, question)
        except Invalid as exc:
            return _refused(request, actor, question, str(exc), 400)
        except Unavailable as exc:
            return _refused(request, actor, question, str(exc), 503)
        context = page_context(
            actor,
            question=question,
            answer=answer,
            error="",
            reason_label=reason_label,
            gap_key=question_key(answer.question),
        )
        if request.htmx:
            return HTMXTemplate(template_name="partials/knowledge/_answer.html", context=context)
        return Template("pages/knowledge/playground.html", context=context)

    @get("/gaps")
    async def gaps_page(
        self, actor: Actor, db: AsyncSession, timezones: HotelTimezones, written: int | None = None
    ) -> Template:
        actor.require(Role.MANAGER)
        zone = zone_of(await timezones.of(actor.hotel_id))
        gaps = [(gap, gap.last_asked.astimezone(zone)) for gap in await list_gaps(db, actor.hotel_id)]
        context = page_context(actor, gaps=gaps, written=bool(written))
        return Template("pages/knowledge/gaps.html", context=context)


async def _question(request: Request[Any, Any, Any]) -> str:
    value = (await request.form()).get("question", "")
    if not isinstance(value, str):
        raise Invalid("the question must be text")
    return value[: MAX_QUESTION * 2]


def _refused(request: HTMXRequest, actor: Actor, question: str, error: str, status: int) -> Response[Any]:
    """A question refused (400) says why in the answer box (htmx: swapped out of band, as base.html
    swaps a 400); an AI that cannot answer now (503) is a toast for htmx, the page without JS."""
    context = page_context(actor, question=question, answer=None, error=error, oob=True)
    if request.htmx and status == 400:
        return HTMXTemplate(template_name="partials/knowledge/_answer.html", context=context, status_code=400)
    if wants_page(request):
        return Template("pages/knowledge/playground.html", context=context, status_code=status)
    return Response({"detail": error}, status_code=status)

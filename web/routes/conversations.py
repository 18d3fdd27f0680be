"""One conversation, and what staff do to it: take over, hand back, resolve, reopen, reply, notes,
assign, an AI draft, and a service request's status from the conversation's side panel."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from litestar import Controller, Response, get, post
from litestar.response import Redirect, Template
from litestar_htmx import HTMXRequest, HTMXTemplate

from domain.assistant.service import suggest_reply
from domain.conversations import service
from domain.conversations.service import ConversationNotFound, InvalidReply
from domain.conversations.views import open_conversation
from domain.integrations.llm import LlmError
from domain.service_requests.service import update_status
from domain.uow import UnitOfWork
from web.auth import Actor
from web.errors import error_answer, wants_page
from web.forms import form_text
from web.render import conversation_context, inbox_for
from web.resources import HotelTimezones, ProvidedResources, Resources

# A move of a conversation by a staff member (``service.take_over`` ...): uow, hotel, conversation, staff.
Move = Callable[[UnitOfWork, UUID, UUID, UUID], Awaitable[object]]


async def _conversation_screen(
    uow: UnitOfWork,
    timezones: HotelTimezones,
    actor: Actor,
    cid: UUID,
    status_code: int = 200,
    **extra: Any,
) -> Template:
    timezone = await timezones.of(actor.hotel_id)
    async with uow:  # opening the conversation marks it read
        view = await open_conversation(uow, actor.hotel_id, actor.staff_id, cid)
        if view is None:
            raise ConversationNotFound(str(cid))
        inbox = await inbox_for(uow.session, actor, timezone=timezone)
    context = {**conversation_context(actor, view, inbox), **extra}
    return Template("pages/conversations/show.html", context=context, status_code=status_code)


def _done(request: HTMXRequest, cid: UUID) -> Response[Any]:
    """htmx: nothing to swap (the websocket pushes the new state); plain forms: back to the page."""
    if request.htmx:
        return Response(content=b"", status_code=204)
    return Redirect(f"/conversations/{cid}", status_code=303)


async def _refused(
    request: HTMXRequest, resources: Resources, actor: Actor, cid: UUID, *, field: str, reason: InvalidReply
) -> Response[Any]:
    """A 400 that says why where staff typed: the composer's message for htmx (swapped in out of
    band; base.html lets htmx swap a 400), the conversation again with it for a plain form, JSON
    for an API call."""
    errors = {field: str(reason)}
    if request.htmx:
        context = {"errors": errors, "oob": True}
        return HTMXTemplate(
            template_name="partials/conversations/_composer_errors.html", context=context, status_code=400
        )
    if wants_page(request):
        # A unit of work of its own: the refused one rolled back.
        return await _conversation_screen(
            resources.uow(), resources.timezones, actor, cid, status_code=400, errors=errors
        )
    return error_answer(request, 400, str(reason))


async def _move(request: HTMXRequest, actor: Actor, uow: UnitOfWork, cid: UUID, move: Move) -> Response[Any]:
    """Take over, hand back, resolve or reopen: one use case in its unit of work."""
    async with uow:
        await move(uow, actor.hotel_id, cid, actor.staff_id)
    return _done(request, cid)


class ConversationController(Controller):
    path = "/conversations/{conversation_id:uuid}"
    tags = ["conversations"]

    @get()
    async def conversation_page(
        self,
        actor: Actor,
        uow: UnitOfWork,
        timezones: HotelTimezones,
        conversation_id: UUID,
        edit_draft: UUID | None = None,
    ) -> Template:
        # ``edit_draft``: the AI's draft open in its edit form (the Edit link without JavaScript)
        editing = edit_draft is not None
        return await _conversation_screen(uow, timezones, actor, conversation_id, editing=editing)

    @post("/take-over")
    async def take_over(
        self, request: HTMXRequest, actor: Actor, uow: UnitOfWork, conversation_id: UUID
    ) -> Response[Any]:
        return await _move(request, actor, uow, conversation_id, service.take_over)

    @post("/hand-back")
    async def hand_back(
        self, request: HTMXRequest, actor: Actor, uow: UnitOfWork, conversation_id: UUID
    ) -> Response[Any]:
        return await _move(request, actor, uow, conversation_id, service.hand_back)

    @post("/resolve")
    async def resolve(
        self, request: HTMXRequest, actor: Actor, uow: UnitOfWork, conversation_id: UUID
    ) -> Response[Any]:
        return await _move(request, actor, uow, conversation_id, service.resolve)

    @post("/reopen")
    async def reopen(
        self, request: HTMXRequest, actor: Actor, uow: UnitOfWork, conversation_id: UUID
    ) -> Response[Any]:
        return await _move(request, actor, uow, conversation_id, service.reopen)

    @post("/reply")
    async def reply(
        self,
        request: HTMXRequest,
        actor: Actor,
        uow: UnitOfWork,
        resources: ProvidedResources,
        conversation_id: UUID,
    ) -> Response[Any]:
        try:
            text = await form_text(request, "text")
            async with uow:
                await service.send_staff_reply(uow, actor.hotel_id, conversation_id, actor.staff_id, text)
        except InvalidReply as exc:
            return await _refused(request, resources, actor, conversation_id, field="reply", reason=exc)
        return _done(request, conversation_id)

    @post("/notes")
    async def add_note(
        self,
        request: HTMXRequest,
        actor: Actor,
        uow: UnitOfWork,
        resources: ProvidedResources,
        conversation_id: UUID,
    ) -> Response[Any]:
        try:
            text = await form_text(request, "text")
            async with uow:
                await service.add_note(uow, actor.hotel_id, conversation_id, actor.staff_id, text)
        except InvalidReply as exc:
            return await _refused(request, resources, actor, conversation_id, field="note", reason=exc)
        return _done(request, conversation_id)

    @post("/assign")
    async def assign(
        self, request: HTMXRequest, actor: Actor, uow: UnitOfWork, conversation_id: UUID
    ) -> Response[Any]:
        raw = await form_text(request, "staff_id")
        try:
            assignee = UUID(raw)
        except ValueError as exc:
            raise InvalidReply("choose a colleague to assign") from exc
        async with uow:
            await service.assign(uow, actor.hotel_id, conversation_id, actor.staff_id, assignee)
        return _done(request, conversation_id)

    @post("/suggest")
    async def suggest(
        self, actor: Actor, resources: ProvidedResources, conversation_id: UUID
    ) -> Response[Any]:
        """An AI draft, put into the composer for staff to edit and send."""
        try:
            draft = await suggest_reply(resources.assistant, actor.hotel_id, conversation_id, actor.name)
        except LookupError as exc:
            raise ConversationNotFound(str(conversation_id)) from exc
        except LlmError:
            return Response({"detail": "the AI could not draft a reply just now; try again"}, status_code=503)
        return HTMXTemplate(
            template_name="partials/conversations/_reply_box.html",
            context={"draft": draft.text, "guest_language": draft.language or "", "errors": None},
        )

    @post("/requests/{request_id:uuid}/status")
    async def request_status(
        self, request: HTMXRequest, actor: Actor, uow: UnitOfWork, conversation_id: UUID, request_id: UUID
    ) -> Response[Any]:
        status = await form_text(request, "status")
        async with uow:
            await update_status(uow, actor.hotel_id, request_id, status)
        return _done(request, conversation_id)

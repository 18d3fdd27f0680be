"""The staff screens: the inbox and one conversation, and the actions on it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.response import Redirect, Template

from domain.assistant.service import suggest_reply
from domain.conversations import service
from domain.conversations.service import ConversationNotFound, InvalidReply
from domain.conversations.views import load_conversation, mark_read
from domain.integrations.llm import LlmError
from domain.service_requests.service import update_status
from web.auth import Actor
from web.deps import Resources
from web.errors import error_answer, wants_page
from web.render import conversation_context, inbox_for, inbox_sections

MAX_FORM_TEXT = 8000


@get("/", sync_to_thread=False)
def home() -> Redirect:
    return Redirect("/inbox", status_code=303)


@get("/inbox")
async def inbox_page(request: Request[Any, Any, Any], actor: Actor, q: str = "") -> Template:
    resources: Resources = request.app.state.resources
    timezone = await resources.hotel_timezone(actor.hotel_id)
    async with resources.sessions() as db:
        inbox = await inbox_for(db, actor, q[:100], timezone)
    context = {
        "actor": actor,
        "inbox": inbox,
        "waiting": inbox.waiting,
        "active": "inbox",
        "no_match": bool(inbox.query) and not any(inbox_sections(inbox)),
    }
    if request.headers.get("hx-request") and not request.headers.get("hx-boosted"):
        return Template("partials/inbox/_list.html", context=context)
    return Template("pages/inbox/index.html", context=context)


def _conversation_id(raw: str) -> UUID:
    try:
        return UUID(raw)
    except ValueError as exc:
        raise ConversationNotFound(raw) from exc


async def _conversation_screen(
    request: Request[Any, Any, Any], actor: Actor, cid: UUID, status_code: int = 200, **extra: Any
) -> Template:
    resources: Resources = request.app.state.resources
    timezone = await resources.hotel_timezone(actor.hotel_id)
    async with resources.sessions() as db, db.begin():
        view = await load_conversation(db, actor.hotel_id, cid)
        if view is None:
            raise ConversationNotFound(str(cid))
        await mark_read(db, actor.staff_id, cid)
        inbox = await inbox_for(db, actor, timezone=timezone)
    context = {**conversation_context(actor, view, inbox), **extra}
    return Template("pages/conversations/show.html", context=context, status_code=status_code)


@get("/conversations/{conversation_id:str}")
async def conversation_page(request: Request[Any, Any, Any], actor: Actor, conversation_id: str) -> Template:
    return await _conversation_screen(request, actor, _conversation_id(conversation_id))


async def form_text(request: Request[Any, Any, Any], field: str) -> str:
    form = await request.form()
    value = form.get(field, "")
    if not isinstance(value, str):
        raise InvalidReply(f"{field} must be text")
    if len(value) > MAX_FORM_TEXT:
        raise InvalidReply(f"{field} is too long")
    return value


def _done(request: Request[Any, Any, Any], cid: UUID) -> Response[Any]:
    """htmx: nothing to swap (the websocket pushes the new state); plain forms: back to the page."""
    if request.headers.get("hx-request"):
        return Response(content=b"", status_code=204)
    return Redirect(f"/conversations/{cid}", status_code=303)


@post("/conversations/{conversation_id:str}/take-over")
async def take_over(request: Request[Any, Any, Any], actor: Actor, conversation_id: str) -> Response[Any]:
    cid = _conversation_id(conversation_id)
    async with request.app.state.resources.uow() as uow:
        await service.take_over(uow, actor.hotel_id, cid, actor.staff_id)
    return _done(request, cid)


@post("/conversations/{conversation_id:str}/hand-back")
async def hand_back(request: Request[Any, Any, Any], actor: Actor, conversation_id: str) -> Response[Any]:
    cid = _conversation_id(conversation_id)
    async with request.app.state.resources.uow() as uow:
        await service.hand_back(uow, actor.hotel_id, cid, actor.staff_id)
    return _done(request, cid)


@post("/conversations/{conversation_id:str}/resolve")
async def resolve(request: Request[Any, Any, Any], actor: Actor, conversation_id: str) -> Response[Any]:
    cid = _conversation_id(conversation_id)
    async with request.app.state.resources.uow() as uow:
        await service.resolve(uow, actor.hotel_id, cid, actor.staff_id)
    return _done(request, cid)


@post("/conversations/{conversation_id:str}/reopen")
async def reopen(request: Request[Any, Any, Any], actor: Actor, conversation_id: str) -> Response[Any]:
    cid = _conversation_id(conversation_id)
    async with request.app.state.resources.uow() as uow:
        await service.reopen(uow, actor.hotel_id, cid, actor.staff_id)
    return _done(request, cid)


async def _refused(
    request: Request[Any, Any, Any], actor: Actor, cid: UUID, field: str, reason: InvalidReply
) -> Response[Any]:
    """A 400 that says why where staff typed: the composer's message for htmx (swapped in out of
    band; base.html lets htmx swap a 400), the conversation again with it for a plain form, JSON
    for an API call."""
    errors = {field: str(reason)}
    if request.headers.get("hx-request"):
        context = {"errors": errors, "oob": True}
        return Template("partials/conversations/_composer_errors.html", context=context, status_code=400)
    if wants_page(request):
        return await _conversation_screen(request, actor, cid, status_code=400, errors=errors)
    return error_answer(request, 400, str(reason))


@post("/conversations/{conversation_id:str}/reply")
async def reply(request: Request[Any, Any, Any], actor: Actor, conversation_id: str) -> Response[Any]:
    cid = _conversation_id(conversation_id)
    try:
        text = await form_text(request, "text")
        async with request.app.state.resources.uow() as uow:
            await service.send_staff_reply(uow, actor.hotel_id, cid, actor.staff_id, text)
    except InvalidReply as exc:
        return await _refused(request, actor, cid, "reply", exc)
    return _done(request, cid)


@post("/conversations/{conversation_id:str}/notes")
async def add_note(request: Request[Any, Any, Any], actor: Actor, conversation_id: str) -> Response[Any]:
    cid = _conversation_id(conversation_id)
    try:
        text = await form_text(request, "text")
        async with request.app.state.resources.uow() as uow:
            await service.add_note(uow, actor.hotel_id, cid, actor.staff_id, text)
    except InvalidReply as exc:
        return await _refused(request, actor, cid, "note", exc)
    return _done(request, cid)


@post("/conversations/{conversation_id:str}/assign")
async def assign(request: Request[Any, Any, Any], actor: Actor, conversation_id: str) -> Response[Any]:
    cid = _conversation_id(conversation_id)
    raw = await form_text(request, "staff_id")
    try:
        assignee = UUID(raw)
    except ValueError as exc:
        raise InvalidReply("choose a colleague to assign") from exc
    async with request.app.state.resources.uow() as uow:
        await service.assign(uow, actor.hotel_id, cid, actor.staff_id, assignee)
    return _done(request, cid)


@post("/conversations/{conversation_id:str}/suggest")
async def suggest(request: Request[Any, Any, Any], actor: Actor, conversation_id: str) -> Response[Any]:
    """An AI draft, put into the composer for staff to edit and send."""
    resources: Resources = request.app.state.resources
    cid = _conversation_id(conversation_id)
    if resources.assistant is None:
        return Response({"detail": "the AI is not configured"}, status_code=503)
    try:
        draft = await suggest_reply(resources.assistant, actor.hotel_id, cid, actor.name)
    except LookupError as exc:
        raise ConversationNotFound(conversation_id) from exc
    except LlmError:
        return Response({"detail": "the AI could not draft a reply just now; try again"}, status_code=503)
    return Template(
        "partials/conversations/_reply_box.html",
        context={"draft": draft.text, "guest_language": draft.language or "", "errors": None},
    )


@post("/conversations/{conversation_id:str}/requests/{request_id:str}/status")
async def request_status(
    request: Request[Any, Any, Any], actor: Actor, conversation_id: str, request_id: str
) -> Response[Any]:
    cid = _conversation_id(conversation_id)
    status = await form_text(request, "status")
    try:
        rid = UUID(request_id)
    except ValueError as exc:
        raise ConversationNotFound(request_id) from exc
    async with request.app.state.resources.uow() as uow:
        await update_status(uow, actor.hotel_id, rid, status)
    return _done(request, cid)

"""The requests board: what housekeeping and maintenance have to do, live, for the acting hotel."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.response import Redirect, Template

from domain.service_requests.service import RequestNotFound, update_status
from domain.service_requests.views import load_board
from web.auth import Actor
from web.deps import Resources
from web.routes.pages import form_text


@get("/requests")
async def requests_page(request: Request[Any, Any, Any], actor: Actor) -> Template:
    resources: Resources = request.app.state.resources
    async with resources.sessions() as db:
        board = await load_board(db, actor.hotel_id)
    context = {"actor": actor, "board": board, "active": "requests"}
    if request.headers.get("hx-request") and not request.headers.get("hx-boosted"):
        return Template("partials/service_requests/_board.html", context=context)
    return Template("pages/service_requests/index.html", context=context)


@post("/requests/{request_id:str}/status")
async def board_request_status(
    request: Request[Any, Any, Any], actor: Actor, request_id: str
) -> Response[Any]:
    status = await form_text(request, "status")
    try:
        rid = UUID(request_id)
    except ValueError as exc:
        raise RequestNotFound(request_id) from exc
    async with request.app.state.resources.uow() as uow:
        await update_status(uow, actor.hotel_id, rid, status)
    if request.headers.get("hx-request"):
        return Response(content=b"", status_code=204)
    return Redirect("/requests", status_code=303)

"""The requests board: what housekeeping and maintenance have to do, live, for the acting hotel."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Response, get, post
from litestar.response import Redirect, Template
from litestar_htmx import HTMXRequest, HTMXTemplate
from sqlalchemy.ext.asyncio import AsyncSession

from domain.service_requests.service import update_status
from domain.service_requests.views import load_board
from domain.uow import UnitOfWork
from web.auth import Actor
from web.forms import form_text
from web.routes.inbox import VARY_HTMX


class ServiceRequestController(Controller):
    path = "/requests"
    tags = ["service_requests"]

    @get()
    async def requests_page(self, request: HTMXRequest, actor: Actor, db: AsyncSession) -> Template:
        board = await load_board(db, actor.hotel_id)
        context = {"actor": actor, "board": board, "active": "requests"}
        if request.htmx and not request.htmx.boosted:
            return HTMXTemplate(
                template_name="partials/service_requests/_board.html", context=context, headers=VARY_HTMX
            )
        return Template("pages/service_requests/index.html", context=context, headers=VARY_HTMX)

    @post("/{request_id:uuid}/status")
    async def board_request_status(
        self, request: HTMXRequest, actor: Actor, uow: UnitOfWork, request_id: UUID
    ) -> Response[Any]:
        status = await form_text(request, "status")
        async with uow:
            await update_status(uow, actor.hotel_id, request_id, status)
        if request.htmx:
            return Response(content=b"", status_code=204)
        return Redirect("/requests", status_code=303)

"""Saved replies: the hotel's canned answers staff insert with a shortcut (managers edit them)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from domain.saved_replies.service import InvalidSavedReply, delete_saved_reply, list_saved_replies, save_reply
from domain.staff.models import Role
from domain.uow import UnitOfWork
from web.auth import Actor


class SavedReplyController(Controller):
    path = "/admin/saved-replies"
    tags = ["saved_replies"]

    @get()
    async def saved_replies_page(self, actor: Actor, db: AsyncSession, error: str = "") -> Template:
        actor.require(Role.MANAGER)
        replies = await list_saved_replies(db, actor.hotel_id)
        return Template(
            "pages/saved_replies/index.html",
            context={"actor": actor, "replies": replies, "active": "replies", "error": error[:200]},
        )

    @post()
    async def save_saved_reply(
        self, request: Request[Any, Any, Any], actor: Actor, uow: UnitOfWork
    ) -> Response[Any]:
        actor.require(Role.MANAGER)
        form = await request.form()
        fields = {name: str(form.get(name, ""))[:4000] for name in ("shortcut", "language", "text")}
        try:
            async with uow:
                await save_reply(
                    uow, actor.hotel_id, fields["shortcut"], fields["language"] or "en", fields["text"]
                )
        except InvalidSavedReply as exc:
            return Response({"detail": str(exc)}, status_code=400)
        return Redirect("/admin/saved-replies", status_code=303)

    @post("/{reply_id:uuid}/delete")
    async def delete_saved(self, actor: Actor, uow: UnitOfWork, reply_id: UUID) -> Response[Any]:
        actor.require(Role.MANAGER)
        async with uow:
            await delete_saved_reply(uow, actor.hotel_id, reply_id)
        return Redirect("/admin/saved-replies", status_code=303)

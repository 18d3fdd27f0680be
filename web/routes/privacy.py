"""A guest's data rights: export (a data subject access request) and erasure (admins only)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from domain.guests.privacy import erase_guest, export_guest, find_guest
from domain.staff.models import Role
from domain.uow import UnitOfWork
from web.auth import Actor


class GuestPrivacyController(Controller):
    path = "/admin/guests/{guest_id:uuid}"
    tags = ["guests"]

    @get("/export")
    async def export_guest_data(self, actor: Actor, db: AsyncSession, guest_id: UUID) -> Response[Any]:
        """A guest's data as a JSON download."""
        actor.require(Role.ADMIN)
        guest = await find_guest(db, actor.hotel_id, guest_id=guest_id)
        data = await export_guest(db, actor.hotel_id, guest)
        return Response(
            data,
            media_type="application/json",
            headers={"Content-Disposition": f'attachment; filename="guest-{guest.id}.json"'},
        )

    @post("/erase")
    async def erase_guest_data(
        self, request: Request[Any, Any, Any], actor: Actor, uow: UnitOfWork, guest_id: UUID
    ) -> Response[Any]:
        """Erase a guest and everything about them (a right-to-erasure request). Needs confirm=erase."""
        actor.require(Role.ADMIN)
        form = await request.form()
        if form.get("confirm") != "erase":
            return Response(
                {"detail": "type erase in the confirm field to erase this guest for good"}, status_code=400
            )
        async with uow:
            guest = await find_guest(uow.session, actor.hotel_id, guest_id=guest_id)
            await erase_guest(uow, actor.hotel_id, guest)
        return Redirect("/inbox", status_code=303)

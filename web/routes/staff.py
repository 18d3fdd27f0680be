"""Administration of the acting hotel's staff (admins only)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Response, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from domain.staff.models import Role
from domain.staff.service import StaffNotFound, hotel_staff, set_membership_active
from domain.uow import UnitOfWork
from web.auth import Actor
from web.resources import ProvidedResources, Resources


async def _set_active(
    resources: Resources, uow: UnitOfWork, actor: Actor, target: UUID, *, active: bool
) -> Response[Any]:
    """Let someone into the acting hotel again, or stop them there (their other hotels decide for
    themselves; only a platform operator disables an account everywhere)."""
    actor.require(Role.ADMIN)
    if target == actor.staff_id and not active:
        return Response({"detail": "you cannot deactivate yourself"}, status_code=400)
    try:
        async with uow:
            await set_membership_active(uow.session, actor.hotel_id, target, active=active)
    except StaffNotFound:
        return Response({"detail": "not found"}, status_code=404)
    if not active:
        await resources.session_store.destroy_at_hotel(target, actor.hotel_id)
        await resources.live_sockets.close(staff_id=target, hotel_id=actor.hotel_id)
    return Redirect("/admin/staff", status_code=303)


class StaffController(Controller):
    path = "/admin/staff"
    tags = ["staff"]

    @get()
    async def staff_page(self, actor: Actor, db: AsyncSession) -> Template:
        actor.require(Role.ADMIN)
        staff = await hotel_staff(db, actor.hotel_id)
        return Template("pages/staff/index.html", context={"actor": actor, "staff": staff, "active": "admin"})

    @post("/{staff_id:uuid}/deactivate")
    async def deactivate(
        self, actor: Actor, resources: ProvidedResources, uow: UnitOfWork, staff_id: UUID
    ) -> Response[Any]:
        return await _set_active(resources, uow, actor, staff_id, active=False)

    @post("/{staff_id:uuid}/activate")
    async def activate(
        self, actor: Actor, resources: ProvidedResources, uow: UnitOfWork, staff_id: UUID
    ) -> Response[Any]:
        return await _set_active(resources, uow, actor, staff_id, active=True)

"""Administration of the acting hotel's staff (admins only): the list, invites by link, roles,
deactivation and password reset links. Every change lands in the hotel's audit log."""

from __future__ import annotations

import datetime
import logging
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template

from domain.errors import Conflict, DomainError, Invalid
from domain.staff.models import Role
from domain.staff.rules import INVITE_DAYS_DEFAULT, INVITE_DAYS_MAX, invite_days
from domain.staff.service import (
    change_role,
    create_invite,
    create_reset_link,
    hotel_staff,
    pending_invites,
    revoke_invite,
    set_membership_active,
)
from domain.uow import UnitOfWork
from web.auth import Actor
from web.resources import ProvidedResources, Resources

log = logging.getLogger(__name__)

MAX_FIELD = 300


async def _form(request: Request[Any, Any, Any], *names: str) -> dict[str, str]:
    form = await request.form()
    fields: dict[str, str] = {}
    for name in names:
        value = form.get(name, "")
        if not isinstance(value, str):
            raise Invalid(f"{name} must be text")
        if len(value) > MAX_FIELD:
            raise Invalid(f"{name} is too long")
        fields[name] = value
    return fields


def _role(fields: dict[str, str]) -> Role:
    try:
        return Role(fields["role"])
    except ValueError:
        raise Invalid("choose a role: agent, manager or admin") from None


async def _page(
    resources: Resources,
    actor: Actor,
    *,
    error: str = "",
    link: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    async with resources.uow() as uow:
        staff = await hotel_staff(uow, actor.hotel_id)
        invites = await pending_invites(uow, actor.hotel_id)
    return Template(
        "pages/staff/index.html",
        context={
            "actor": actor,
            "staff": staff,
            "invites": invites,
            "roles": list(Role),
            "error": error,
            "link": link,
            "invite_days": INVITE_DAYS_DEFAULT,
            "invite_days_max": INVITE_DAYS_MAX,
            "active": "admin",
        },
        status_code=status,
    )


async def _refused(resources: Resources, actor: Actor, exc: DomainError) -> Template:
    """A refusal the admin can act on, shown on the staff page itself (a 400 or 409)."""
    status = 409 if isinstance(exc, Conflict) else 400
    return await _page(resources, actor, error=str(exc), status=status)


def _link(resources: Resources, path: str, expires_at: datetime.datetime, **more: str) -> dict[str, str]:
    """A link shown once to the admin who made it (never logged)."""
    url = resources.settings.public_base_url.rstrip("/") + path
    return {"url": url, "expires_at": expires_at.strftime("%Y-%m-%d %H:%M UTC"), **more}


async def _set_active(
    resources: Resources, uow: UnitOfWork, actor: Actor, target: UUID, *, active: bool
) -> Response[Any]:
    """Let someone into the acting hotel again, or stop them there (their other hotels decide for
    themselves; only a platform operator disables an account everywhere)."""
    actor.require(Role.ADMIN)
    try:
        async with uow:
            await set_membership_active(uow, actor.hotel_id, target, active=active, by=actor.staff_id)
    except (Invalid, Conflict) as exc:
        return await _refused(resources, actor, exc)
    if not active:
        await resources.session_store.destroy_at_hotel(target, actor.hotel_id)
        await resources.live_sockets.close(staff_id=target, hotel_id=actor.hotel_id)
        if target == actor.staff_id:
            return Redirect("/login", status_code=303)
    return Redirect("/admin/staff", status_code=303)


class StaffController(Controller):
    path = "/admin/staff"
    tags = ["staff"]

    @get()
    async def staff_page(self, actor: Actor, resources: ProvidedResources) -> Template:
        actor.require(Role.ADMIN)
        return await _page(resources, actor)

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

    @post("/{staff_id:uuid}/role")
    async def set_role(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        resources: ProvidedResources,
        uow: UnitOfWork,
        staff_id: UUID,
    ) -> Response[Any]:
        actor.require(Role.ADMIN)
        try:
            role = _role(await _form(request, "role"))
            async with uow:
                await change_role(uow, actor.hotel_id, staff_id, role, by=actor.staff_id)
        except (Invalid, Conflict) as exc:
            return await _refused(resources, actor, exc)
        if staff_id == actor.staff_id and role is not Role.ADMIN:
            return Redirect("/inbox", status_code=303)  # this page is no longer theirs
        return Redirect("/admin/staff", status_code=303)

    @post("/{staff_id:uuid}/reset-link")
    async def reset_link(
        self, actor: Actor, resources: ProvidedResources, uow: UnitOfWork, staff_id: UUID
    ) -> Response[Any]:
        actor.require(Role.ADMIN)
        admin_of = {h.hotel_id for h in actor.hotels if h.role is Role.ADMIN}
        try:
            async with uow:
                reset, token = await create_reset_link(
                    uow, actor.hotel_id, staff_id, by=actor.staff_id, admin_of=admin_of
                )
        except (Invalid, Conflict) as exc:
            return await _refused(resources, actor, exc)
        log.info("password reset link %s made for staff %s", reset.id, staff_id)
        link = _link(resources, f"/reset/{token}", reset.expires_at, kind="reset")
        return await _page(resources, actor, link=link)

    @post("/invites")
    async def invite(
        self, request: Request[Any, Any, Any], actor: Actor, resources: ProvidedResources, uow: UnitOfWork
    ) -> Response[Any]:
        actor.require(Role.ADMIN)
        try:
            fields = await _form(request, "email", "name", "role", "days")
            role = _role(fields)
            days = invite_days(fields["days"])
            async with uow:
                invite, token = await create_invite(
                    uow,
                    actor.hotel_id,
                    email=fields["email"],
                    name=fields["name"],
                    role=role,
                    days=days,
                    by=actor.staff_id,
                )
        except (Invalid, Conflict) as exc:
            return await _refused(resources, actor, exc)
        log.info("invite %s made at hotel %s", invite.id, actor.hotel_id)  # never the link itself
        link = _link(resources, f"/invite/{token}", invite.expires_at, kind="invite", email=invite.email)
        return await _page(resources, actor, link=link, status=201)

    @post("/invites/{invite_id:uuid}/revoke")
    async def revoke(
        self, actor: Actor, resources: ProvidedResources, uow: UnitOfWork, invite_id: UUID
    ) -> Response[Any]:
        actor.require(Role.ADMIN)
        try:
            async with uow:
                await revoke_invite(uow, actor.hotel_id, invite_id, by=actor.staff_id)
        except (Invalid, Conflict) as exc:
            return await _refused(resources, actor, exc)
        return Redirect("/admin/staff", status_code=303)

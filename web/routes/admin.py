"""Administration: staff accounts of the acting hotel (admins only)."""

from __future__ import annotations

import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from litestar import Request, Response, get, post
from litestar.response import Redirect, Template

from domain.conversations.saved_replies import (
    InvalidSavedReply,
    delete_saved_reply,
    list_saved_replies,
    save_reply,
)
from domain.events import GuestErased
from domain.guests.privacy import GuestNotFound, erase_guest, export_guest, find_guest
from domain.staff.models import Role
from domain.staff.service import StaffNotFound, hotel_staff, set_membership_active
from web.auth import Actor
from web.deps import Resources


@get("/admin/staff")
async def staff_page(request: Request[Any, Any, Any], actor: Actor) -> Template:
    actor.require(Role.ADMIN)
    resources: Resources = request.app.state.resources
    async with resources.sessions() as db:
        staff = await hotel_staff(db, actor.hotel_id)
    return Template("pages/admin/staff.html", context={"actor": actor, "staff": staff, "active": "admin"})


async def _set_active(
    request: Request[Any, Any, Any], actor: Actor, staff_id: str, *, active: bool
) -> Response[Any]:
    """Let someone into the acting hotel again, or stop them there (their other hotels decide for
    themselves; only a platform operator disables an account everywhere)."""
    actor.require(Role.ADMIN)
    resources: Resources = request.app.state.resources
    try:
        target = UUID(staff_id)
    except ValueError:
        return Response({"detail": "not found"}, status_code=404)
    if target == actor.staff_id and not active:
        return Response({"detail": "you cannot deactivate yourself"}, status_code=400)
    try:
        async with resources.sessions() as db, db.begin():
            await set_membership_active(db, actor.hotel_id, target, active=active)
    except StaffNotFound:
        return Response({"detail": "not found"}, status_code=404)
    if not active:
        await resources.session_store.destroy_at_hotel(target, actor.hotel_id)
        await resources.live_kick(staff_id=target, hotel_id=actor.hotel_id)
    return Redirect("/admin/staff", status_code=303)


@post("/admin/staff/{staff_id:str}/deactivate")
async def deactivate(request: Request[Any, Any, Any], actor: Actor, staff_id: str) -> Response[Any]:
    return await _set_active(request, actor, staff_id, active=False)


@post("/admin/staff/{staff_id:str}/activate")
async def activate(request: Request[Any, Any, Any], actor: Actor, staff_id: str) -> Response[Any]:
    return await _set_active(request, actor, staff_id, active=True)


@get("/admin/saved-replies")
async def saved_replies_page(request: Request[Any, Any, Any], actor: Actor, error: str = "") -> Template:
    actor.require(Role.MANAGER)
    resources: Resources = request.app.state.resources
    async with resources.sessions() as db:
        replies = await list_saved_replies(db, actor.hotel_id)
    return Template(
        "pages/admin/saved_replies.html",
        context={"actor": actor, "replies": replies, "active": "replies", "error": error[:200]},
    )


@post("/admin/saved-replies")
async def save_saved_reply(request: Request[Any, Any, Any], actor: Actor) -> Response[Any]:
    actor.require(Role.MANAGER)
    resources: Resources = request.app.state.resources
    form = await request.form()
    fields = {name: str(form.get(name, ""))[:4000] for name in ("shortcut", "language", "text")}
    try:
        async with resources.sessions() as db, db.begin():
            await save_reply(
                db, actor.hotel_id, fields["shortcut"], fields["language"] or "en", fields["text"]
            )
    except InvalidSavedReply as exc:
        return Response({"detail": str(exc)}, status_code=400)
    return Redirect("/admin/saved-replies", status_code=303)


@post("/admin/saved-replies/{reply_id:str}/delete")
async def delete_saved(request: Request[Any, Any, Any], actor: Actor, reply_id: str) -> Response[Any]:
    actor.require(Role.MANAGER)
    resources: Resources = request.app.state.resources
    try:
        target = UUID(reply_id)
    except ValueError:
        return Response({"detail": "not found"}, status_code=404)
    async with resources.sessions() as db, db.begin():
        deleted = await delete_saved_reply(db, actor.hotel_id, target)
    if not deleted:
        return Response({"detail": "not found"}, status_code=404)
    return Redirect("/admin/saved-replies", status_code=303)


def _guest_id(raw: str) -> UUID:
    try:
        return UUID(raw)
    except ValueError as exc:
        raise GuestNotFound(raw) from exc


@get("/admin/guests/{guest_id:str}/export")
async def export_guest_data(request: Request[Any, Any, Any], actor: Actor, guest_id: str) -> Response[Any]:
    """A guest's data as a JSON download (a data subject access request)."""
    actor.require(Role.ADMIN)
    resources: Resources = request.app.state.resources
    async with resources.sessions() as db:
        guest = await find_guest(db, actor.hotel_id, guest_id=_guest_id(guest_id))
        data = await export_guest(db, actor.hotel_id, guest)
    return Response(
        data,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="guest-{guest.id}.json"'},
    )


@post("/admin/guests/{guest_id:str}/erase")
async def erase_guest_data(request: Request[Any, Any, Any], actor: Actor, guest_id: str) -> Response[Any]:
    """Erase a guest and everything about them (a right-to-erasure request). Needs confirm=erase."""
    actor.require(Role.ADMIN)
    resources: Resources = request.app.state.resources
    form = await request.form()
    if form.get("confirm") != "erase":
        return Response(
            {"detail": "type erase in the confirm field to erase this guest for good"}, status_code=400
        )
    async with resources.sessions() as db, db.begin():
        guest = await find_guest(db, actor.hotel_id, guest_id=_guest_id(guest_id))
        await erase_guest(db, actor.hotel_id, guest)
    await resources.dispatcher.publish([GuestErased(hotel_id=actor.hotel_id)])
    return Redirect("/inbox", status_code=303)


@get("/admin/alerts")
async def hotel_alerts(request: Request[Any, Any, Any], actor: Actor) -> Template:
    """What keeps this hotel from hearing its guests, for its admins (a fragment every page loads)."""
    actor.require(Role.ADMIN)
    resources: Resources = request.app.state.resources
    zone = ZoneInfo(await resources.hotel_timezone(actor.hotel_id))
    alerts = [
        {
            "count": failure.count,
            "explanation": failure.explanation,
            "last_at": datetime.datetime.fromtimestamp(failure.last_at, zone),
        }
        for failure in await resources.webhook_failures.recent(actor.hotel_id)
    ]
    return Template("partials/admin/_alerts.html", context={"alerts": alerts})

"""The acting hotel's WhatsApp connection (``/admin/whatsapp``), admins only: the instance and its
tokens, "check connection", "apply webhook settings", and whether webhooks are arriving."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Conflict, Invalid
from domain.hotels import connection
from domain.hotels.provider_rules import ConnectionForm, check_connection
from domain.hotels.rules import SettingsRefused
from domain.staff.models import Role
from domain.uow import UnitOfWork
from web.admin_forms import MAX_ADMIN_FORM_BYTES, AdminForm, admin_page, after_save
from web.auth import Actor
from web.hotel_health import FAILURE_WINDOW_SECONDS
from web.resources import ProvidedResources, Resources

BAD_GATEWAY = 502


async def whatsapp_page(
    resources: Resources,
    db: AsyncSession,
    actor: Actor,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    outcome: dict[str, Any] | None = None,
    status: int = 200,
) -> Template:
    """The page as it is now, with what the admin typed (never a secret) and the last action's outcome."""
    zone = ZoneInfo(await resources.timezones.of(actor.hotel_id))
    view = await connection.connection_of(db, actor.hotel_id)
    received, last = await resources.webhook_arrivals.recent(actor.hotel_id)
    if form is None:
        form = {"instance_id": str(view.instance_id or ""), "api_url": view.api_url or ""}
    recorded_at = view.instance_state_at
    context = {
        "connection": view,
        "recorded_state": view.instance_state,
        "recorded_meaning": connection.explain_state(view.instance_state) if view.instance_state else "",
        "recorded_at": recorded_at.astimezone(zone) if recorded_at else None,
        "form": form,
        "errors": errors or {},
        "outcome": outcome,
        "default_api_url": resources.settings.green_api_url,
        "webhook_url": resources.settings.public_base_url + connection.WEBHOOK_PATH,
        "switches": list(connection.WEBHOOK_SWITCHES),
        "received": received,
        "last_received": None if last is None else datetime.datetime.fromtimestamp(last, zone),
        "failures": await resources.webhook_failures.recent(actor.hotel_id, zone),
        "window_minutes": FAILURE_WINDOW_SECONDS // 60,
    }
    return admin_page("whatsapp", actor, context, status=status)


class WhatsappController(Controller):
    path = "/admin/whatsapp"
    tags = ["hotels"]
    request_max_body_size = MAX_ADMIN_FORM_BYTES

    @get()
    async def whatsapp(
        self, actor: Actor, db: AsyncSession, resources: ProvidedResources, saved: bool = False
    ) -> Template:
        actor.require(Role.ADMIN)
        outcome = {"ok": True, "message": "Connection saved."} if saved else None
        return await whatsapp_page(resources, db, actor, outcome=outcome)

    @post()
    async def save_whatsapp(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db: AsyncSession,
        uow: UnitOfWork,
        resources: ProvidedResources,
    ) -> Response[Any]:
        actor.require(Role.ADMIN)
        typed = (await AdminForm.read(request)).fill(ConnectionForm)
        shown = {"instance_id": typed.instance_id[:40], "api_url": typed.api_url[:400]}  # no secret
        current = await connection.connection_of(db, actor.hotel_id)
        try:
            change = check_connection(
                typed, has_api_token=current.has_api_token, has_webhook_token=current.has_webhook_token
            )
            async with uow:
                await connection.save_connection(uow, actor.hotel_id, change, actor.staff_id)
        except SettingsRefused as refused:
            return await whatsapp_page(resources, db, actor, form=shown, errors=refused.errors, status=422)
        except Conflict as exc:
            errors = {"instance_id": str(exc)}
            return await whatsapp_page(resources, db, actor, form=shown, errors=errors, status=409)
        return after_save("/admin/whatsapp")

    @post("/check")
    async def check_whatsapp_connection(
        self, actor: Actor, db: AsyncSession, resources: ProvidedResources
    ) -> Template:
        actor.require(Role.ADMIN)
        try:
            default_url = resources.settings.green_api_url
            state = await connection.check_state(db, resources.green_api, actor.hotel_id, default_url)
        except (connection.GatewayProblem, Invalid) as exc:
            status = BAD_GATEWAY if isinstance(exc, connection.GatewayProblem) else 400
            outcome = {"ok": False, "message": f"Check failed: {exc}."}
            return await whatsapp_page(resources, db, actor, outcome=outcome, status=status)
        outcome = {
            "ok": True,
            "state": state,
            "message": f"Green API says the instance is {state}: {connection.explain_state(state)}.",
        }
        return await whatsapp_page(resources, db, actor, outcome=outcome)

    @post("/webhooks")
    async def apply_whatsapp_webhooks(
        self, actor: Actor, db: AsyncSession, resources: ProvidedResources
    ) -> Template:
        actor.require(Role.ADMIN)
        settings = resources.settings
        try:
            await connection.apply_webhook_settings(
                db, resources.green_api, actor.hotel_id, settings.green_api_url, settings.public_base_url
            )
        except (connection.GatewayProblem, Invalid) as exc:
            status = BAD_GATEWAY if isinstance(exc, connection.GatewayProblem) else 400
            outcome = {"ok": False, "message": f"Applying the webhook settings failed: {exc}."}
            return await whatsapp_page(resources, db, actor, outcome=outcome, status=status)
        outcome = {
            "ok": True,
            "message": "Green API accepted the webhook settings. The instance restarts and uses them "
            "within about 5 minutes.",
        }
        return await whatsapp_page(resources, db, actor, outcome=outcome)

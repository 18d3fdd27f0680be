"""The admin's home (``/admin``) and the acting hotel's settings (``/admin/settings``), admins only."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from domain.hotels import rules
from domain.hotels.service import hotel_settings, save_settings
from domain.staff.models import Role
from domain.uow import UnitOfWork
from web.admin_forms import MAX_ADMIN_FORM_BYTES, AdminForm, admin_page, after_save
from web.auth import Actor
from web.resources import HotelTimezones


def form_of(settings: rules.HotelSettings) -> rules.SettingsForm:
    """The stored settings as the form shows them."""
    return rules.SettingsForm(
        name=settings.name,
        timezone=settings.timezone,
        languages=", ".join(settings.languages),
        persona=settings.persona,
        tone=settings.tone,
        around_the_clock=settings.business_hours is None,
        hours=rules.hours_text(settings.business_hours),
        sla_first_reply=str(settings.sla_first_reply_minutes),
        sla_next_reply=str(settings.sla_next_reply_minutes),
        auto_return="" if settings.auto_return_minutes is None else str(settings.auto_return_minutes),
        restricted_topics=", ".join(settings.restricted_topics),
        draft_topics=", ".join(settings.draft_topics),
        ai_mode=settings.ai_mode,
        ai_enabled=settings.ai_enabled,
        csat_enabled=settings.csat_enabled,
    )


def settings_page(
    actor: Actor, form: rules.SettingsForm, errors: dict[str, str], *, saved: bool = False, status: int = 200
) -> Template:
    context = {
        "form": asdict(form),
        "errors": errors,
        "saved": saved,
        "weekdays": rules.WEEKDAYS,
        "ai_modes": rules.AI_MODES,
    }
    return admin_page("settings", actor, context, status=status)


class AdminController(Controller):
    path = "/admin"
    tags = ["admin"]
    request_max_body_size = MAX_ADMIN_FORM_BYTES

    @get()
    async def admin_home(self, actor: Actor) -> Template:
        actor.require(Role.ADMIN)
        return Template(
            "pages/admin/index.html", context={"actor": actor, "active": "admin", "admin_page": "home"}
        )

    @get("/settings")
    async def settings_form(self, actor: Actor, db: AsyncSession, saved: bool = False) -> Template:
        actor.require(Role.ADMIN)
        return settings_page(actor, form_of(await hotel_settings(db, actor.hotel_id)), {}, saved=saved)

    @post("/settings")
    async def save_hotel_settings(
        self, request: Request[Any, Any, Any], actor: Actor, uow: UnitOfWork, timezones: HotelTimezones
    ) -> Response[Any]:
        actor.require(Role.ADMIN)
        form = await AdminForm.read(request)
        typed = form.fill(
            rules.SettingsForm, hours={day: form.text(f"hours_{day}") for day in rules.WEEKDAYS}
        )
        try:
            settings = rules.check_settings(typed)
        except rules.SettingsRefused as refused:
            return settings_page(actor, typed, refused.errors, status=422)
        async with uow:
            await save_settings(uow, actor.hotel_id, settings, actor.staff_id)
        timezones.forget(actor.hotel_id)
        return after_save("/admin/settings")

"""The acting hotel's LLM provider (``/admin/ai``), admins only: base URL, model and key of any
OpenAI-compatible endpoint, and "test", one call that shows the answer and the latency."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Invalid
from domain.hotels.llm_provider import ProviderTest, provider_of, save_provider, try_provider
from domain.hotels.provider_rules import ProviderForm, check_provider
from domain.hotels.rules import SettingsRefused
from domain.staff.models import Role
from domain.uow import UnitOfWork
from web.admin_forms import MAX_ADMIN_FORM_BYTES, AdminForm, admin_page, after_save
from web.auth import Actor
from web.resources import ProvidedResources, Resources


async def ai_page(
    resources: Resources,
    db: AsyncSession,
    actor: Actor,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    saved: bool = False,
    trial: ProviderTest | None = None,
    problem: str = "",
    status: int = 200,
) -> Template:
    provider = await provider_of(db, actor.hotel_id)
    default = resources.assistant.default_endpoint
    if form is None:
        form = {"base_url": provider.base_url or "", "model": provider.model or ""}
    context = {
        "provider": provider,
        "default_base_url": default.base_url,
        "default_model": default.model,
        "default_has_key": bool(default.api_key),
        "form": form,
        "errors": errors or {},
        "saved": saved,
        "trial": trial,
        "problem": problem,
    }
    return admin_page("ai", actor, context, status=status)


class AiProviderController(Controller):
    path = "/admin/ai"
    tags = ["hotels"]
    request_max_body_size = MAX_ADMIN_FORM_BYTES

    @get()
    async def ai_provider(
        self, actor: Actor, db: AsyncSession, resources: ProvidedResources, saved: bool = False
    ) -> Template:
        actor.require(Role.ADMIN)
        return await ai_page(resources, db, actor, saved=saved)

    @post()
    async def save_ai_provider(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        db: AsyncSession,
        uow: UnitOfWork,
        resources: ProvidedResources,
    ) -> Response[Any]:
        actor.require(Role.ADMIN)
        typed = (await AdminForm.read(request)).fill(ProviderForm)
        try:
            change = check_provider(typed)
        except SettingsRefused as refused:
            shown = {"base_url": typed.base_url[:400], "model": typed.model[:200]}  # never the key
            return await ai_page(resources, db, actor, form=shown, errors=refused.errors, status=422)
        async with uow:
            await save_provider(uow, actor.hotel_id, change, actor.staff_id)
        return after_save("/admin/ai")

    @post("/test")
    async def test_ai_provider(
        self, actor: Actor, db: AsyncSession, uow: UnitOfWork, resources: ProvidedResources
    ) -> Template:
        actor.require(Role.ADMIN)
        assistant = resources.assistant
        try:
            trial = await try_provider(db, uow, assistant.llm, assistant.default_endpoint, actor.hotel_id)
        except Invalid as exc:
            return await ai_page(resources, db, actor, problem=str(exc), status=400)
        return await ai_page(resources, db, actor, trial=trial, status=200 if trial.ok else 502)

"""The hotel's audit log, for its admins: newest first, a page at a time, by action."""

from __future__ import annotations

from litestar import Controller, get
from litestar.params import Parameter
from litestar.response import Template

from domain.audit.service import audit_page
from domain.staff.models import Role
from web.auth import Actor
from web.resources import ProvidedResources


class AuditController(Controller):
    path = "/admin/audit"
    tags = ["audit"]

    @get()
    async def audit(
        self,
        actor: Actor,
        resources: ProvidedResources,
        action: str = Parameter(default="", max_length=64),
        page: int = Parameter(default=1, ge=1, le=100_000),
    ) -> Template:
        actor.require(Role.ADMIN)
        async with resources.uow() as uow:
            log = await audit_page(uow, actor.hotel_id, action=action, page=page)
        return Template(
            "pages/audit/index.html",
            context={"actor": actor, "log": log, "action": action, "active": "audit"},
        )

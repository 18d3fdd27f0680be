"""What keeps the acting hotel from hearing its guests, for its admins."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from litestar import Controller, get
from litestar.response import Template

from domain.staff.models import Role
from web.auth import Actor
from web.resources import ProvidedResources


class HotelAlertsController(Controller):
    path = "/admin/alerts"
    tags = ["hotels"]

    @get()
    async def hotel_alerts(self, actor: Actor, resources: ProvidedResources) -> Template:
        """A fragment every page loads."""
        actor.require(Role.ADMIN)
        zone = ZoneInfo(await resources.timezones.of(actor.hotel_id))
        alerts = await resources.webhook_failures.recent(actor.hotel_id, zone)
        return Template("partials/hotels/_alerts.html", context={"alerts": alerts})

"""Guest feedback for the managers: low ratings and what the guest said went wrong."""

from __future__ import annotations

from dataclasses import replace

from litestar import Controller, get
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from domain.conversations.csat import low_ratings
from domain.conversations.desk_hours import zone_of
from domain.staff.models import Role
from web.auth import Actor
from web.resources import HotelTimezones


class FeedbackController(Controller):
    path = "/feedback"
    tags = ["feedback"]

    @get()
    async def feedback_page(self, actor: Actor, db: AsyncSession, timezones: HotelTimezones) -> Template:
        actor.require(Role.MANAGER)
        zone = zone_of(await timezones.of(actor.hotel_id))
        feedback = [
            replace(f, answered_at=f.answered_at.astimezone(zone) if f.answered_at else None)
            for f in await low_ratings(db, actor.hotel_id)
        ]
        return Template(
            "pages/feedback/index.html",
            context={"actor": actor, "feedback": feedback, "active": "feedback"},
        )

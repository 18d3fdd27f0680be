"""Manager analytics: the figures of a period for one hotel or all the manager sees, the
conversations behind a chart's mark, and CSV exports. Managers and admins only."""

from __future__ import annotations

import datetime
from typing import Annotated

from litestar import Controller, get
from litestar.params import Parameter
from litestar.response import Response, Template
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics import charts, exports, formats
from domain.analytics.conversations import LIST_LIMIT, Filter, conversations_behind
from domain.analytics.report import load_report, scope_parameters
from domain.analytics.rules import Period, parse_period
from domain.analytics.scope import Chosen, HotelChoice, choose_hotels, click_filter
from domain.hotels.hours import zone_of
from domain.staff.models import Role
from web.auth import Actor
from web.resources import HotelTimezones, ProvidedResources

Query = Annotated[str | None, Parameter(query="from", max_length=40, required=False)]
To = Annotated[str | None, Parameter(max_length=40, required=False)]
Text = Annotated[str | None, Parameter(max_length=80, required=False)]


async def _chosen(
    timezones: HotelTimezones, actor: Actor, first: str | None, last: str | None, hotel: str | None
) -> tuple[HotelChoice, Period, Chosen]:
    """The hotels the manager sees, the period asked for (by the acting hotel's calendar) and the
    hotels it is asked for."""
    actor.require(Role.MANAGER)
    choice = HotelChoice.of(
        actor.hotel_id, [(h.hotel_id, h.hotel_name, h.slug, h.role) for h in actor.hotels]
    )
    today = datetime.datetime.now(zone_of(await timezones.of(actor.hotel_id))).date()
    return choice, parse_period(first, last, today), choose_hotels(choice, hotel)


def _base(period: Period, hotel: str) -> dict[str, str]:
    return {"from": period.first.isoformat(), "to": period.last.isoformat(), "hotel": hotel}


class AnalyticsController(Controller):
    path = "/analytics"
    tags = ["analytics"]

    @get()
    async def analytics_page(
        self,
        *,
        actor: Actor,
        db: AsyncSession,
        resources: ProvidedResources,
        timezones: HotelTimezones,
        first: Query = None,
        to: To = None,
        hotel: Text = None,
    ) -> Template:
        choice, period, chosen = await _chosen(timezones, actor, first, to, hotel)
        report = await load_report(db, chosen.hotel_ids, period, exports.prices(resources.settings))
        key = chosen.key
        base = _base(period, chosen.param)
        context = {
            "actor": actor,
            "active": "analytics",
            "report": report,
            "choice": choice,
            "chosen": chosen,
            "figures": report.figures[key],
            "per_hotel": [(h, report.figures[h.id]) for h in report.hotels] if len(report.hotels) > 1 else [],
            "days": report.days[key],
            "conversations_chart": charts.day_columns(report.days[key], messages=False, base=base),
            "messages_chart": charts.day_columns(report.days[key], messages=True, base=base),
            "reasons_chart": charts.horizontal(
                report.reasons[key], noun="hand-offs", field="reason", base=base
            ),
            "languages_chart": charts.horizontal(
                report.languages[key], noun="conversations", field="language", base=base
            ),
            "busiest": charts.heatmap(report.heatmap[key], base=base),
            "categories": report.categories[key],
            "staff": report.staff[key],
            "base": base,
            "fmt": formats,
        }
        return Template("pages/analytics/index.html", context=context)

    @get("/conversations")
    async def analytics_conversations(
        self,
        *,
        actor: Actor,
        db: AsyncSession,
        timezones: HotelTimezones,
        first: Query = None,
        to: To = None,
        hotel: Text = None,
        day: Text = None,
        reason: Text = None,
        weekday: Text = None,
        hour: Text = None,
        staff: Text = None,
        language: Text = None,
    ) -> Template:
        _, period, chosen = await _chosen(timezones, actor, first, to, hotel)
        which: Filter = click_filter(
            period, day=day, reason=reason, weekday=weekday, hour=hour, staff=staff, language=language
        )
        params = await scope_parameters(db, chosen.hotel_ids, period)
        rows = await conversations_behind(db, params, which)
        context = {
            "actor": actor,
            "active": "analytics",
            "rows": rows,
            "limit": LIST_LIMIT,
            "chosen": chosen,
            "period": period,
            "which": which,
            "base": _base(period, chosen.param),
            "acting_hotel": actor.hotel_id,
        }
        return Template("pages/analytics/conversations.html", context=context)

    @get("/export.csv")
    async def analytics_export(
        self,
        *,
        actor: Actor,
        db: AsyncSession,
        resources: ProvidedResources,
        timezones: HotelTimezones,
        first: Query = None,
        to: To = None,
        hotel: Text = None,
        kind: Text = "daily",
    ) -> Response[bytes]:
        _, period, chosen = await _chosen(timezones, actor, first, to, hotel)
        body = await exports.export(
            db, kind or "daily", chosen.hotel_ids, period, exports.prices(resources.settings)
        )
        name = f"analytics-{kind}-{chosen.param}-{period.first}-{period.last}.csv"
        return Response(
            body,
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{name}"', "cache-control": "no-store"},
        )

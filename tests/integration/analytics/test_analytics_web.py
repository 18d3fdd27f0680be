"""/analytics, its click-through and its CSV exports over the real app: who may see what (roles,
tenants, the group of a manager of two hotels), refused input, CSV injection and secrets."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import update

from domain.guests.models import Guest
from domain.settings import Settings
from domain.staff.models import Role
from tests.support.analytics_data import OPEN_8_TO_20, build_history
from tests.support.factories import make_hotel
from tests.support.web import make_staff, sign_in
from web.app import create_app

PERIOD = "from=2026-03-28&to=2026-03-30"
API_TOKEN_A, WEBHOOK_TOKEN_A = "green-api-secret-aaaa", "webhook-secret-aaaa"
API_TOKEN_B, WEBHOOK_TOKEN_B = "green-api-secret-bbbb", "webhook-secret-bbbb"
SECRETS = (API_TOKEN_A, WEBHOOK_TOKEN_A, API_TOKEN_B, WEBHOOK_TOKEN_B, "llm-key-secret")


@pytest.fixture
async def client(settings: Settings, sessions: Any) -> AsyncIterator[AsyncTestClient[Any]]:
    async with AsyncTestClient(app=create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
async def hotels(sessions: Any) -> dict[str, Any]:
    aurora = await make_hotel(
        sessions, name="Hotel Aurora", slug="aurora", timezone="Europe/Rome", business_hours=OPEN_8_TO_20,
        api_token=API_TOKEN_A, webhook_token=WEBHOOK_TOKEN_A, llm_api_key="llm-key-secret", knowledge=[],
    )  # fmt: skip
    borealis = await make_hotel(
        sessions, name="Hotel Borealis", slug="borealis", timezone="UTC", api_token=API_TOKEN_B,
        webhook_token=WEBHOOK_TOKEN_B, knowledge=[],
    )  # fmt: skip
    anna = await make_staff(sessions, aurora.id, "anna@aurora.example", Role.AGENT, "Anna")
    bob = await make_staff(sessions, borealis.id, "bob@borealis.example", Role.AGENT, "Bob")
    await make_staff(sessions, aurora.id, "alex@aurora.example", Role.MANAGER, "Alex")
    await make_staff(sessions, borealis.id, "bella@borealis.example", Role.ADMIN, "Bella")
    await make_staff(sessions, aurora.id, "mia@hotels.example", Role.MANAGER, "Mia")
    await make_staff(sessions, borealis.id, "mia@hotels.example", Role.MANAGER, "Mia")
    story = await build_history(sessions, aurora.id, borealis.id, anna=anna, bob=bob)
    return {"aurora": aurora, "borealis": borealis, "anna": anna, "bob": bob, "story": story}


def rows_of(body: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body)))


async def test_a_manager_sees_the_charts_of_their_hotel_only(client, hotels) -> None:
    await sign_in(client, "alex@aurora.example")
    page = await client.get(f"/analytics?{PERIOD}")
    assert page.status_code == 200
    html = page.text
    assert html.count('<svg class="chart-svg') == 5  # two day charts, reasons, heatmap, languages
    assert 'aria-label="2026-03-29: 3 conversations"' in html
    assert 'aria-label="guest_asked: 2 hand-offs"' in html
    assert 'aria-label="Sunday 03:00: 1 guest messages"' in html
    assert "66.7 %" in html  # automation rate
    assert "Hotel Borealis" not in html
    assert "Bob" not in html
    assert 'href="/analytics"' in html  # in the top bar
    for secret in SECRETS:
        assert secret not in html


async def test_a_manager_of_two_hotels_gets_each_and_the_group(client, hotels) -> None:
    await sign_in(client, "mia@hotels.example")
    group = await client.get(f"/analytics?{PERIOD}")
    assert group.status_code == 200
    assert "Hotel by hotel" in group.text
    assert "Hotel Aurora" in group.text
    assert "Hotel Borealis" in group.text
    assert 'aria-label="2026-03-29: 4 conversations"' in group.text  # 3 at Aurora, 1 at Borealis
    one = await client.get(f"/analytics?{PERIOD}&hotel=borealis")
    assert one.status_code == 200
    assert 'aria-label="2026-03-29: 1 conversations"' in one.text
    assert "Hotel by hotel" not in one.text


async def test_agents_are_refused_everywhere(client, hotels) -> None:
    await sign_in(client, "anna@aurora.example")
    for url in ("/analytics", "/analytics/conversations", "/analytics/export.csv?kind=daily"):
        response = await client.get(f"{url}{'&' if '?' in url else '?'}{PERIOD}")
        assert response.status_code == 403, url
        assert "Giulia" not in response.text


async def test_an_admin_of_one_hotel_sees_it_and_no_other(client, hotels) -> None:
    await sign_in(client, "bella@borealis.example")
    assert (await client.get(f"/analytics?{PERIOD}")).status_code == 200
    assert (await client.get(f"/analytics?{PERIOD}&hotel=aurora")).status_code == 404
    assert (await client.get(f"/analytics?{PERIOD}&hotel={hotels['aurora'].id}")).status_code == 404


async def test_click_through_lists_the_conversations_behind_a_mark(client, hotels) -> None:
    story = hotels["story"].conversations
    await sign_in(client, "alex@aurora.example")

    async def names(query: str) -> set[str]:
        response = await client.get(f"/analytics/conversations?{PERIOD}&{query}")
        assert response.status_code == 200, response.text
        return {name for name in ("Giulia", "Hans", "Marie", "John", "Olaf") if f">{name}<" in response.text}

    assert await names("day=2026-03-29") == {"Giulia", "Hans", "Marie"}
    assert await names("day=2026-03-30") == {"John"}
    assert await names("reason=guest_asked") == {"Hans", "John"}
    assert await names("weekday=7&hour=3") == {"Hans"}
    assert await names(f"staff={hotels['anna']}") == {"Hans", "Marie"}
    assert await names("language=fr") == {"Marie"}
    assert await names(f"staff={hotels['bob']}") == set()  # Bob works at Borealis
    listed = await client.get(f"/analytics/conversations?{PERIOD}&day=2026-03-29")
    assert f'href="/conversations/{story["Hans"]}"' in listed.text
    assert (await client.get(f"/analytics/conversations?{PERIOD}&hotel=borealis")).status_code == 404


async def test_click_through_of_the_group_names_the_other_hotel(client, hotels) -> None:
    await sign_in(client, "mia@hotels.example")  # acting for Aurora, her first hotel
    response = await client.get(f"/analytics/conversations?{PERIOD}&hotel=all&reason=guest_asked")
    assert response.status_code == 200
    for name in ("Hans", "John", "Olaf"):
        assert name in response.text
    assert "switch to Hotel Borealis to open it" in response.text


@pytest.mark.parametrize(
    "query",
    [
        "from=2026-13-01&to=2026-12-31",
        "from=yesterday&to=2026-03-30",
        "from=2026-03-30&to=2026-03-28",
        "from=2020-01-01&to=2026-01-01",
        "from=1999-12-31&to=2000-01-01",
        "from=" + "9" * 500,
        "hotel=" + "x" * 500,
        f"{PERIOD}&hotel=nowhere",
    ],
)
async def test_bad_query_strings_are_refused_with_a_reason(client, hotels, query) -> None:
    await sign_in(client, "mia@hotels.example")
    for url in ("/analytics", "/analytics/conversations", "/analytics/export.csv"):
        response = await client.get(f"{url}?{query}", headers={"accept": "application/json"})
        assert response.status_code in (400, 404), (url, response.status_code)
        assert response.json()["detail"]


@pytest.mark.parametrize(
    "query",
    [
        "day=2026-04-01",
        "day=soon",
        "weekday=8&hour=1",
        "weekday=1",
        "hour=25&weekday=1",
        "staff=me",
        "language=" + "x" * 20,
    ],
)
async def test_bad_click_throughs_are_refused(client, hotels, query) -> None:
    await sign_in(client, "alex@aurora.example")
    response = await client.get(
        f"/analytics/conversations?{PERIOD}&{query}", headers={"accept": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["detail"]


async def test_daily_and_summary_exports(client, hotels) -> None:
    await sign_in(client, "alex@aurora.example")
    daily = await client.get(f"/analytics/export.csv?{PERIOD}&kind=daily")
    assert daily.status_code == 200
    assert daily.headers["content-type"].startswith("text/csv")
    assert "attachment" in daily.headers["content-disposition"]
    rows = rows_of(daily.text)
    assert {r["hotel"] for r in rows} == {"aurora", "all"}
    sunday = next(r for r in rows if r["date"] == "2026-03-29" and r["hotel"] == "aurora")
    assert (sunday["conversations"], sunday["guest_messages"], sunday["staff_messages"]) == ("3", "7", "5")
    summary = rows_of((await client.get(f"/analytics/export.csv?{PERIOD}&kind=summary")).text)
    aurora = next(r for r in summary if r["hotel"] == "aurora")
    assert (aurora["conversations"], aurora["handoffs"], aurora["first_human_reply_median_s"]) == (
        "4",
        "3",
        "120",
    )
    assert (await client.get(f"/analytics/export.csv?{PERIOD}&kind=xml")).status_code == 400
    assert (await client.get(f"/analytics/export.csv?{PERIOD}&hotel=borealis")).status_code == 404


async def test_per_conversation_export_neutralises_formulas_and_holds_no_secrets(
    client, hotels, sessions
) -> None:
    hostile = {
        "Giulia": '=HYPERLINK("http://evil.example","x")',
        "Hans": "+49 call me",
        "Marie": "-1+1",
        "John": "@SUM(A1)",
    }
    async with sessions() as db, db.begin():
        for name, value in hostile.items():
            await db.execute(update(Guest).where(Guest.name == name).values(name=value))
    await sign_in(client, "mia@hotels.example")
    response = await client.get(f"/analytics/export.csv?{PERIOD}&kind=conversations&hotel=all")
    assert response.status_code == 200
    rows = rows_of(response.text)
    assert sorted(r["guest"] for r in rows) == sorted(["'" + v for v in hostile.values()] + ["Olaf"])
    marie = next(r for r in rows if r["guest"] == "'-1+1")
    assert (marie["hotel"], marie["guest_messages"], marie["staff_messages"], marie["handoffs"]) == (
        "aurora",
        "4",
        "3",
        "1",
    )
    for secret in SECRETS:
        assert secret not in response.text
    for kind in ("daily", "summary"):
        body = (await client.get(f"/analytics/export.csv?{PERIOD}&kind={kind}&hotel=all")).text
        assert not any(secret in body for secret in SECRETS)


async def test_a_manager_of_one_hotel_exports_nothing_of_the_other(client, hotels) -> None:
    await sign_in(client, "alex@aurora.example")
    body = (await client.get(f"/analytics/export.csv?{PERIOD}&kind=conversations&hotel=all")).text
    assert "Giulia" in body
    assert "Olaf" not in body
    assert "borealis" not in body

"""/admin and /admin/settings against the real server: who may, what is saved, what is refused."""

from __future__ import annotations

from typing import Any

import pytest
from markupsafe import escape
from sqlalchemy import select

from domain.hotels.models import Hotel
from tests.integration.hotels.admin.support import ALEX, ANNA, BELLA, HOSTILE, MONA, Clients
from tests.support.world import World

ADMIN_PAGES = ("/admin", "/admin/settings", "/admin/whatsapp", "/admin/ai")
ADMIN_ACTIONS = (
    "/admin/settings",
    "/admin/whatsapp",
    "/admin/whatsapp/check",
    "/admin/whatsapp/webhooks",
    "/admin/ai",
    "/admin/ai/test",
)
LINKED = (
    "/admin/settings",
    "/admin/whatsapp",
    "/admin/ai",
    "/admin/knowledge",
    "/admin/staff",
    "/admin/saved-replies",
    "/admin/audit",
)

GOOD_FORM = {
    "name": "Hotel Aurora Berlin",
    "timezone": "Europe/Berlin",
    "languages": "en, de, fr",
    "persona": "Lena, the hotel's cheerful concierge.",
    "tone": "warm and brief",
    "hours_mon": "07:00-12:00, 14:00-23:00",
    "hours_tue": "07:00-23:00",
    "hours_sat": "08:00-20:00",
    "sla_first_reply": "4",
    "sla_next_reply": "12",
    "auto_return": "45",
    "restricted_topics": "refunds, complaints, billing, lost property",
    "draft_topics": "late check-out",
    "ai_mode": "draft",
    "ai_enabled": "on",
}


async def stored(sessions: Any, hotel: Hotel) -> Hotel:
    async with sessions() as session:
        return (await session.execute(select(Hotel).where(Hotel.id == hotel.id))).scalar_one()


async def test_the_admin_home_links_every_admin_page(signed_in: Clients) -> None:
    page = await signed_in.get(ALEX, "/admin")
    assert page.status_code == 200
    for path in LINKED:
        assert f'href="{path}"' in page.text, path
    assert '<nav id="admin-nav"' in page.text
    assert '<a href="/admin" aria-current="page">Admin</a>' in page.text, "the top bar's Admin link"
    for path in ADMIN_PAGES:
        assert 'id="admin-nav"' in (await signed_in.get(ALEX, path)).text, f"{path} has the admin navigation"


@pytest.mark.parametrize("email", [ANNA, MONA])
async def test_agents_and_managers_get_403_everywhere(signed_in: Clients, email: str) -> None:
    inbox = await signed_in.get(email, "/inbox")
    assert 'href="/admin"' not in inbox.text, "no Admin link in the top bar"
    for path in ADMIN_PAGES:
        assert (await signed_in.get(email, path)).status_code == 403, path
    for path in ADMIN_ACTIONS:
        assert (await signed_in.post(email, path, GOOD_FORM)).status_code == 403, path


async def test_every_change_needs_the_csrf_token(signed_in: Clients, world: World, sessions: Any) -> None:
    for path in ADMIN_ACTIONS:
        response = await signed_in.post(ALEX, path, GOOD_FORM, csrf=False)
        assert response.status_code == 403, path
    assert (await stored(sessions, world.aurora)).name == "Hotel Aurora"


async def test_the_admin_saves_the_settings_and_sees_them_back(
    signed_in: Clients, world: World, sessions: Any
) -> None:
    form = (await signed_in.get(ALEX, "/admin/settings")).text
    assert 'value="Hotel Aurora"' in form
    assert 'value="refunds, complaints, billing"' in form, "the default topics for a person"
    response = await signed_in.post(ALEX, "/admin/settings", GOOD_FORM)
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/settings?saved=true"
    page = (await signed_in.get(ALEX, response.headers["location"])).text
    assert "Settings saved." in page
    assert 'value="07:00-12:00, 14:00-23:00"' in page
    assert "Lena, the hotel&#39;s cheerful concierge." in page
    assert 'value="draft" checked' in page
    hotel = await stored(sessions, world.aurora)
    assert hotel.name == "Hotel Aurora Berlin"
    assert hotel.business_hours == {
        "mon": [["07:00", "12:00"], ["14:00", "23:00"]],
        "tue": [["07:00", "23:00"]],
        "sat": [["08:00", "20:00"]],
    }
    assert (hotel.sla_first_reply_minutes, hotel.sla_next_reply_minutes, hotel.auto_return_minutes) == (
        4,
        12,
        45,
    )
    assert hotel.restricted_topics == ["refunds", "complaints", "billing", "lost property"]
    assert hotel.draft_topics == ["late check-out"]
    assert (hotel.ai_mode, hotel.ai_enabled, hotel.csat_enabled) == ("draft", True, False)
    assert hotel.languages == ["en", "de", "fr"]
    # The audit log says who changed what, from what to what.
    audit = (await signed_in.get(ALEX, "/admin/audit")).text
    assert "Hotel settings changed" in audit
    assert "Europe/Berlin" in audit
    assert 'id="admin-nav"' in audit
    # The top bar names the hotel by its new name at once.
    assert "Hotel Aurora Berlin" in (await signed_in.get(ALEX, "/inbox")).text


async def test_around_the_clock_and_never_returning_store_no_hours(
    signed_in: Clients, world: World, sessions: Any
) -> None:
    form = {**GOOD_FORM, "around_the_clock": "on", "auto_return": "", "csat_enabled": "on"}
    assert (await signed_in.post(ALEX, "/admin/settings", form)).status_code == 303
    hotel = await stored(sessions, world.aurora)
    assert (hotel.business_hours, hotel.auto_return_minutes, hotel.csat_enabled) == (None, None, True)
    page = (await signed_in.get(ALEX, "/admin/settings")).text
    assert 'id="around_the_clock" name="around_the_clock" value="on" checked' in page


async def test_a_refused_form_says_why_per_field_and_keeps_what_was_typed(
    signed_in: Clients, world: World, sessions: Any
) -> None:
    bad = {
        **GOOD_FORM,
        "timezone": "Europe/Atlantis",
        "hours_mon": "09:00-12:00, 11:00-15:00",
        "hours_tue": "23:00-07:00",
        "sla_first_reply": "-5",
        "persona": "My persona, kept as typed",
    }
    response = await signed_in.post(ALEX, "/admin/settings", bad)
    assert response.status_code == 422
    page = response.text
    assert "Nothing was saved." in page
    assert 'id="timezone-error"' in page
    assert "Not a time zone name like Europe/Berlin" in page
    assert 'id="hours_mon-error"' in page
    assert "Two ranges overlap" in page
    assert 'id="hours_tue-error"' in page
    assert "ends before it starts" in page
    assert 'id="sla_first_reply-error"' in page
    assert "Between 1 and 1440 minutes" in page
    assert 'value="Europe/Atlantis"' in page
    assert 'value="09:00-12:00, 11:00-15:00"' in page
    assert "My persona, kept as typed" in page
    assert 'aria-invalid="true"' in page
    assert (await stored(sessions, world.aurora)).timezone == "UTC", "nothing was saved"


async def test_hostile_input_is_refused_or_escaped_never_a_500(
    signed_in: Clients, world: World, sessions: Any
) -> None:
    # Hostile text in free fields is stored as text and shown escaped, here and in the top bar.
    saved = await signed_in.post(
        ALEX, "/admin/settings", {**GOOD_FORM, "name": HOSTILE[:60], "tone": HOSTILE}
    )
    assert saved.status_code == 303
    for path in ("/admin/settings", "/admin", "/inbox"):
        body = (await signed_in.get(ALEX, path)).text
        assert "<script>alert(1)" not in body, path
        assert "<img src=x" not in body, path
        assert str(escape(HOSTILE[:60].strip())) in body, path
    # In fields with a shape it is refused with a reason, and echoed escaped.
    refused = await signed_in.post(
        ALEX,
        "/admin/settings",
        {**GOOD_FORM, "timezone": HOSTILE, "hours_wed": HOSTILE, "languages": HOSTILE, "ai_mode": HOSTILE},
    )
    assert refused.status_code == 422
    assert "<script>alert(1)" not in refused.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in refused.text
    # Oversized: a field over its limit is refused with a reason; a body over 64 KiB before parsing.
    too_long = await signed_in.post(ALEX, "/admin/settings", {**GOOD_FORM, "persona": "x" * 5000})
    assert too_long.status_code == 422
    assert "At most 4000 characters" in too_long.text
    huge = await signed_in.post(ALEX, "/admin/settings", {**GOOD_FORM, "persona": "x" * 100_000})
    assert huge.status_code == 413
    # A field sent as a file is not text.
    client = await signed_in(ALEX)
    upload = await client.post(
        "/admin/settings",
        data={"_csrf": signed_in.csrf[ALEX]},
        files={"name": ("name.txt", b"Hotel", "text/plain")},
    )
    assert upload.status_code == 400
    assert (await stored(sessions, world.aurora)).persona == GOOD_FORM["persona"]


async def test_an_admin_of_borealis_sees_and_changes_only_borealis(
    signed_in: Clients, world: World, sessions: Any
) -> None:
    page = (await signed_in.get(BELLA, "/admin/settings")).text
    assert 'value="Hotel Borealis"' in page
    assert "Hotel Aurora" not in page
    # Naming Aurora in the form or the URL changes nothing there: the hotel is the session's.
    changed = await signed_in.post(
        BELLA, f"/admin/settings?hotel_id={world.aurora.id}", {**GOOD_FORM, "hotel_id": str(world.aurora.id)}
    )
    assert changed.status_code == 303
    assert (await stored(sessions, world.aurora)).name == "Hotel Aurora"
    assert (await stored(sessions, world.borealis)).name == GOOD_FORM["name"]
    # And she cannot make Aurora her acting hotel.
    switched = await signed_in.post(BELLA, "/hotels/switch", {"hotel_id": str(world.aurora.id)})
    assert switched.status_code == 403

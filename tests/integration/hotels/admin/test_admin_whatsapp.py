"""/admin/whatsapp against the real server and the Green API simulator over HTTP: the instance and
its secrets, "check connection", "apply webhook settings", and whether webhooks are arriving."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from domain.hotels.models import Hotel
from tests.integration.hotels.admin.support import ALEX, BELLA, HOSTILE, Clients, Sims
from tests.support.factories import incoming
from tests.support.servers import free_port
from tests.support.world import World

API_TOKEN = "gA-token-8c1f0e57b2d94a1e"
WEBHOOK_TOKEN = "wh-token-3f9a7c21d8e64b05"


async def stored(sessions: Any, hotel: Hotel) -> Hotel:
    async with sessions() as session:
        return (await session.execute(select(Hotel).where(Hotel.id == hotel.id))).scalar_one()


async def connect(signed_in: Clients, hotel: Hotel, sims: Sims, **form: str) -> None:
    """The admin enters the instance Green API gave the hotel (the simulator has it too)."""
    await sims.add_instance(hotel.green_api_instance_id or 0, API_TOKEN)
    data = {
        "instance_id": str(hotel.green_api_instance_id),
        "api_token": API_TOKEN,
        "webhook_token": WEBHOOK_TOKEN,
        "api_url": "",
        **form,
    }
    saved = await signed_in.post(ALEX, "/admin/whatsapp", data)
    assert saved.status_code == 303, saved.text


async def test_the_admin_sets_the_connection_and_never_sees_a_secret_again(
    signed_in: Clients, world: World, sims: Sims, sessions: Any
) -> None:
    await connect(signed_in, world.aurora, sims, api_url=sims.green_url + "/")
    page = (await signed_in.get(ALEX, "/admin/whatsapp?saved=true")).text
    assert "Connection saved." in page
    assert '<span class="secret-state" id="api-token-state">Set</span>' in page
    assert '<span class="secret-state" id="webhook-token-state">Set</span>' in page
    assert f'value="{world.aurora.green_api_instance_id}"' in page
    assert f'value="{sims.green_url}"' in page, "stored without the trailing slash"
    hotel = await stored(sessions, world.aurora)
    assert (hotel.green_api_token, hotel.webhook_token) == (API_TOKEN, WEBHOOK_TOKEN)
    # An empty secret field keeps what is stored.
    kept = await signed_in.post(
        ALEX, "/admin/whatsapp", {"instance_id": str(hotel.green_api_instance_id), "api_token": ""}
    )
    assert kept.status_code == 303
    assert (await stored(sessions, world.aurora)).green_api_token == API_TOKEN
    # No page, action or refusal ever shows a secret.
    bodies = [
        (await signed_in.get(ALEX, path)).text for path in ("/admin/whatsapp", "/admin", "/admin/settings")
    ]
    bodies.append((await signed_in.post(ALEX, "/admin/whatsapp/check")).text)
    bodies.append((await signed_in.post(ALEX, "/admin/whatsapp/webhooks")).text)
    bodies.append(
        (
            await signed_in.post(ALEX, "/admin/whatsapp", {"instance_id": "x", "api_token": API_TOKEN + "?"})
        ).text
    )
    audit = (await signed_in.get(ALEX, "/admin/audit")).text
    assert "WhatsApp connection changed" in audit
    bodies.append(audit)
    for body in bodies:
        assert API_TOKEN not in body
        assert WEBHOOK_TOKEN not in body


async def test_refused_connection_forms(signed_in: Clients, world: World, sims: Sims, sessions: Any) -> None:
    refused = await signed_in.post(
        ALEX,
        "/admin/whatsapp",
        {"instance_id": HOSTILE, "api_token": "has a space", "webhook_token": "short", "api_url": HOSTILE},
    )
    assert refused.status_code == 422
    assert "Nothing was saved." in refused.text
    for field in ("instance_id", "api_token", "webhook_token", "api_url"):
        assert f'id="{field}-error"' in refused.text, field
    assert "<script>alert(1)" not in refused.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in refused.text, "what was typed is kept, escaped"
    # Another hotel's instance: a clear conflict, not a database error.
    taken = await signed_in.post(
        ALEX,
        "/admin/whatsapp",
        {"instance_id": str(world.borealis.green_api_instance_id), "webhook_token": WEBHOOK_TOKEN},
    )
    assert taken.status_code == 409
    assert "another hotel is already connected to this instance id" in taken.text
    hotel = await stored(sessions, world.aurora)
    assert hotel.green_api_instance_id == world.aurora.green_api_instance_id
    assert hotel.webhook_token == "hook-a"


async def test_check_connection_shows_the_state_now_and_the_last_one_recorded(
    signed_in: Clients, world: World, sims: Sims
) -> None:
    await connect(signed_in, world.aurora, sims, api_url=sims.green_url)
    checked = await signed_in.post(ALEX, "/admin/whatsapp/check")
    assert checked.status_code == 200
    assert '<dd id="state-now"><strong>authorized</strong></dd>' in checked.text
    assert "Green API says the instance is authorized" in checked.text
    assert "none recorded yet" in checked.text
    # Green API tells us of a change by webhook; the page shows it with its time.
    client = await signed_in(ALEX)
    change = {
        "typeWebhook": "stateInstanceChanged",
        "instanceData": {
            "idInstance": world.aurora.green_api_instance_id,
            "wid": "",
            "typeInstance": "whatsapp",
        },
        "timestamp": 1764480000,
        "stateInstance": "notAuthorized",
    }
    hooked = await client.post(
        "/webhooks/green-api", json=change, headers={"Authorization": f"Bearer {WEBHOOK_TOKEN}"}
    )
    assert hooked.status_code == 200
    page = (await signed_in.get(ALEX, "/admin/whatsapp")).text
    assert "<strong>notAuthorized</strong> (not linked: scan the QR code" in page
    assert '<dd id="recorded-state"><strong>notAuthorized</strong>' in page
    assert "<time datetime=" in page.split('id="recorded-state"')[1].split("</dd>")[0]


async def test_gateway_errors_are_explained_on_the_page_never_a_500(
    signed_in: Clients, world: World, sims: Sims
) -> None:
    await connect(signed_in, world.aurora, sims, api_url=sims.green_url)
    instance = world.aurora.green_api_instance_id or 0
    # Green API's 5xx, and its gateway timeout.
    await sims.fault(instance, "getStateInstance", "502")
    failed = await signed_in.post(ALEX, "/admin/whatsapp/check")
    assert failed.status_code == 502
    assert "Green API has a problem of its own (HTTP 502)" in failed.text
    await sims.fault(instance, "getStateInstance", "timeout", delay=0.05)
    timed_out = await signed_in.post(ALEX, "/admin/whatsapp/check")
    assert timed_out.status_code == 502
    assert "(HTTP 504)" in timed_out.text
    # A wrong API token: Green API answers 401.
    await sims.add_instance(instance, "another-token-entirely")
    refused = await signed_in.post(ALEX, "/admin/whatsapp/webhooks")
    assert refused.status_code == 502
    assert "Green API refused the API token (HTTP 401)" in refused.text
    # Nothing listening at the URL.
    moved = await signed_in.post(
        ALEX, "/admin/whatsapp", {"instance_id": str(instance), "api_url": f"http://127.0.0.1:{free_port()}"}
    )
    assert moved.status_code == 303
    unreachable = await signed_in.post(ALEX, "/admin/whatsapp/check")
    assert unreachable.status_code == 502
    assert "Green API did not answer" in unreachable.text


async def test_a_hotel_without_credentials_is_told_to_save_them_first(
    signed_in: Clients, sessions: Any
) -> None:
    async with sessions() as session, session.begin():
        hotel = (await session.execute(select(Hotel).where(Hotel.name == "Hotel Aurora"))).scalar_one()
        hotel.green_api_token = None
    answer = await signed_in.post(ALEX, "/admin/whatsapp/check")
    assert answer.status_code == 400
    assert "save the instance id and the API token first" in answer.text
    assert "Not set" in answer.text


async def test_apply_webhook_settings_sends_our_url_token_and_switches(
    signed_in: Clients, world: World, sims: Sims
) -> None:
    await connect(signed_in, world.aurora, sims, api_url=sims.green_url)
    applied = await signed_in.post(ALEX, "/admin/whatsapp/webhooks")
    assert applied.status_code == 200
    assert "Green API accepted the webhook settings" in applied.text
    calls = await sims.settings_calls(world.aurora.green_api_instance_id or 0)
    assert calls == [
        {
            "webhookUrl": "http://hotelbot.example/webhooks/green-api",
            "webhookUrlToken": WEBHOOK_TOKEN,
            "incomingWebhook": "yes",
            "outgoingWebhook": "yes",
            "outgoingAPIMessageWebhook": "yes",
            "outgoingMessageWebhook": "yes",
            "stateWebhook": "yes",
        }
    ]


async def test_the_page_shows_whether_webhooks_arrive_for_this_hotel_only(
    signed_in: Clients, world: World
) -> None:
    before = (await signed_in.get(ALEX, "/admin/whatsapp")).text
    assert '<dd id="webhooks-received">0; none received recently</dd>' in before
    client = await signed_in(ALEX)
    for text in ("Hello", "Is breakfast included?"):
        body = incoming(world.aurora.green_api_instance_id or 0, text=text)
        accepted = await client.post(
            "/webhooks/green-api", json=body, headers={"Authorization": "Bearer hook-a"}
        )
        assert accepted.status_code == 200
    wrong = incoming(world.aurora.green_api_instance_id or 0, text="forged")
    rejected = await client.post("/webhooks/green-api", json=wrong, headers={"Authorization": "Bearer nope"})
    assert rejected.status_code == 401
    page = (await signed_in.get(ALEX, "/admin/whatsapp")).text
    received = page.split('<dd id="webhooks-received">')[1].split("</dd>")[0]
    assert received.startswith("2, the last at <time datetime=")
    refused = page.split('<dd id="webhooks-refused">')[1].split("</dd>")[0]
    assert refused.startswith('<span class="error">1, the last at')
    assert "does not match this hotel&#39;s webhook token" in refused
    # Borealis's admin sees nothing of Aurora's traffic.
    theirs = (await signed_in.get(BELLA, "/admin/whatsapp")).text
    assert '<dd id="webhooks-received">0; none received recently</dd>' in theirs
    assert '<dd id="webhooks-refused">none</dd>' in theirs
    assert f'value="{world.borealis.green_api_instance_id}"' in theirs
    assert str(world.aurora.green_api_instance_id) not in theirs

"""/admin/ai against the real server and the LLM simulator over HTTP: the provider, its key
(never shown), and "test", recorded as an ``llm_calls`` row with purpose ``test``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from domain.assistant.models import LlmCall
from domain.hotels.models import Hotel
from tests.integration.hotels.admin.support import ALEX, BELLA, HOSTILE, LLM_KEY, Clients, Sims
from tests.support.world import World

HOTEL_KEY = "sk-hotel-own"


async def stored(sessions: Any, hotel: Hotel) -> Hotel:
    async with sessions() as session:
        return (await session.execute(select(Hotel).where(Hotel.id == hotel.id))).scalar_one()


async def recorded_calls(sessions: Any, hotel: Hotel) -> list[LlmCall]:
    async with sessions() as session:
        query = select(LlmCall).where(LlmCall.hotel_id == hotel.id).order_by(LlmCall.created_at)
        return list((await session.execute(query)).scalars())


async def test_a_hotel_without_a_provider_tests_the_default(
    signed_in: Clients, world: World, sims: Sims, sessions: Any
) -> None:
    page = (await signed_in.get(ALEX, "/admin/ai")).text
    assert '<span class="secret-state" id="api-key-state">Not set</span>' in page
    assert f"deepseek-flash at {sims.llm_url}/v1" in page
    tested = await signed_in.post(ALEX, "/admin/ai/test")
    assert tested.status_code == 200
    assert "It works." in tested.text
    assert '<span id="latency">' in tested.text
    answer = tested.text.split('<blockquote id="answer">')[1].split("</blockquote>")[0]
    assert answer.strip()
    # One call, to the default provider (the simulator accepts only the installation's key and
    # the hotel's own, so an answer means the default key was sent).
    [sent] = await sims.llm_requests()
    assert sent["model"] == "deepseek-flash"
    [call] = await recorded_calls(sessions, world.aurora)
    assert (call.purpose, call.ok, call.model) == ("test", True, "deepseek-flash")
    assert call.prompt_tokens > 0
    assert call.completion_tokens > 0
    assert call.latency_ms >= 0
    assert await recorded_calls(sessions, world.borealis) == []


async def test_the_admin_sets_the_hotels_own_provider_and_tests_it(
    signed_in: Clients, world: World, sims: Sims, sessions: Any
) -> None:
    saved = await signed_in.post(
        ALEX,
        "/admin/ai",
        {"base_url": sims.llm_url + "/v1/", "model": "deepseek-v4-pro", "api_key": HOTEL_KEY},
    )
    assert saved.status_code == 303
    page = (await signed_in.get(ALEX, saved.headers["location"])).text
    assert "Provider saved." in page
    assert '<span class="secret-state" id="api-key-state">Set</span>' in page
    assert 'value="deepseek-v4-pro"' in page
    hotel = await stored(sessions, world.aurora)
    assert (hotel.llm_base_url, hotel.llm_model, hotel.llm_api_key) == (
        sims.llm_url + "/v1",
        "deepseek-v4-pro",
        HOTEL_KEY,
    )
    tested = await signed_in.post(ALEX, "/admin/ai/test")
    assert tested.status_code == 200
    assert "deepseek-v4-pro" in tested.text
    [call] = await recorded_calls(sessions, world.aurora)
    assert (call.model, call.ok) == ("deepseek-v4-pro", True)
    # The key never shows, on any page or answer.
    bodies = [tested.text, page, (await signed_in.get(ALEX, "/admin")).text]
    bodies.append((await signed_in.post(ALEX, "/admin/ai", {"base_url": "nope", "api_key": HOTEL_KEY})).text)
    audit = (await signed_in.get(ALEX, "/admin/audit")).text
    assert "AI provider changed" in audit
    bodies.append(audit)
    for body in bodies:
        assert HOTEL_KEY not in body
        assert LLM_KEY not in body
    # Leaving the key empty keeps it; "remove" forgets it.
    assert (await signed_in.post(ALEX, "/admin/ai", {"model": "deepseek-flash"})).status_code == 303
    assert (await stored(sessions, world.aurora)).llm_api_key == HOTEL_KEY
    assert (await signed_in.post(ALEX, "/admin/ai", {"forget_key": "on"})).status_code == 303
    hotel = await stored(sessions, world.aurora)
    assert (hotel.llm_base_url, hotel.llm_model, hotel.llm_api_key) == (None, None, None)


async def test_a_failing_provider_shows_the_kind_of_error(
    signed_in: Clients, world: World, sims: Sims, sessions: Any
) -> None:
    wrong_key = await signed_in.post(ALEX, "/admin/ai", {"api_key": "sk-not-accepted"})
    assert wrong_key.status_code == 303
    failed = await signed_in.post(ALEX, "/admin/ai/test")
    assert failed.status_code == 502
    assert '<span id="error-kind">the provider refused the key</span>' in failed.text
    assert "sk-not-accepted" not in failed.text
    await signed_in.post(ALEX, "/admin/ai", {"model": "no-such-model", "forget_key": "on"})
    refused = await signed_in.post(ALEX, "/admin/ai/test")
    assert refused.status_code == 502
    assert "the provider refused the request (check the model name)" in refused.text
    await signed_in.post(ALEX, "/admin/ai", {"base_url": "http://127.0.0.1:9/v1"})
    unreachable = await signed_in.post(ALEX, "/admin/ai/test")
    assert unreachable.status_code == 502
    assert "could not be reached" in unreachable.text
    calls = await recorded_calls(sessions, world.aurora)
    assert [(call.purpose, call.ok) for call in calls] == [("test", False)] * 3


async def test_refused_provider_forms_and_tenant_isolation(
    signed_in: Clients, world: World, sessions: Any
) -> None:
    refused = await signed_in.post(ALEX, "/admin/ai", {"base_url": HOSTILE, "model": HOSTILE})
    assert refused.status_code == 422
    assert 'id="base_url-error"' in refused.text
    assert 'id="model-error"' in refused.text
    assert "<script>alert(1)" not in refused.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in refused.text
    oversized = await signed_in.post(ALEX, "/admin/ai", {"api_key": "k" * 100_000})
    assert oversized.status_code == 413
    # Bella, at Borealis, changes Borealis's provider only, whatever the form names.
    bella = await signed_in.post(
        BELLA, "/admin/ai", {"model": "deepseek-v4-pro", "hotel_id": str(world.aurora.id)}
    )
    assert bella.status_code == 303
    assert (await stored(sessions, world.aurora)).llm_model is None
    assert (await stored(sessions, world.borealis)).llm_model == "deepseek-v4-pro"
    assert "deepseek-v4-pro" not in (await signed_in.get(ALEX, "/admin/ai")).text.split("<form")[1]

"""The admin pages as production runs them (``hotelbot serve``, JSON logs at debug): the secrets an
admin enters, and the ones a failing provider is called with, never reach the log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from domain.settings import Settings
from tests.integration.hotels.admin.support import ALEX, Sims
from tests.support.factories import incoming
from tests.support.processes import serve_process
from tests.support.stack import eventually
from tests.support.web import sign_in
from tests.support.world import World


async def _healthy(client: httpx.AsyncClient) -> bool:
    try:
        return (await client.get("/health")).status_code == 200
    except httpx.HTTPError:
        return False


API_TOKEN = "gA-log-token-5d2e9a0c7b41"
WEBHOOK_TOKEN = "wh-log-token-8e1b6f3a9c20"
LLM_KEY = "sk-log-key-3a9f7e1d"


async def test_admin_secrets_never_reach_the_log(
    settings: Settings, world: World, sims: Sims, tmp_path: Path
) -> None:
    instance = world.aurora.green_api_instance_id or 0
    await sims.add_instance(instance, API_TOKEN)
    await sims.fault(instance, "setSettings", "502")
    log_file = tmp_path / "web.log"
    env = {"GREEN_API_URL": sims.green_url, "DEEPSEEK_API_URL": sims.llm_url + "/v1", "LOG_LEVEL": "DEBUG"}
    async with (
        serve_process(settings, log_file, **env) as base,
        httpx.AsyncClient(base_url=base, follow_redirects=True, timeout=30) as client,
    ):
        await eventually(lambda: _healthy(client), timeout=60)  # a busy machine starts it slowly
        csrf = await sign_in(client, ALEX)  # type: ignore[arg-type]

        async def post(path: str, data: dict[str, Any] | None = None) -> int:
            answer = await client.post(path, data={"_csrf": csrf, **(data or {})})
            return answer.status_code

        connection = {"instance_id": str(instance), "api_token": API_TOKEN, "webhook_token": WEBHOOK_TOKEN}
        assert await post("/admin/whatsapp", connection) == 200  # followed to the page
        assert await post("/admin/whatsapp/check") == 200
        assert await post("/admin/whatsapp/webhooks") == 502
        assert await post("/admin/ai", {"api_key": LLM_KEY}) == 200
        assert await post("/admin/ai/test") == 502  # the simulator accepts other keys only
        refused = {**connection, "instance_id": "not a number"}
        assert await post("/admin/whatsapp", refused) == 422
        # A webhook with the new token, logged at debug with the hotel's id.
        hook = await client.post(
            "/webhooks/green-api",
            json=incoming(instance, text="Hello"),
            headers={"Authorization": f"Bearer {WEBHOOK_TOKEN}"},
        )
        assert hook.status_code == 200
    everything = log_file.read_text()
    assert str(world.aurora.id) in everything, everything[-2000:]
    for secret in (API_TOKEN, WEBHOOK_TOKEN, LLM_KEY):
        assert secret not in everything

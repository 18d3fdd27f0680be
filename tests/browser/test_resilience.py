"""Staff tabs stay live through a web process restart and a 60-second Redis outage, without a reload.

These hotels have the AI switched off: the inbox row then stays as the guest left it, which is what
the tabs are checked for (an AI answer or hand-off would change the row a moment later).
"""

from __future__ import annotations

import asyncio
import signal
import time
from functools import partial
from typing import Any

import pytest
from playwright.async_api import expect

from tests.browser.harness import Harness, Tabs, World, eventually, guest_chat, record_timing, status_is

pytestmark = pytest.mark.browser

REDIS_OUTAGE_SECONDS = 60.0  # what the issue asks for: a real minute without Redis
WS_RECONNECT_TIMEOUT = 45_000  # htmx's ws extension backs off with full jitter, up to 64 s per try


async def _delivered(world: World, id_message: str) -> dict[str, Any] | None:
    delivery = await world.delivery(id_message)
    return delivery if delivery and delivery.get("httpStatus") else None


async def test_a_tab_on_a_restarted_web_process_catches_up_without_a_reload(
    harness: Harness, quiet_world: World, tabs: Tabs
) -> None:
    world = quiet_world
    ben = await tabs.sign_in(harness.web_urls[1], world.agents[1])
    await ben.mark_document()
    live_status = ben.page.locator("#live-status")

    stopping = time.monotonic()
    exit_code = await harness.stop_web(1)  # SIGTERM, as a deploy does
    # uvicorn shuts down gracefully, then re-raises the signal: -15, not a SIGKILL after the timeout.
    assert exit_code in (0, -signal.SIGTERM), (exit_code, harness.web(1).log_tail())
    record_timing(
        "web process 2 graceful stop with an open websocket, s", round(time.monotonic() - stopping, 2)
    )
    await expect(live_status).to_have_attribute("data-state", "down", timeout=10_000)
    await expect(live_status).to_have_text("reconnecting…")

    text = "Hi, could I get a late check-out tomorrow?"
    id_message = await world.guest_writes(text, guest_chat(), "Sofia García")
    delivery = await eventually(lambda: _delivered(world, id_message), what="the webhook to web process 1")
    assert delivery["httpStatus"] == 200
    await expect(ben.page.locator("#inbox-list")).not_to_contain_text(text)

    await harness.start_web(1)  # same port
    restarted_at = time.monotonic()
    await expect(live_status).to_have_attribute("data-state", "live", timeout=WS_RECONNECT_TIMEOUT)
    await expect(ben.page.locator("#inbox-list")).to_contain_text(text, timeout=5_000)
    caught_up = round(time.monotonic() - restarted_at, 2)
    record_timing("tab on restarted web process 2 shows the message, s after it is ready", caught_up)
    await expect(ben.page.locator("#inbox-list .guest-name")).to_have_text(["Sofia García"])
    assert await ben.same_document(), "the tab reloaded instead of reconnecting"
    assert ben.errors == []


@pytest.mark.timeout(300)
async def test_both_tabs_catch_up_after_a_minute_without_redis(
    harness: Harness, quiet_world: World, tabs: Tabs
) -> None:
    world = quiet_world
    anna = await tabs.sign_in(harness.web_urls[0], world.agents[0])
    ben = await tabs.sign_in(harness.web_urls[1], world.agents[1])
    for tab in (anna, ben):
        await tab.mark_document()
    web_pids = [harness.web(i).pid for i in range(2)]
    chat = guest_chat()

    harness.redis.stop()
    stopped_at = time.monotonic()
    for url in harness.web_urls:
        await eventually(
            partial(status_is, f"{url}/health/ready", 503),
            timeout=15,
            what=f"{url} reports Redis gone",
        )

    # A guest writes meanwhile: stored in PostgreSQL, the webhook still answers 200.
    during = "Written while Redis was away: is the spa open tonight?"
    id_message = await world.guest_writes(during, chat, "Lukas Weber")
    delivery = await eventually(lambda: _delivered(world, id_message), timeout=20, what="the webhook")
    assert delivery["httpStatus"] == 200, delivery
    assert await world.stored_messages(during) == 1
    for tab in (anna, ben):  # nothing can push it yet
        await expect(tab.page.locator("#inbox-list")).not_to_contain_text(during)

    await asyncio.sleep(max(0.0, REDIS_OUTAGE_SECONDS - (time.monotonic() - stopped_at)))
    outage = round(time.monotonic() - stopped_at, 1)
    harness.redis.start()  # same port, empty (it keeps nothing on disk)
    back_at = time.monotonic()

    for tab in (anna, ben):
        await expect(tab.page.locator("#inbox-list")).to_contain_text(during, timeout=15_000)
    caught_up = round(time.monotonic() - back_at, 2)
    assert caught_up <= 15, caught_up
    record_timing("Redis outage: seconds without Redis", outage)
    record_timing(
        "Redis outage: both tabs show the message written meanwhile, s after Redis is back", caught_up
    )

    # arq's worker gives up when Redis goes away; in production Kubernetes restarts it. So do we.
    worker_restarted = await harness.ensure_worker()
    record_timing("Redis outage: worker had to be restarted", worker_restarted)
    await harness.wait_ready(timeout=20)

    after = "And one more after Redis came back"
    sent_at = time.monotonic()
    await world.guest_writes(after, chat, "Lukas Weber")
    for tab in (anna, ben):
        await expect(tab.page.locator("#inbox-list")).to_contain_text(after, timeout=5_000)
    record_timing("Redis outage: a later message reaches both tabs, s", round(time.monotonic() - sent_at, 2))

    assert [harness.web(i).pid for i in range(2)] == web_pids, "no web process was restarted"
    assert all(harness.web(i).running for i in range(2))
    for tab in (anna, ben):
        await expect(tab.page.locator("#live-status")).to_have_attribute("data-state", "live")
        assert await tab.same_document(), f"{tab.label}'s tab reloaded"
        assert tab.errors == []

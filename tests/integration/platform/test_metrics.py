"""/metrics after real traffic: the names docs/operations.md lists, labelled by route template."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.stack import eventually, running_stack


async def test_metrics_after_traffic(settings: Any, sessions: Any) -> None:
    async with running_stack(settings, sessions) as stack:
        await stack.guest_writes("When is breakfast?")
        await eventually(stack.replies)
        await stack.guest_writes("I want to talk to a person", chat_id="491709999999@c.us")
        await eventually(lambda: stack.replies("491709999999@c.us"))
        async with httpx.AsyncClient() as http:
            await http.get(f"{stack.web_url}/conversations/01a22afb-0ec7-7027-847b-9b52ee47781d")
            text = (await http.get(f"{stack.web_url}/metrics")).text
    for name in (
        "http_requests_total",
        "http_request_duration_seconds_bucket",
        "arq_queue_length",
        "database_connections_active",
        "green_api_requests_total",
        "deepseek_api_requests_total",
        "websocket_connections",
        "ai_reply_latency_seconds_count",
        "live_events_listener_up 1.0",
    ):
        assert name in text, name
    assert 'route="/webhooks/green-api"' in text
    assert 'route="/conversations/{conversation_id}"' in text, "route templates, never raw ids"
    assert "01a22afb-0ec7" not in text
    assert 'green_api_requests_total{method="sendMessage",status="200"}' in text
    assert 'handoffs_total{reason="guest_requested_human"}' in text
    assert 'messages_total{direction="in"}' in text
    assert 'green_api_webhooks_total{outcome="stored",type="incomingMessageReceived"}' in text

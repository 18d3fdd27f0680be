"""Structured logs from a real web process: JSON with ids, nothing to misuse about guests or secrets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.support.factories import incoming, make_hotel
from tests.support.processes import json_records, serve_process

ROOT = Path(__file__).resolve().parents[3]


async def test_json_logs_carry_ids_and_mask_guests(settings: Any, sessions: Any, tmp_path: Path) -> None:
    hotel = await make_hotel(sessions, webhook_token="hook-secret-token")
    log_file = tmp_path / "web.log"
    # Each webhook is logged at debug (at 1,000/s info would be noise).
    async with serve_process(settings, log_file, LOG_LEVEL="DEBUG") as base, httpx.AsyncClient() as http:
        body = incoming(
            hotel.green_api_instance_id,
            text="My card number is 4111 1111",
            chat_id="491701234567@c.us",
        )
        ok = await http.post(
            f"{base}/webhooks/green-api",
            json=body,
            headers={"Authorization": "Bearer hook-secret-token", "X-Request-ID": "req-abc-123"},
        )
        assert ok.status_code == 200
        assert ok.headers["x-request-id"] == "req-abc-123"
        bad = await http.post(
            f"{base}/webhooks/green-api", json=body, headers={"Authorization": "Bearer nope"}
        )
        assert bad.status_code == 401
    records = json_records(log_file)
    accepted = [r for r in records if r.get("event") == "webhook"]
    assert accepted, log_file.read_text()[-2000:]
    assert accepted[0]["request_id"] == "req-abc-123"
    assert accepted[0]["hotel_id"] == str(hotel.id)
    assert accepted[0]["level"] == "debug"
    refused = [r for r in records if r.get("event") == "webhook refused"]
    assert refused
    assert refused[0]["level"] == "info"
    everything = log_file.read_text()
    assert "491701234567" not in everything
    assert "4111 1111" not in everything
    assert "hook-secret-token" not in everything

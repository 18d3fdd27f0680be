"""Structured logs from a real web process: JSON with ids, nothing to misuse about guests or secrets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from tests.support.factories import incoming, make_hotel
from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


async def test_json_logs_carry_ids_and_mask_guests(settings: Any, sessions: Any, tmp_path: Path) -> None:
    hotel = await make_hotel(sessions, webhook_token="hook-secret-token")
    port = free_port()
    log_file = tmp_path / "web.log"
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "REDIS_PREFIX": settings.redis_prefix,
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "DEBUG",  # each webhook is logged at debug (at 1,000/s info would be noise)
    }
    with log_file.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            async with httpx.AsyncClient() as http:
                for _ in range(100):
                    try:
                        if (await http.get(f"{base}/health")).status_code == 200:
                            break
                    except httpx.HTTPError:
                        time.sleep(0.1)
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
            time.sleep(0.3)
        finally:
            process.terminate()
            process.wait(timeout=20)
    lines = [line for line in log_file.read_text().splitlines() if line.startswith("{")]
    records = [json.loads(line) for line in lines]
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

"""What the admin pages' tests share: the app wired to both simulators over real HTTP, signed-in
clients, and the staff of the world in every role."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import httpx

from tests.support.web import sign_in

ALEX = "alex@aurora.example"  # Aurora's admin
BELLA = "bella@borealis.example"  # Borealis's admin
MONA = "mona@aurora.example"  # Aurora's manager
ANNA = "anna@aurora.example"  # Aurora's agent
LLM_KEY = "sk-installation-default"
HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)>"><svg onload=alert(3)>'


@dataclass
class Sims:
    green_url: str
    llm_url: str
    http: httpx.AsyncClient

    async def add_instance(self, id_instance: int, api_token: str, webhook_token: str = "") -> None:
        created = await self.http.post(
            f"{self.green_url}/sim/instances",
            json={"idInstance": id_instance, "apiTokenInstance": api_token, "webhookUrlToken": webhook_token},
        )
        created.raise_for_status()

    async def fault(self, id_instance: int, method: str, mode: str, delay: float | None = None) -> None:
        body: dict[str, Any] = {"idInstance": id_instance, "method": method, "mode": mode, "count": -1}
        if delay is not None:
            body["delay"] = delay
        (await self.http.post(f"{self.green_url}/sim/faults", json=body)).raise_for_status()

    async def settings_calls(self, id_instance: int) -> list[dict[str, Any]]:
        answer = (await self.http.get(f"{self.green_url}/sim/settings/{id_instance}")).json()
        return [call["settings"] for call in answer["calls"]]

    async def llm_requests(self) -> list[dict[str, Any]]:
        data = (await self.http.get(f"{self.llm_url}/sim/requests")).json()
        return list(data["requests"] if isinstance(data, dict) else data)


class Clients:
    """Signed-in clients of the real server, one per staff member, each with its own cookies."""

    def __init__(self, url: str, stack: contextlib.AsyncExitStack) -> None:
        self.url = url
        self._stack = stack
        self.csrf: dict[str, str] = {}
        self.by_email: dict[str, httpx.AsyncClient] = {}

    async def __call__(self, email: str) -> httpx.AsyncClient:
        if email not in self.by_email:
            client = await self._stack.enter_async_context(httpx.AsyncClient(base_url=self.url, timeout=30))
            self.csrf[email] = await sign_in(client, email)  # type: ignore[arg-type]
            self.by_email[email] = client
        return self.by_email[email]

    async def post(
        self, email: str, path: str, data: dict[str, str] | None = None, *, csrf: bool = True
    ) -> httpx.Response:
        """Post a form the way the page does: with the session's CSRF token (or, ``csrf=False``, without)."""
        client = await self(email)
        form = {"_csrf": self.csrf[email]} if csrf else {}
        return await client.post(path, data={**form, **(data or {})}, follow_redirects=False)

    async def get(self, email: str, path: str) -> httpx.Response:
        return await (await self(email)).get(path, follow_redirects=False)

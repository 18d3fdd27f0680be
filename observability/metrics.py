"""Metrics shared by web and worker processes; the worker serves them on its own port."""

from __future__ import annotations

import hmac
import threading
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import httpx
from prometheus_client import CollectorRegistry, Counter, Histogram, make_wsgi_app
from prometheus_client.exposition import ThreadingWSGIServer

from domain.conversations.models import State
from domain.events import ConversationMoved, Event

REGISTRY = CollectorRegistry(auto_describe=True)

GREEN_API_REQUESTS = Counter(
    "green_api_requests_total",
    "Calls to Green API by method and HTTP status",
    ["method", "status"],
    registry=REGISTRY,
)
DEEPSEEK_REQUESTS = Counter(
    "deepseek_api_requests_total", "Calls to the LLM API by HTTP status", ["status"], registry=REGISTRY
)
JOBS = Counter(
    "arq_jobs_total", "Background jobs by function and outcome", ["function", "outcome"], registry=REGISTRY
)
AI_REPLY_LATENCY = Histogram(
    "ai_reply_latency_seconds",
    "From the guest's message to the AI reply queued for sending",
    buckets=(0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60),
    registry=REGISTRY,
)
HANDOFFS = Counter(
    "handoffs_total", "Conversations handed to staff, by reason", ["reason"], registry=REGISTRY
)
MESSAGES = Counter(
    "messages_total", "Messages by direction (in: from guests, out: sent)", ["direction"], registry=REGISTRY
)


def _green_api_method(url: httpx.URL) -> str:
    parts = url.path.strip("/").split("/")
    return parts[1] if len(parts) >= 2 and parts[0].startswith("waInstance") else "other"


async def count_green_api(response: httpx.Response) -> None:
    GREEN_API_REQUESTS.labels(_green_api_method(response.request.url), str(response.status_code)).inc()


async def count_deepseek(response: httpx.Response) -> None:
    DEEPSEEK_REQUESTS.labels(str(response.status_code)).inc()


def count_event(event: Event) -> None:
    if isinstance(event, ConversationMoved) and event.state is State.NEEDS_HUMAN:
        HANDOFFS.labels((event.reason or "other")[:40]).inc()


UNAUTHORIZED_BODY = b"metrics need the bearer token (METRICS_TOKEN)\n"


def bearer_accepted(authorization: str | None, token: str) -> bool:
    """No token set: open (a scrape inside the cluster); set: ``Bearer <token>``, compared in
    constant time."""
    if not token:
        return True
    scheme, _, presented = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token.encode())


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Scrapes every 30 s are not worth a log line each."""


def serve_metrics(port: int, token: str) -> ThreadingWSGIServer:
    """The worker's /metrics on its own port, in a daemon thread (prometheus_client's own
    ``start_http_server`` has no way to ask for a token)."""
    exposition = make_wsgi_app(REGISTRY)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not bearer_accepted(environ.get("HTTP_AUTHORIZATION"), token):
            start_response(
                "401 Unauthorized",
                [("Content-Type", "text/plain"), ("WWW-Authenticate", 'Bearer realm="metrics"')],
            )
            return [UNAUTHORIZED_BODY]
        return exposition(environ, start_response)  # type: ignore[no-any-return]

    server = make_server("0.0.0.0", port, app, ThreadingWSGIServer, handler_class=_QuietHandler)  # noqa: S104
    threading.Thread(target=server.serve_forever, name="worker-metrics", daemon=True).start()
    return server

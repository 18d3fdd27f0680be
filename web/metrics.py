"""Prometheus metrics of a web process (names in docs/operations.md; labels stay low-cardinality)."""

from __future__ import annotations

import time
import uuid
from typing import Any

from litestar import Request, Response, get
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy.pool import QueuePool

from domain.integrations.green_api_webhooks import WEBHOOK_TYPES
from domain.ports import AI_QUEUE, SEND_QUEUE
from jobs.enqueue import queue_name
from observability.logs import bind, clear
from observability.metrics import REGISTRY as SHARED_REGISTRY
from observability.metrics import UNAUTHORIZED_BODY, bearer_accepted
from web.live import LiveHub
from web.resources import ProvidedResources

REGISTRY: CollectorRegistry = SHARED_REGISTRY

HTTP_REQUESTS = Counter(
    "http_requests_total", "HTTP requests by route template", ["method", "route", "status"], registry=REGISTRY
)
HTTP_ERRORS = Counter(
    "http_requests_errors_total",
    "HTTP answers 5xx by route template",
    ["method", "route", "status"],
    registry=REGISTRY,
)
HTTP_DURATION = Histogram(
    "http_request_duration_seconds",
    "HTTP request duration by route template",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
INGEST_BATCHES = Histogram(
    "ingest_batch_size",
    "Guest messages stored together in one statement and commit by the webhook's group commit",
    buckets=(1, 2, 4, 8, 16, 32),
    registry=REGISTRY,
)
WEBHOOKS = Counter(
    "green_api_webhooks_total",
    "Green API webhooks received, by type and outcome",
    ["type", "outcome"],
    registry=REGISTRY,
)


def webhook_type(kind: str) -> str:
    """The ``type`` label of ``WEBHOOKS``: a kind the contract lists, or ``other``. Whoever holds a
    webhook token chooses ``typeWebhook``, and every new label value is a series kept forever."""
    return kind if kind in WEBHOOK_TYPES else "other"


QUEUE_LENGTH = Gauge("arq_queue_length", "Jobs waiting in an arq queue", ["queue"], registry=REGISTRY)
DB_CONNECTIONS = Gauge("database_connections_active", "Database connections checked out", registry=REGISTRY)
WEBSOCKETS = Gauge("websocket_connections", "Open staff websockets on this process", registry=REGISTRY)
LIVE_UP = Gauge("live_events_listener_up", "1 while the live event listener is subscribed", registry=REGISTRY)


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            candidate = value.decode("latin-1")[:64]
            if candidate.replace("-", "").isalnum():
                return candidate
    return uuid.uuid4().hex


class MetricsMiddleware:
    """Counts every HTTP request by its route template (``/conversations/{conversation_id:str}``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        request_id = _request_id(scope)
        clear()
        bind(request_id=request_id)

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            route = str(scope.get("path_template") or "unmatched")
            method = scope.get("method", "GET")
            HTTP_REQUESTS.labels(method, route, str(status)).inc()
            HTTP_DURATION.labels(method, route).observe(time.perf_counter() - started)
            if status >= 500:
                HTTP_ERRORS.labels(method, route, str(status)).inc()


@get("/metrics", include_in_schema=False)
async def metrics(
    request: Request[Any, Any, Any], resources: ProvidedResources, hub: LiveHub
) -> Response[bytes]:
    if not bearer_accepted(request.headers.get("authorization"), resources.settings.metrics_token):
        return Response(
            UNAUTHORIZED_BODY,
            status_code=401,
            media_type="text/plain",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    prefix = resources.settings.redis_prefix
    try:
        for queue in (AI_QUEUE, SEND_QUEUE):
            QUEUE_LENGTH.labels(queue).set(await resources.redis.zcard(queue_name(prefix, queue)))
    except Exception:  # noqa: S110 - Redis down: the gauges keep their last value; readiness reports it
        pass
    pool = resources.engine.pool
    DB_CONNECTIONS.set(pool.checkedout() if isinstance(pool, QueuePool) else 0)
    WEBSOCKETS.set(hub.socket_count)
    LIVE_UP.set(1 if hub.alive else 0)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

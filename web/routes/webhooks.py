"""``POST /webhooks/green-api``: authenticate, store idempotently, answer fast.

Every guest message arrives here, so this is the one route written as a plain ASGI handler: the
body is read with its size limit, and the answer is a small JSON document, with none of the request
and response machinery the pages need (``bench/ingest.py`` measures it). Litestar still routes it
and wraps it in the exception and metrics middleware.
"""

from __future__ import annotations

from typing import Any

import msgspec
import structlog
from litestar import asgi
from litestar.types import HTTPResponseBodyEvent, HTTPResponseStartEvent, Receive, Scope, Send

from domain.conversations.inbound import HotelRef, handle_event, receive_guest_message
from domain.hotels.service import HotelSecretsUnreadable, find_by_instance, token_matches
from domain.integrations.green_api_webhooks import (
    ChatMessage,
    UnknownInstance,
    WebhookShapeError,
    id_instance_of,
    parse_event,
)
from observability.logs import bind
from observability.metrics import MESSAGES
from web.deps import resources_of
from web.errors import is_dependency_failure
from web.metrics import WEBHOOKS, webhook_type
from web.resources import Resources

log = structlog.get_logger(__name__)

MAX_WEBHOOK_BYTES = 1024 * 1024


class _TooLarge(Exception):
    pass


async def _read_body(scope: Scope, receive: Receive) -> bytes:
    for name, value in scope["headers"]:
        if name == b"content-length":  # announced too large: refused before reading a byte
            if value.isdigit() and int(value) > MAX_WEBHOOK_BYTES:
                raise _TooLarge
            break  # otherwise the limit holds while the body arrives
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b""
        chunk: bytes = message.get("body", b"")  # type: ignore[assignment]
        size += len(chunk)
        if size > MAX_WEBHOOK_BYTES:
            raise _TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope["headers"]:
        if name == wanted:
            return bytes(value).decode("latin-1")
    return None


ACCEPTED = b'{"status":"accepted"}'


async def _answer(
    send: Send, status: int, detail: str = "", extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = ACCEPTED if status == 200 else msgspec.json.encode({"detail": detail})
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"x-content-type-options", b"nosniff"),
        *(extra or ()),
    ]
    start: HTTPResponseStartEvent = {"type": "http.response.start", "status": status, "headers": headers}
    end: HTTPResponseBodyEvent = {"type": "http.response.body", "body": body, "more_body": False}
    await send(start)
    await send(end)


@asgi("/webhooks/green-api", copy_scope=False)
async def green_api_webhook(scope: Scope, receive: Receive, send: Send) -> None:
    if scope.get("method") != "POST":
        await _answer(send, 405, "use POST", [(b"allow", b"POST")])
        return
    try:
        body = await _read_body(scope, receive)
    except _TooLarge:
        await _answer(send, 413, "the body is over 1 MiB")
        return
    resources = resources_of(scope)
    try:
        status, detail = await handle_webhook(resources, body, _header(scope, b"authorization"))
    except Exception as exc:
        # Green API resends whatever is not answered 200, so either way the message comes again;
        # but only an outage is worth a quiet 503: anything else is a bug and is logged whole.
        if is_dependency_failure(exc):
            log.warning("webhook: database unavailable", error=type(exc).__name__)
            await _answer(send, 503, "database unavailable, try again", [(b"retry-after", b"5")])
        else:
            log.exception("webhook failed", route="/webhooks/green-api")
            await _answer(send, 500, "internal error")
        return
    await _answer(send, status, detail)


REFUSED = (401, "unknown instance or wrong token")


async def handle_webhook(resources: Resources, body: bytes, authorization: str | None) -> tuple[int, str]:
    """The answer to one webhook: 200 with what happened to it, or an error status with a reason."""
    try:
        data: Any = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return 400, "malformed JSON"
    except RecursionError:
        return 400, "JSON nested too deeply"
    try:
        id_instance = id_instance_of(data)
    except UnknownInstance:
        return REFUSED
    except WebhookShapeError as exc:
        return 400, str(exc)
    cached, hotel = resources.webhook_hotels.get(id_instance)
    if not cached:
        try:
            async with resources.sessions() as session:
                hotel = await find_by_instance(session, id_instance)
        except HotelSecretsUnreadable as exc:
            # Not the sender's fault and not to be dropped: 503, so Green API delivers it again.
            log.error("webhook refused: %s", exc, hotel=exc.slug, id_instance=id_instance)  # noqa: TRY400
            resources.hotel_secrets.mark_unreadable(exc.slug)
            await resources.webhook_failures.record(exc.hotel_id, "secrets_unreadable")
            return 503, str(exc)
        resources.webhook_hotels.put(id_instance, hotel)
    if hotel is None or not token_matches(authorization, hotel.webhook_token):
        log.info("webhook refused", id_instance=id_instance)
        if hotel is not None:
            await resources.webhook_failures.record(hotel.id, "wrong_token")
        return REFUSED
    bind(hotel_id=hotel.id)
    resources.webhook_arrivals.record(hotel.id)  # "are webhooks arriving?" on /admin/whatsapp
    try:
        event = parse_event(data)
    except WebhookShapeError as exc:
        return 400, str(exc)
    ref = HotelRef(hotel.id, hotel.ai_enabled)
    debounce = resources.settings.ai_debounce_seconds
    if (
        isinstance(event, ChatMessage)
        and event.kind == "incomingMessageReceived"
        and not event.content.undecryptable  # its reply needs the ORM session: the use case below
    ):
        # The hot path: plain driver statements, no ORM session.
        async with resources.driver_uow() as fast:
            stored = await receive_guest_message(fast, ref, event, debounce_seconds=debounce)
        outcome = "stored" if stored else "duplicate"
    else:
        async with resources.uow() as uow:
            outcome = await handle_event(uow, ref, event, debounce_seconds=debounce)
    kind = data.get("typeWebhook")
    WEBHOOKS.labels(webhook_type(kind), outcome).inc()
    if outcome == "stored" and kind == "incomingMessageReceived":
        MESSAGES.labels("in").inc()
    log.debug("webhook", type=kind, outcome=outcome)
    return 200, outcome

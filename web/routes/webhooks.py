"""``POST /webhooks/green-api``: authenticate, store idempotently, answer fast."""

from __future__ import annotations

import msgspec
import structlog
from litestar import Request, Response, post
from litestar.datastructures import State

from domain.conversations.inbound import HotelRef, handle_event, receive_guest_message
from domain.hotels.service import find_by_instance, token_matches
from domain.integrations.green_api_webhooks import ChatMessage, WebhookShapeError, id_instance_of, parse_event
from domain.uow import NeedsSession
from jobs.logs import bind
from jobs.metrics import MESSAGES
from web.deps import Resources
from web.metrics import WEBHOOKS

log = structlog.get_logger(__name__)

MAX_WEBHOOK_BYTES = 1024 * 1024


def _answer(status: int, detail: str) -> Response[dict[str, str]]:
    return Response({"status": "accepted"} if status == 200 else {"detail": detail}, status_code=status)


@post(
    "/webhooks/green-api",
    request_max_body_size=MAX_WEBHOOK_BYTES,
    status_code=200,
    opt={"exclude_csrf": True},
)
async def green_api_webhook(request: Request[object, object, State]) -> Response[dict[str, str]]:
    resources: Resources = request.app.state.resources
    body = await request.body()
    try:
        data = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return _answer(400, "malformed JSON")
    try:
        id_instance = id_instance_of(data)
    except WebhookShapeError as exc:
        return _answer(400, str(exc))
    cached, hotel = resources.cached_hotel(id_instance)
    if not cached:
        async with resources.sessions() as session:
            hotel = await find_by_instance(session, id_instance)
        resources.cache_hotel(id_instance, hotel)
    if hotel is None or not token_matches(request.headers.get("authorization"), hotel.webhook_token):
        log.info("webhook refused", id_instance=id_instance)
        return _answer(401, "unknown instance or wrong token")
    bind(hotel_id=hotel.id)
    try:
        event = parse_event(data)
    except WebhookShapeError as exc:
        return _answer(400, str(exc))
    ref = HotelRef(hotel.id, hotel.ai_enabled)
    debounce = resources.settings.ai_debounce_seconds
    outcome = ""
    if isinstance(event, ChatMessage) and event.kind == "incomingMessageReceived":
        try:  # the hot path: plain driver statements, no ORM session
            async with resources.driver_uow() as fast:
                stored = await receive_guest_message(fast, ref, event, debounce_seconds=debounce)
            outcome = "stored" if stored else "duplicate"
        except NeedsSession:
            outcome = ""
    if not outcome:
        async with resources.uow() as uow:
            outcome = await handle_event(uow, ref, event, debounce_seconds=debounce)
    WEBHOOKS.labels(str(data.get("typeWebhook", "unknown"))[:40], outcome).inc()
    if outcome == "stored" and data.get("typeWebhook") == "incomingMessageReceived":
        MESSAGES.labels("in").inc()
    log.debug("webhook", type=data.get("typeWebhook"), outcome=outcome)
    return _answer(200, outcome)

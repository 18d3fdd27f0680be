"""The hotel's WhatsApp connection (Green API): what the admin sees and sets, "check connection"
(``getStateInstance``) and "apply webhook settings" (``setSettings``, docs/external-apis.md §A3).

Secrets are never read for display: the page learns only whether each one is set.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import Text, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audit.service import record
from domain.crypto import SecretUndecryptable
from domain.errors import Conflict, Invalid
from domain.hotels.models import Hotel
from domain.hotels.provider_rules import ConnectionChange
from domain.hotels.service import changes, hotel_row, update_hotel
from domain.integrations.green_api import (
    GreenApiError,
    GreenApiGateway,
    GreenApiResponseError,
    InstanceCredentials,
)
from domain.uow import UnitOfWork

WEBHOOK_PATH = "/webhooks/green-api"

# What the bot reads from Green API (README, docs/external-apis.md §A3): guest messages, delivery
# ticks, our own API sends echoed, replies typed on the hotel's phone, and the instance's state.
WEBHOOK_SWITCHES = {
    "incomingWebhook": "yes",
    "outgoingWebhook": "yes",
    "outgoingAPIMessageWebhook": "yes",
    "outgoingMessageWebhook": "yes",
    "stateWebhook": "yes",
}

# Instance states as an admin reads them (docs/external-apis.md §A3, getStateInstance).
STATE_MEANINGS = {
    "authorized": "connected: the hotel's WhatsApp is linked and working",
    "notAuthorized": "not linked: scan the QR code in the Green API console with the hotel's phone",
    "blocked": "blocked by WhatsApp",
    "starting": "starting (up to about 5 minutes); reboot it in the console if it takes longer",
    "yellowCard": "sending suspended for suspected spam: messages wait up to 24 h; reboot the instance",
    "sleepMode": "asleep: the phone is offline",
}

# Green API's answers an admin can act on (docs/external-apis.md §A3).
GATEWAY_STATUSES = {
    401: "Green API refused the API token (HTTP 401): paste the apiTokenInstance from the console again",
    403: "Green API does not know this instance id (HTTP 403): check the idInstance in the console",
    429: "Green API asked us to slow down (HTTP 429): try again in a minute",
    466: "the Green API plan's quota is used up (HTTP 466)",
}


class GatewayProblem(Exception):
    """A Green API call failed; its message says so as an admin reads it."""


@dataclass(frozen=True, slots=True)
class ConnectionView:
    instance_id: int | None
    api_url: str | None
    has_api_token: bool
    has_webhook_token: bool
    instance_state: str | None
    instance_state_at: datetime.datetime | None


def explain_state(state: str) -> str:
    return STATE_MEANINGS.get(state, "a state this page does not know")


def explain_gateway_error(exc: GreenApiError) -> str:
    """What went wrong with a Green API call, as an admin can act on it."""
    if exc.status is None:
        return f"Green API did not answer: {exc}"
    if exc.status in GATEWAY_STATUSES:
        return GATEWAY_STATUSES[exc.status]
    if isinstance(exc, GreenApiResponseError):
        return "Green API answered something this page cannot read"
    if exc.status >= 500:
        return f"Green API has a problem of its own (HTTP {exc.status}): try again later"
    return f"Green API refused the call (HTTP {exc.status}): {exc.body[:200]}"


async def connection_of(session: AsyncSession, hotel_id: UUID) -> ConnectionView:
    row = await hotel_row(
        session,
        hotel_id,
        Hotel.green_api_instance_id,
        Hotel.green_api_url,
        type_coerce(Hotel.green_api_token, Text).is_not(None),
        type_coerce(Hotel.webhook_token, Text).is_not(None),
        Hotel.instance_state,
        Hotel.instance_state_at,
    )
    return ConnectionView(*row)


async def save_connection(
    uow: UnitOfWork, hotel_id: UUID, change: ConnectionChange, by: UUID | None = None
) -> None:
    """Store the instance id, the URL and any secret given (an empty one keeps what is stored);
    the audit log says what changed (a secret: only that it did)."""
    before = await connection_of(uow.session, hotel_id)
    taken = await uow.session.scalar(
        select(Hotel.id).where(Hotel.green_api_instance_id == change.instance_id, Hotel.id != hotel_id)
    )
    if taken is not None:
        raise Conflict("another hotel is already connected to this instance id")
    values: dict[str, Any] = {"green_api_instance_id": change.instance_id, "green_api_url": change.api_url}
    if change.api_token is not None:
        values["green_api_token"] = change.api_token
    if change.webhook_token is not None:
        values["webhook_token"] = change.webhook_token
    await update_hotel(uow.session, hotel_id, values)
    changed = changes(
        {"instance_id": before.instance_id, "api_url": before.api_url},
        {"instance_id": change.instance_id, "api_url": change.api_url},
    )
    for secret in ("api_token", "webhook_token"):
        if getattr(change, secret) is not None:
            changed[secret] = "(changed)"
    if changed:
        await record(uow, hotel_id, by, "whatsapp.updated", "WhatsApp connection", changed)


async def _instance(
    session: AsyncSession, hotel_id: UUID, default_url: str
) -> tuple[InstanceCredentials, str]:
    """The instance's credentials and the webhook token, decrypted for one call."""
    try:
        row = await hotel_row(
            session,
            hotel_id,
            Hotel.green_api_instance_id,
            Hotel.green_api_token,
            Hotel.green_api_url,
            Hotel.webhook_token,
        )
    except SecretUndecryptable:
        raise Invalid("the stored tokens cannot be decrypted with SECRET_KEY: enter them again") from None
    instance_id, api_token, api_url, webhook_token = row
    if not instance_id or not api_token:
        raise Invalid("save the instance id and the API token first")
    return InstanceCredentials(instance_id, api_token, api_url or default_url), webhook_token


async def check_state(
    session: AsyncSession, gateway: GreenApiGateway, hotel_id: UUID, default_url: str
) -> str:
    """The instance's state now (``getStateInstance``); ``GatewayProblem`` when Green API fails."""
    instance, _ = await _instance(session, hotel_id, default_url)
    try:
        return await gateway.get_state_instance(instance)
    except GreenApiError as exc:
        raise GatewayProblem(explain_gateway_error(exc)) from None


def webhook_settings(public_base_url: str, webhook_token: str) -> dict[str, str]:
    """What ``setSettings`` is given: our webhook URL and token, and the webhooks we read."""
    return {
        "webhookUrl": public_base_url.rstrip("/") + WEBHOOK_PATH,
        "webhookUrlToken": webhook_token,
        **WEBHOOK_SWITCHES,
    }


async def apply_webhook_settings(
    session: AsyncSession, gateway: GreenApiGateway, hotel_id: UUID, default_url: str, public_base_url: str
) -> None:
    """Point the instance's webhooks at us (``setSettings``); the instance reboots to apply them."""
    instance, webhook_token = await _instance(session, hotel_id, default_url)
    if not webhook_token:
        raise Invalid("save a webhook token first")
    try:
        await gateway.set_settings(instance, webhook_settings(public_base_url, webhook_token))
    except GreenApiError as exc:
        raise GatewayProblem(explain_gateway_error(exc)) from None

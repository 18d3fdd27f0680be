"""Green API client (``docs/external-apis.md`` §A): calls, typed answers, errors.

The client classifies failures and never retries: a ``GreenApiTransientError`` is worth trying
again later (the job decides when), a ``GreenApiPermanentError`` is not. The caller owns the
``httpx.AsyncClient`` and its timeouts (see ``green_api_timeout``). The API token is part of every
URL, so it is scrubbed from every error text this module produces.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import httpx
import msgspec

MAX_ERROR_BODY = 2000
STARTING_MARKER = "starting process"

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class InstanceCredentials:
    id_instance: int
    api_token: str
    api_url: str  # base, e.g. https://api.green-api.com or the simulator URL

    def __repr__(self) -> str:  # never print the token
        return f"InstanceCredentials(id_instance={self.id_instance}, api_url={self.api_url!r})"


class GreenApiError(Exception):
    """A Green API call failed. ``status`` is the HTTP status (None: no answer), ``body`` its text."""

    def __init__(self, message: str, *, status: int | None = None, body: str = "", method: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.body = body
        self.method = method


class GreenApiTransientError(GreenApiError):
    """Worth retrying later: 429, 499, 5xx, timeouts, connection errors, instance starting."""


class GreenApiPermanentError(GreenApiError):
    """Retrying will not help: bad request, not authorised, wrong id or token, quota (466)."""


class GreenApiResponseError(GreenApiPermanentError):
    """HTTP 200 with a body that is not the documented shape."""


@dataclass(frozen=True, slots=True)
class OutgoingJournalEntry:
    id_message: str
    timestamp: int
    chat_id: str
    type_message: str
    text: str | None
    status: str | None
    send_by_api: bool


@dataclass(frozen=True, slots=True)
class WhatsappCheck:
    """``checkWhatsapp``: whether a number has WhatsApp, and the chat id Green API gives for it
    (``…@lid`` once WhatsApp gave the person one; docs §A9)."""

    exists: bool
    chat_id: str | None


class GreenApiGateway(Protocol):
    async def send_message(
        self, instance: InstanceCredentials, chat_id: str, text: str, quoted_message_id: str | None = None
    ) -> str: ...

    async def last_outgoing_messages(
        self, instance: InstanceCredentials, minutes: int = 60
    ) -> list[OutgoingJournalEntry]: ...

    async def get_state_instance(self, instance: InstanceCredentials) -> str: ...

    async def check_whatsapp(self, instance: InstanceCredentials, number: str) -> WhatsappCheck: ...

    async def get_settings(self, instance: InstanceCredentials) -> dict[str, Any]: ...

    async def set_settings(self, instance: InstanceCredentials, settings: dict[str, Any]) -> None: ...


def green_api_timeout() -> httpx.Timeout:
    """Explicit timeouts for Green API calls: connect 5 s, read 30 s, write 10 s, pool 5 s."""
    return httpx.Timeout(connect=5.0, read=30.0, write=10.0, pool=5.0)


# --------------------------------------------------------------------------- response shapes


class _SendAnswer(msgspec.Struct):
    idMessage: str  # noqa: N815 - the wire name


class _StateAnswer(msgspec.Struct):
    stateInstance: str  # noqa: N815


class _SaveSettingsAnswer(msgspec.Struct):
    saveSettings: bool  # noqa: N815


class _CheckAnswer(msgspec.Struct):
    existsWhatsapp: bool  # noqa: N815
    chatId: str | None = None  # noqa: N815 - in newer answers only (docs/external-apis.md §A9)


class _ExtendedText(msgspec.Struct):
    text: str | None = None


class _JournalRow(msgspec.Struct):
    idMessage: str  # noqa: N815
    timestamp: int
    chatId: str  # noqa: N815
    typeMessage: str = ""  # noqa: N815
    textMessage: str | None = None  # noqa: N815
    extendedTextMessage: _ExtendedText | None = None  # noqa: N815
    caption: str | None = None
    statusMessage: str | None = None  # noqa: N815
    sendByApi: bool = False  # noqa: N815

    def entry(self) -> OutgoingJournalEntry:
        text = self.textMessage
        if text is None and self.extendedTextMessage is not None:
            text = self.extendedTextMessage.text
        if text is None:
            text = self.caption
        return OutgoingJournalEntry(
            id_message=self.idMessage,
            timestamp=self.timestamp,
            chat_id=self.chatId,
            type_message=self.typeMessage,
            text=text,
            status=self.statusMessage,
            send_by_api=self.sendByApi,
        )


# --------------------------------------------------------------------------- classification


def classify(method: str, status: int, body: str) -> GreenApiError:
    """The error for a non-success answer (docs/external-apis.md §A5)."""
    snippet = body[:MAX_ERROR_BODY]
    message = f"Green API {method} answered HTTP {status}: {snippet[:200]}".rstrip(": ")
    starting = status == 400 and STARTING_MARKER in body.lower()
    if status in (429, 499) or status >= 500 or starting:
        return GreenApiTransientError(message, status=status, body=snippet, method=method)
    return GreenApiPermanentError(message, status=status, body=snippet, method=method)


class HttpGreenApi:
    """``GreenApiGateway`` over HTTP."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def send_message(
        self, instance: InstanceCredentials, chat_id: str, text: str, quoted_message_id: str | None = None
    ) -> str:
        payload: dict[str, Any] = {"chatId": chat_id, "message": text}
        if quoted_message_id:
            payload["quotedMessageId"] = quoted_message_id
        content = await self._call(instance, "POST", "sendMessage", json=payload)
        answer = _decode(instance, "sendMessage", content, _SendAnswer)
        if not answer.idMessage:
            raise GreenApiResponseError(
                "Green API sendMessage answered an empty idMessage", status=200, method="sendMessage"
            )
        return answer.idMessage

    async def last_outgoing_messages(
        self, instance: InstanceCredentials, minutes: int = 60
    ) -> list[OutgoingJournalEntry]:
        content = await self._call(instance, "GET", "lastOutgoingMessages", params={"minutes": minutes})
        rows = _decode(instance, "lastOutgoingMessages", content, list[_JournalRow])
        return [row.entry() for row in rows]

    async def get_state_instance(self, instance: InstanceCredentials) -> str:
        content = await self._call(instance, "GET", "getStateInstance")
        return _decode(instance, "getStateInstance", content, _StateAnswer).stateInstance

    async def check_whatsapp(self, instance: InstanceCredentials, number: str) -> WhatsappCheck:
        """``number``: digits with the country code. Green API takes it as a JSON number."""
        if not number.isdigit():
            raise ValueError("checkWhatsapp takes the digits of a phone number")
        content = await self._call(instance, "POST", "checkWhatsapp", json={"phoneNumber": int(number)})
        answer = _decode(instance, "checkWhatsapp", content, _CheckAnswer)
        return WhatsappCheck(answer.existsWhatsapp, answer.chatId or None)

    async def get_settings(self, instance: InstanceCredentials) -> dict[str, Any]:
        content = await self._call(instance, "GET", "getSettings")
        return _decode(instance, "getSettings", content, dict[str, Any])

    async def set_settings(self, instance: InstanceCredentials, settings: dict[str, Any]) -> None:
        if not settings:
            raise ValueError("setSettings needs at least one setting")
        content = await self._call(instance, "POST", "setSettings", json=settings)
        answer = _decode(instance, "setSettings", content, _SaveSettingsAnswer)
        if not answer.saveSettings:
            raise GreenApiPermanentError(
                "Green API setSettings answered saveSettings=false",
                status=200,
                body=content.decode(errors="replace"),
                method="setSettings",
            )

    async def _call(
        self,
        instance: InstanceCredentials,
        http_method: str,
        method: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> bytes:
        url = f"{instance.api_url.rstrip('/')}/waInstance{instance.id_instance}/{method}/{instance.api_token}"
        try:
            response = await self._client.request(http_method, url, json=json, params=params)
        except httpx.TimeoutException as exc:
            raise GreenApiTransientError(
                f"Green API {method} timed out ({type(exc).__name__})", method=method
            ) from None
        except httpx.TransportError as exc:
            detail = _scrub(f"{type(exc).__name__}: {exc}", instance)
            raise GreenApiTransientError(f"Green API {method} unreachable: {detail}", method=method) from None
        if 200 <= response.status_code < 300:
            return response.content
        raise classify(method, response.status_code, _scrub(response.text, instance))


def _decode(instance: InstanceCredentials, method: str, content: bytes, shape: type[T]) -> T:
    try:
        return msgspec.json.decode(content, type=shape)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        body = _scrub(content[:MAX_ERROR_BODY].decode(errors="replace"), instance)
        raise GreenApiResponseError(
            f"Green API {method} answered an unexpected body: {exc}", status=200, body=body, method=method
        ) from None


def _scrub(text: str, instance: InstanceCredentials) -> str:
    return text.replace(instance.api_token, "***") if instance.api_token else text

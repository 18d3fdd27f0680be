"""Decoding Green API webhook bodies into typed events (docs/external-apis.md §A6).

Pure functions: no I/O. A body that is not the shape the contract describes raises
``WebhookShapeError`` with a short reason; a well-formed body of a type we do not act on
becomes ``Ignored`` (answered 200 and counted, never an error). Every string an event carries is
already fit for the database (``green_api_limits``): what a guest wrote is cut, never refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from domain.integrations.green_api_limits import (
    MAX_CHAT_ID,
    MAX_DETAIL_ITEMS,
    MAX_FILE_NAME,
    MAX_ID_MESSAGE,
    MAX_MIME,
    MAX_NAME,
    MAX_NOTICE,
    MAX_QUOTED_TEXT,
    MAX_REACTION,
    MAX_STATUS_DESCRIPTION,
    MAX_TEXT,
    MAX_TYPE_MESSAGE,
    MAX_URL,
    clean,
    fit_details,
    text,
)

SWE_UNDECRYPTABLE = "{{SWE001}}"
SWE_FILE_TOO_LARGE = "{{SWE002}}"
SWE_DECRYPTION = "{{SWE003}}"
# BIGINT, the type of hotels.green_api_instance_id and messages.provider_timestamp.
BIGINT_MAX = 2**63 - 1


class WebhookShapeError(ValueError):
    """The body is JSON but not a Green API notification; the message is the reason."""


class UnknownInstance(Exception):
    """An ``idInstance`` beyond BIGINT: no hotel can have it (answered like any unknown instance)."""


@dataclass(frozen=True, slots=True)
class MessageContent:
    """What one WhatsApp message says, whatever its type."""

    type_message: str
    text: str | None = None
    media_url: str | None = None
    media_mime: str | None = None
    media_file_name: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    quoted_provider_id: str | None = None
    quoted_text: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def undecryptable(self) -> bool:
        return self.text == SWE_UNDECRYPTABLE


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """incomingMessageReceived, outgoingMessageReceived or outgoingAPIMessageReceived."""

    kind: str
    id_instance: int
    id_message: str
    timestamp: int
    chat_id: str
    sender_id: str
    sender_name: str
    content: MessageContent
    # Digits of senderData.senderPhoneNumber, when sent (docs/external-apis.md §A9).
    sender_phone: str | None = None

    @property
    def is_group(self) -> bool:
        return self.chat_id.endswith("@g.us")


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    id_instance: int
    id_message: str
    chat_id: str
    status: str
    description: str
    timestamp: int


@dataclass(frozen=True, slots=True)
class InstanceStateChange:
    id_instance: int
    state: str
    timestamp: int


@dataclass(frozen=True, slots=True)
class InstanceNotice:
    """Something admins should see: quota exceeded, a blocked chat, a call."""

    id_instance: int
    kind: str
    detail: str


@dataclass(frozen=True, slots=True)
class Ignored:
    id_instance: int
    type_webhook: str


Event = ChatMessage | StatusUpdate | InstanceStateChange | InstanceNotice | Ignored

MESSAGE_KINDS = ("incomingMessageReceived", "outgoingMessageReceived", "outgoingAPIMessageReceived")
# Every ``typeWebhook`` the contract lists (A6), whether we act on it or not.
WEBHOOK_TYPES = frozenset(
    (
        *MESSAGE_KINDS,
        "outgoingMessageStatus",
        "stateInstanceChanged",
        "statusInstanceChanged",
        "deviceInfo",
        "incomingCall",
        "outgoingCall",
        "incomingBlock",
        "quotaExceeded",
    )
)
STATUS_VALUES = ("sent", "delivered", "read", "failed", "noAccount", "notInGroup", "yellowCard")


def _obj(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise WebhookShapeError(f"{name} must be an object")
    return value


def _str(data: dict[str, Any], key: str, *, required: bool = True, limit: int = 512) -> str:
    """An identifier (an id, a type, a state): refused when too long, since a cut one means another."""
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        raise WebhookShapeError(f"{key} must be a non-empty string")
    if len(value) > limit:
        raise WebhookShapeError(f"{key} is too long")
    return clean(value)


def _opt_str(data: dict[str, Any], key: str, limit: int = MAX_TEXT) -> str | None:
    """Free text: cut to ``limit`` with a visible marker, never refused for its length."""
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise WebhookShapeError(f"{key} must be a string")
    return text(value, limit)


def _token(data: dict[str, Any], key: str, limit: int) -> str | None:
    """A link, an id or a MIME type: cut short it would point elsewhere, so a longer one is None."""
    value = data.get(key)
    if not isinstance(value, str) or len(value) > limit:
        return None
    return clean(value)


def _loose_text(value: Any, limit: int) -> str:
    """Text where the contract promises nothing about the type: anything but a string is ''."""
    return text(value, limit) if isinstance(value, str) else ""


def _opt_float(data: dict[str, Any], key: str) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise WebhookShapeError(f"{key} must be a number")
    try:
        return float(value)
    except OverflowError:  # an integer of hundreds of digits
        raise WebhookShapeError(f"{key} is out of range") from None


def _timestamp(data: dict[str, Any]) -> int:
    """Unix seconds, or 0 (none) when out of BIGINT's range: we keep the message, not the clock."""
    value = data.get("timestamp", 0)
    if isinstance(value, bool) or not isinstance(value, int):
        raise WebhookShapeError("timestamp must be an integer")
    return value if 0 <= value <= BIGINT_MAX else 0


def id_instance_of(body: Any) -> int:
    """The instance a notification belongs to; the first thing checked."""
    data = _obj(body, "body")
    instance = _obj(data.get("instanceData"), "instanceData")
    value = instance.get("idInstance")
    if isinstance(value, str) and value.isascii() and value.isdigit():
        if len(value) > len(str(BIGINT_MAX)):  # int() of thousands of digits is refused, and slow
            raise UnknownInstance
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise WebhookShapeError("instanceData.idInstance must be a positive integer")
    if value > BIGINT_MAX:
        raise UnknownInstance
    return value


def _quoted(message_data: dict[str, Any]) -> tuple[str | None, str | None]:
    quoted = message_data.get("quotedMessage")
    if not isinstance(quoted, dict):
        return None, None
    quoted_text = quoted.get("textMessage") or quoted.get("text") or quoted.get("caption")
    return (
        _token(quoted, "stanzaId", MAX_ID_MESSAGE),
        text(quoted_text, MAX_QUOTED_TEXT) if isinstance(quoted_text, str) else None,
    )


def _contact_names(contacts: list[Any]) -> str:
    names = (c.get("displayName") for c in contacts if isinstance(c, dict))
    return text(", ".join(name for name in names if isinstance(name, str)), MAX_TEXT)


def parse_content(message_data: dict[str, Any]) -> MessageContent:
    """One ``messageData`` object into ``MessageContent`` (the table in docs/external-apis.md §A6)."""
    content = _parse_content(message_data)
    if not content.details:  # the common case: a plain text has none
        return content
    return replace(content, details=fit_details(content.details))


def _parse_content(message_data: dict[str, Any]) -> MessageContent:
    # A type name is not cut with a marker: anything longer than the column is no type we know.
    kind = _str(message_data, "typeMessage")[:MAX_TYPE_MESSAGE]
    quoted_id, quoted_text = _quoted(message_data)
    base: dict[str, Any] = {"type_message": kind, "quoted_provider_id": quoted_id, "quoted_text": quoted_text}
    if kind == "textMessage":
        data = _obj(message_data.get("textMessageData"), "textMessageData")
        return MessageContent(text=_opt_str(data, "textMessage") or "", **base)
    if kind in ("extendedTextMessage", "quotedMessage"):
        data = _obj(message_data.get("extendedTextMessageData"), "extendedTextMessageData")
        details = {k: data[k] for k in ("title", "description") if isinstance(data.get(k), str) and data[k]}
        if kind == "quotedMessage" and quoted_id is None:
            base["quoted_provider_id"] = _token(data, "stanzaId", MAX_ID_MESSAGE)
        return MessageContent(text=_opt_str(data, "text") or "", details=details, **base)
    if kind in ("imageMessage", "videoMessage", "documentMessage", "audioMessage", "stickerMessage"):
        data = _obj(message_data.get("fileMessageData"), "fileMessageData")
        url = _token(data, "downloadUrl", MAX_URL)
        details = {"too_large": True} if url == SWE_FILE_TOO_LARGE else {}
        return MessageContent(
            text=_opt_str(data, "caption"),
            media_url=None if url in (SWE_FILE_TOO_LARGE, SWE_DECRYPTION) else url,
            media_mime=_token(data, "mimeType", MAX_MIME),
            media_file_name=_opt_str(data, "fileName", MAX_FILE_NAME),
            details=details,
            **base,
        )
    if kind == "locationMessage":
        data = _obj(message_data.get("locationMessageData"), "locationMessageData")
        details = {k: data[k] for k in ("nameLocation", "address") if isinstance(data.get(k), str)}
        return MessageContent(
            text=_opt_str(data, "nameLocation"),
            latitude=_opt_float(data, "latitude"),
            longitude=_opt_float(data, "longitude"),
            details=details,
            **base,
        )
    if kind == "contactMessage":
        data = _obj(message_data.get("contactMessageData"), "contactMessageData")
        name = _opt_str(data, "displayName", MAX_NAME)
        return MessageContent(
            text=name, details={"contacts": [{"displayName": name, "vcard": data.get("vcard")}]}, **base
        )
    if kind == "contactsArrayMessage":
        nested = message_data.get("messageData")
        source = nested if isinstance(nested, dict) else message_data
        contacts = source.get("contacts")
        items = [c for c in contacts if isinstance(c, dict)] if isinstance(contacts, list) else []
        return MessageContent(
            text=_contact_names(items[:MAX_DETAIL_ITEMS]), details={"contacts": items}, **base
        )
    if kind == "reactionMessage":
        data = _obj(message_data.get("extendedTextMessageData"), "extendedTextMessageData")
        return MessageContent(text=_opt_str(data, "text", MAX_REACTION) or "", **base)
    # Polls, edits, deletions, buttons and future types: kept, with the raw data for staff.
    return MessageContent(details={"unsupported": True}, **base)


def _sender_name(sender: dict[str, Any]) -> str:
    for key in ("senderName", "senderContactName", "chatName"):
        name = _loose_text(sender.get(key), MAX_NAME)
        if name:
            return name
    return ""


def _sender_phone(sender: dict[str, Any]) -> str | None:
    """``senderPhoneNumber``, a field Green API may add (docs/external-apis.md §A9): digits, as a
    number or a string. Anything else (absent, 0 for a hidden number, junk) is no number."""
    value = sender.get("senderPhoneNumber")
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    digits = str(value).removeprefix("+")
    return digits if digits.isdigit() and 5 <= len(digits) <= 20 else None


def parse_event(body: Any) -> Event:
    """A whole webhook body into one typed event."""
    data = _obj(body, "body")
    type_webhook = _str(data, "typeWebhook", limit=64)
    id_instance = id_instance_of(data)
    if type_webhook in MESSAGE_KINDS:
        sender = _obj(data.get("senderData"), "senderData")
        message_data = _obj(data.get("messageData"), "messageData")
        chat_id = _str(sender, "chatId", limit=MAX_CHAT_ID)
        return ChatMessage(
            kind=type_webhook,
            id_instance=id_instance,
            id_message=_str(data, "idMessage", limit=MAX_ID_MESSAGE),
            timestamp=_timestamp(data),
            chat_id=chat_id,
            sender_id=_str(sender, "sender", required=False, limit=MAX_CHAT_ID) or chat_id,
            sender_name=_sender_name(sender),
            content=parse_content(message_data),
            sender_phone=_sender_phone(sender),
        )
    if type_webhook == "outgoingMessageStatus":
        status = _str(data, "status", limit=32)
        if status not in STATUS_VALUES:
            return Ignored(id_instance, f"{type_webhook}:{status}")
        return StatusUpdate(
            id_instance=id_instance,
            id_message=_str(data, "idMessage", limit=MAX_ID_MESSAGE),
            chat_id=_str(data, "chatId", required=False, limit=MAX_CHAT_ID),
            status=status,
            description=_loose_text(data.get("description"), MAX_STATUS_DESCRIPTION),
            timestamp=_timestamp(data),
        )
    if type_webhook == "stateInstanceChanged":
        return InstanceStateChange(id_instance, _str(data, "stateInstance", limit=40), _timestamp(data))
    if type_webhook == "quotaExceeded":
        quota_data = data.get("quotaData")
        quota: dict[str, Any] = quota_data if isinstance(quota_data, dict) else {}
        return InstanceNotice(id_instance, "quotaExceeded", _loose_text(quota.get("description"), MAX_NOTICE))
    if type_webhook == "incomingBlock":
        return InstanceNotice(id_instance, "incomingBlock", _loose_text(data.get("chatId"), MAX_CHAT_ID))
    return Ignored(id_instance, type_webhook)

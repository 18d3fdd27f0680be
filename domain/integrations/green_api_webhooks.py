"""Decoding Green API webhook bodies into typed events (docs/external-apis.md §A6).

Pure functions: no I/O. A body that is not the shape the contract describes raises
``WebhookShapeError`` with a short reason; a well-formed body of a type we do not act on
becomes ``Ignored`` (answered 200 and counted, never an error).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SWE_UNDECRYPTABLE = "{{SWE001}}"
SWE_FILE_TOO_LARGE = "{{SWE002}}"
SWE_DECRYPTION = "{{SWE003}}"
MAX_TEXT = 65_536


class WebhookShapeError(ValueError):
    """The body is JSON but not a Green API notification; the message is the reason."""


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
STATUS_VALUES = ("sent", "delivered", "read", "failed", "noAccount", "notInGroup", "yellowCard")


def _obj(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise WebhookShapeError(f"{name} must be an object")
    return value


def _str(data: dict[str, Any], key: str, *, required: bool = True, limit: int = 512) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        raise WebhookShapeError(f"{key} must be a non-empty string")
    if len(value) > limit:
        raise WebhookShapeError(f"{key} is too long")
    return value


def _opt_str(data: dict[str, Any], key: str, limit: int = MAX_TEXT) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise WebhookShapeError(f"{key} must be a string")
    return value[:limit]


def _opt_float(data: dict[str, Any], key: str) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise WebhookShapeError(f"{key} must be a number")
    return float(value)


def _int(data: dict[str, Any], key: str, *, default: int | None = None) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise WebhookShapeError(f"{key} must be an integer")
    return value


def id_instance_of(body: Any) -> int:
    """The instance a notification belongs to; the first thing checked."""
    data = _obj(body, "body")
    instance = _obj(data.get("instanceData"), "instanceData")
    value = instance.get("idInstance")
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise WebhookShapeError("instanceData.idInstance must be a positive integer")
    return value


def _quoted(message_data: dict[str, Any]) -> tuple[str | None, str | None]:
    quoted = message_data.get("quotedMessage")
    if not isinstance(quoted, dict):
        return None, None
    stanza = quoted.get("stanzaId")
    text = quoted.get("textMessage") or quoted.get("text") or quoted.get("caption")
    return (
        stanza if isinstance(stanza, str) else None,
        text if isinstance(text, str) else None,
    )


def parse_content(message_data: dict[str, Any]) -> MessageContent:
    """One ``messageData`` object into ``MessageContent`` (the table in docs/external-apis.md §A6)."""
    kind = _str(message_data, "typeMessage", limit=64)
    quoted_id, quoted_text = _quoted(message_data)
    base: dict[str, Any] = {"type_message": kind, "quoted_provider_id": quoted_id, "quoted_text": quoted_text}
    if kind == "textMessage":
        data = _obj(message_data.get("textMessageData"), "textMessageData")
        return MessageContent(text=_opt_str(data, "textMessage") or "", **base)
    if kind in ("extendedTextMessage", "quotedMessage"):
        data = _obj(message_data.get("extendedTextMessageData"), "extendedTextMessageData")
        details = {k: data[k] for k in ("title", "description") if isinstance(data.get(k), str) and data[k]}
        if kind == "quotedMessage" and quoted_id is None:
            quoted_id = data.get("stanzaId") if isinstance(data.get("stanzaId"), str) else None
            base["quoted_provider_id"] = quoted_id
        return MessageContent(text=_opt_str(data, "text") or "", details=details, **base)
    if kind in ("imageMessage", "videoMessage", "documentMessage", "audioMessage", "stickerMessage"):
        data = _obj(message_data.get("fileMessageData"), "fileMessageData")
        url = _opt_str(data, "downloadUrl", 4096)
        details = {"too_large": True} if url == SWE_FILE_TOO_LARGE else {}
        return MessageContent(
            text=_opt_str(data, "caption"),
            media_url=None if url in (SWE_FILE_TOO_LARGE, SWE_DECRYPTION) else url,
            media_mime=_opt_str(data, "mimeType", 120),
            media_file_name=_opt_str(data, "fileName", 300),
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
        name = _opt_str(data, "displayName", 200)
        return MessageContent(
            text=name, details={"contacts": [{"displayName": name, "vcard": data.get("vcard")}]}, **base
        )
    if kind == "contactsArrayMessage":
        nested = message_data.get("messageData")
        source = nested if isinstance(nested, dict) else message_data
        contacts = source.get("contacts")
        items = [c for c in contacts if isinstance(c, dict)][:50] if isinstance(contacts, list) else []
        names = ", ".join(str(c.get("displayName", "")) for c in items)
        return MessageContent(text=names, details={"contacts": items}, **base)
    if kind == "reactionMessage":
        data = _obj(message_data.get("extendedTextMessageData"), "extendedTextMessageData")
        return MessageContent(text=_opt_str(data, "text", 32) or "", **base)
    # Polls, edits, deletions, buttons and future types: kept, with the raw data for staff.
    return MessageContent(details={"unsupported": True}, **base)


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
        chat_id = _str(sender, "chatId", limit=120)
        return ChatMessage(
            kind=type_webhook,
            id_instance=id_instance,
            id_message=_str(data, "idMessage", limit=64),
            timestamp=_int(data, "timestamp", default=0),
            chat_id=chat_id,
            sender_id=_str(sender, "sender", required=False, limit=120) or chat_id,
            sender_name=(
                _str(sender, "senderName", required=False, limit=200)
                or _str(sender, "senderContactName", required=False, limit=200)
                or _str(sender, "chatName", required=False, limit=200)
            ),
            content=parse_content(message_data),
            sender_phone=_sender_phone(sender),
        )
    if type_webhook == "outgoingMessageStatus":
        status = _str(data, "status", limit=32)
        if status not in STATUS_VALUES:
            return Ignored(id_instance, f"{type_webhook}:{status}")
        return StatusUpdate(
            id_instance=id_instance,
            id_message=_str(data, "idMessage", limit=64),
            chat_id=_str(data, "chatId", required=False, limit=120),
            status=status,
            description=_str(data, "description", required=False, limit=2000),
            timestamp=_int(data, "timestamp", default=0),
        )
    if type_webhook == "stateInstanceChanged":
        return InstanceStateChange(
            id_instance, _str(data, "stateInstance", limit=40), _int(data, "timestamp", default=0)
        )
    if type_webhook == "quotaExceeded":
        quota_data = data.get("quotaData")
        quota: dict[str, Any] = quota_data if isinstance(quota_data, dict) else {}
        return InstanceNotice(id_instance, "quotaExceeded", str(quota.get("description", ""))[:500])
    if type_webhook == "incomingBlock":
        return InstanceNotice(id_instance, "incomingBlock", str(data.get("chatId", ""))[:120])
    return Ignored(id_instance, type_webhook)

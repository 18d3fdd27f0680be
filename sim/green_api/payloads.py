"""Bodies in the real Green API shapes: webhooks, journals (lastOutgoing/lastIncoming);
docs/external-apis.md §A3, §A6."""

from __future__ import annotations

from typing import Any

from .state import IncomingRecord, Instance, OutgoingRecord, now_ts

FILE_TYPES = ("imageMessage", "videoMessage", "documentMessage", "audioMessage", "stickerMessage")
INCOMING_TYPES = (
    "textMessage",
    "extendedTextMessage",
    *FILE_TYPES,
    "locationMessage",
    "contactMessage",
    "reactionMessage",
)

_EXTENSION_TYPES = {
    "imageMessage": ("jpg", "jpeg", "png", "gif", "webp"),
    "videoMessage": ("mp4", "mov", "3gp", "avi", "mkv"),
    "audioMessage": ("mp3", "ogg", "oga", "opus", "m4a", "wav", "aac"),
}
_MIME = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "mp4": "video/mp4",
    "mp3": "audio/mpeg",
    "ogg": "audio/ogg",
    "pdf": "application/pdf",
}


class PayloadError(ValueError):
    """The control request does not describe a valid message."""


def instance_data(inst: Instance) -> dict[str, Any]:
    return {"idInstance": inst.id_instance, "wid": inst.wid, "typeInstance": "whatsapp"}


def chat_name(inst: Instance, chat_ids: tuple[str, ...]) -> str:
    """The name a chat shows: the guest's latest sender name (under any of their ids), else the id."""
    for rec in reversed(inst.incoming):
        if rec.chat_id in chat_ids and rec.sender_name:
            return rec.sender_name
    return chat_ids[0].split("@", 1)[0]


def file_type_for(file_name: str) -> str:
    extension = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    for type_message, extensions in _EXTENSION_TYPES.items():
        if extension in extensions:
            return type_message
    return "documentMessage"


def mime_for(file_name: str) -> str:
    extension = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    return _MIME.get(extension, "application/octet-stream")


def _str(payload: dict[str, Any], key: str, default: str = "") -> str:
    value = payload.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise PayloadError(f"'{key}' must be a string")
    return value


def _number(payload: dict[str, Any], key: str) -> float:
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PayloadError(f"'{key}' must be a number")
    return float(value)


def build_message_data(payload: dict[str, Any], chat_id: str, wid: str) -> tuple[dict[str, Any], str | None]:
    """``messageData`` for a guest (or phone) message described by a control request.

    Returns the object and the plain text it carries (for the chat view), if any.
    """
    raw = payload.get("messageData")
    if raw is not None:
        if not isinstance(raw, dict) or not isinstance(raw.get("typeMessage"), str):
            raise PayloadError("'messageData' must be an object with a string 'typeMessage'")
        return raw, _text_of(raw)
    type_message = _str(payload, "typeMessage", "textMessage")
    text = _str(payload, "text")
    data: dict[str, Any] = {"typeMessage": type_message}
    if type_message == "textMessage":
        data["textMessageData"] = {"textMessage": text}
    elif type_message == "extendedTextMessage":
        data["extendedTextMessageData"] = {
            "text": text,
            "description": _str(payload, "description"),
            "title": _str(payload, "title"),
            "previewType": "None",
            "jpegThumbnail": "",
            "forwardingScore": 0,
            "isForwarded": False,
        }
    elif type_message in FILE_TYPES:
        download_url = _str(payload, "downloadUrl")
        if not download_url:
            raise PayloadError(f"'downloadUrl' is required for {type_message}")
        file_name = _str(payload, "fileName") or download_url.rsplit("/", 1)[-1]
        file_data: dict[str, Any] = {
            "downloadUrl": download_url,
            "caption": _str(payload, "caption", text),
            "fileName": file_name,
            "jpegThumbnail": "",
            "mimeType": _str(payload, "mimeType") or mime_for(file_name),
            "forwardingScore": 0,
            "isForwarded": False,
        }
        if type_message == "videoMessage":
            file_data["videoNote"] = False
        if type_message == "stickerMessage":
            file_data["isAnimated"] = False
        data["fileMessageData"] = file_data
    elif type_message == "locationMessage":
        data["locationMessageData"] = {
            "nameLocation": _str(payload, "nameLocation"),
            "address": _str(payload, "address"),
            "jpegThumbnail": "",
            "latitude": _number(payload, "latitude"),
            "longitude": _number(payload, "longitude"),
        }
    elif type_message == "contactMessage":
        data["contactMessageData"] = {
            "displayName": _str(payload, "displayName"),
            "vcard": _str(payload, "vcard"),
        }
    elif type_message == "reactionMessage":
        stanza = _str(payload, "quotedStanzaId")
        if not stanza:
            raise PayloadError("'quotedStanzaId' is required for reactionMessage")
        data["extendedTextMessageData"] = {"text": text}
        data["quotedMessage"] = {"stanzaId": stanza, "participant": wid}
        return data, text
    else:
        raise PayloadError(f"unsupported typeMessage '{type_message}'; use 'messageData' to pass it raw")
    stanza = _str(payload, "quotedStanzaId")
    if stanza:
        data["quotedMessage"] = {
            "stanzaId": stanza,
            "participant": wid,
            "typeMessage": "textMessage",
            "textMessage": _str(payload, "quotedText"),
        }
    return data, _text_of(data)


def _text_of(data: dict[str, Any]) -> str | None:
    """The human-readable text of a ``messageData`` object, for the chat view."""
    for key, field_name in (
        ("textMessageData", "textMessage"),
        ("extendedTextMessageData", "text"),
        ("fileMessageData", "caption"),
        ("locationMessageData", "nameLocation"),
        ("contactMessageData", "displayName"),
    ):
        sub = data.get(key)
        if isinstance(sub, dict) and isinstance(sub.get(field_name), str):
            return str(sub[field_name])
    return None


def message_webhook(
    inst: Instance,
    type_webhook: str,
    *,
    id_message: str,
    chat_id: str,
    chat_name: str,
    sender: str,
    sender_name: str,
    data: dict[str, Any],
    sender_phone: str | None = None,
) -> dict[str, Any]:
    sender_data: dict[str, Any] = {
        "chatId": chat_id,
        "sender": sender,
        "chatName": chat_name,
        "senderName": sender_name,
        "senderContactName": "",
    }
    if sender_phone:
        # Not in the real service yet: the field green-api/issues #1081 asks for (docs/external-apis.md §A9).
        sender_data["senderPhoneNumber"] = int(sender_phone)
    return {
        "typeWebhook": type_webhook,
        "instanceData": instance_data(inst),
        "timestamp": now_ts(),
        "idMessage": id_message,
        "senderData": sender_data,
        "messageData": data,
    }


def outgoing_message_data(rec: OutgoingRecord) -> dict[str, Any]:
    """``messageData`` of an ``outgoingAPIMessageReceived`` / ``outgoingMessageReceived`` webhook."""
    data: dict[str, Any] = {"typeMessage": rec.type_message}
    if rec.type_message == "textMessage":
        data["textMessageData"] = {"textMessage": rec.text or ""}
    elif rec.type_message == "extendedTextMessage":
        data["extendedTextMessageData"] = {
            "text": rec.text or "",
            "description": "",
            "title": "",
            "previewType": "None",
            "jpegThumbnail": "",
            "forwardingScore": 0,
            "isForwarded": False,
        }
    elif rec.file is not None:
        data["fileMessageData"] = {
            **rec.file,
            "jpegThumbnail": "",
            "forwardingScore": 0,
            "isForwarded": False,
        }
    if rec.quoted_message_id:
        data["quotedMessage"] = {"stanzaId": rec.quoted_message_id}
    return data


def status_webhook(inst: Instance, rec: OutgoingRecord, status: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "typeWebhook": "outgoingMessageStatus",
        "chatId": rec.chat_id,
        "instanceData": instance_data(inst),
        "timestamp": now_ts(),
        "idMessage": rec.id_message,
        "status": status,
        "sendByApi": rec.send_by_api,
    }
    if rec.description:
        body["description"] = rec.description
    return body


def state_webhook(inst: Instance) -> dict[str, Any]:
    return {
        "typeWebhook": "stateInstanceChanged",
        "instanceData": instance_data(inst),
        "timestamp": now_ts(),
        "stateInstance": inst.state,
    }


def outgoing_journal_entry(rec: OutgoingRecord) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "type": "outgoing",
        "idMessage": rec.id_message,
        "timestamp": rec.timestamp,
        "typeMessage": rec.type_message,
        "chatId": rec.chat_id,
    }
    if rec.type_message in ("textMessage", "extendedTextMessage"):
        entry["textMessage"] = rec.text or ""
    if rec.type_message == "extendedTextMessage":
        entry["extendedTextMessage"] = {"text": rec.text or "", "description": "", "title": ""}
    if rec.file is not None:
        entry.update({**rec.file, "jpegThumbnail": ""})
    if rec.quoted_message_id:
        entry["quotedMessage"] = {"stanzaId": rec.quoted_message_id}
    entry["statusMessage"] = rec.status
    entry["sendByApi"] = rec.send_by_api
    return entry


def incoming_journal_entry(rec: IncomingRecord) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "type": "incoming",
        "idMessage": rec.id_message,
        "timestamp": rec.timestamp,
        "typeMessage": rec.type_message,
        "chatId": rec.chat_id,
        "senderId": rec.chat_id,
        "senderName": rec.sender_name,
        "senderContactName": "",
    }
    data = rec.message_data
    if "textMessageData" in data:
        entry["textMessage"] = data["textMessageData"].get("textMessage", "")
    if "extendedTextMessageData" in data:
        entry["textMessage"] = data["extendedTextMessageData"].get("text", "")
        entry["extendedTextMessage"] = data["extendedTextMessageData"]
    for key in ("fileMessageData", "locationMessageData", "contactMessageData"):
        if isinstance(data.get(key), dict):
            entry.update(data[key])
    if "quotedMessage" in data:
        entry["quotedMessage"] = data["quotedMessage"]
    return entry


def chat_entry_outgoing(rec: OutgoingRecord) -> dict[str, Any]:
    return {
        "direction": "outgoing",
        "idMessage": rec.id_message,
        "timestamp": rec.timestamp,
        "seq": rec.seq,
        "typeMessage": rec.type_message,
        "text": rec.text,
        "caption": (rec.file or {}).get("caption"),
        "downloadUrl": (rec.file or {}).get("downloadUrl"),
        "fileName": (rec.file or {}).get("fileName"),
        "status": rec.status,
        "sendByApi": rec.send_by_api,
        "quotedMessageId": rec.quoted_message_id,
    }


def chat_entry_incoming(rec: IncomingRecord) -> dict[str, Any]:
    return {
        "direction": "incoming",
        "idMessage": rec.id_message,
        "timestamp": rec.timestamp,
        "seq": rec.seq,
        "typeMessage": rec.type_message,
        "text": rec.text,
        "senderName": rec.sender_name,
        "read": rec.read,
        "messageData": rec.message_data,
    }

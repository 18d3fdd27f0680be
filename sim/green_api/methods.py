"""The real Green API methods at ``/waInstance{idInstance}/{method}/{apiTokenInstance}``."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec
from litestar import Request, Response

from .config import MAX_SEND_DELAY_MS, SWITCH_SETTINGS
from .engine import Engine
from .payloads import file_type_for, incoming_journal_entry, mime_for, outgoing_journal_entry
from .state import Instance, OutgoingRecord, SimState, new_outgoing_id, now_ts

MAX_MESSAGE_LENGTH = 20000
MIN_PHONE_DIGITS, MAX_PHONE_DIGITS = 11, 16
SHOW_QUEUE_LIMIT = 500
CHAT_ID_RE = re.compile(r"^(\d{5,20}(-\d{5,20})?@(c|g)\.us|\d{5,20}@lid)$")
LINK_RE = re.compile(r"https?://\S+")
FILE_NAME_RE = re.compile(r"[^./]\.[A-Za-z0-9]{1,8}$")
READ_ONLY_SETTINGS = ("wid", "countryInstance", "typeAccount", "proxyInstance", "enableMessagesHistory")
SENDING_METHODS = ("sendMessage", "sendFileByUrl")

QUOTA_466_BODY: dict[str, Any] = {
    "invokeStatus": {
        "method": "sendMessage",
        "used": 3,
        "total": 3,
        "status": "QUOTE_ALLOWED",
        "description": "Quota for the method is not exceeded",
    },
    "correspondentsStatus": {
        "method": "correspondents",
        "used": 3,
        "total": 3,
        "status": "CORRESPONDENTS_QUOTE_EXCEEDED",
        "description": "The Developer plan allows 3 chats per month; upgrade to write to more chats.",
    },
}


def json_response(body: Any, status: int = 200) -> Response[bytes]:
    return Response(content=msgspec.json.encode(body), status_code=status, media_type="application/json")


def text_response(text: str, status: int) -> Response[bytes]:
    return Response(content=text.encode(), status_code=status, media_type="text/plain")


def error_body(path: str, message: str) -> dict[str, Any]:
    return {
        "statusCode": 400,
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "path": path,
        "message": message,
    }


def validation_error(path: str, details: str) -> Response[bytes]:
    return json_response(error_body(path, f"Validation failed. Details: {details}"), 400)


@dataclass
class Call:
    inst: Instance
    method: str
    path: str
    body: Any
    query: dict[str, str]
    extra: str | None


class Methods:
    def __init__(self, sim: SimState, engine: Engine) -> None:
        self.sim = sim
        self.engine = engine
        self.table: dict[str, Callable[[Call], Awaitable[Response[bytes]]]] = {
            "sendMessage": self.send_message,
            "sendFileByUrl": self.send_file_by_url,
            "lastOutgoingMessages": self.last_outgoing,
            "lastIncomingMessages": self.last_incoming,
            "getStateInstance": self.get_state,
            "getSettings": self.get_settings,
            "setSettings": self.set_settings,
            "showMessagesQueue": self.show_queue,
            "clearMessagesQueue": self.clear_queue,
            "readChat": self.read_chat,
            "checkWhatsapp": self.check_whatsapp,
            "getContactInfo": self.get_contact_info,
            "receiveNotification": self.receive_notification,
            "deleteNotification": self.delete_notification,
            "reboot": self.reboot,
            "logout": self.logout,
        }

    async def handle(
        self, request: Request[Any, Any, Any], segment: str, method: str, token: str, extra: str | None
    ) -> Response[bytes]:
        raw = await request.body()  # read now: waiting for a disconnect consumes `receive` later
        if not segment.startswith("waInstance") or not segment[len("waInstance") :].isdigit():
            return text_response("Not Found", 404)
        inst = self.sim.instances.get(int(segment[len("waInstance") :]))
        if inst is None:
            return text_response("Forbidden", 403)
        if token != inst.api_token:
            return text_response("Unauthorized", 401)
        handler = self.table.get(method)
        if handler is None or (extra is not None and method != "deleteNotification"):
            return text_response("Not Found", 404)
        if self.sim.rate_limits and inst.over_rate_limit(method):
            return text_response("Too Many Requests", 429)
        path = request.url.path
        fault = self.sim.take_fault(inst.id_instance, method)
        if fault is not None and fault.mode == "timeout":
            await _sleep_unless_disconnected(request, fault.delay if fault.delay > 0 else 3600.0)
            return text_response("Gateway Timeout", 504)
        if fault is not None and fault.mode != "slow":
            return _fault_response(fault.mode, path)
        body: Any = None
        if raw.strip():
            try:
                body = msgspec.json.decode(raw)
            except msgspec.DecodeError:
                return json_response(error_body(path, "bad request data"), 400)
        call = Call(inst, method, path, body, dict(request.query_params), extra)
        response = await handler(call)
        if fault is not None:  # slow: the call took effect; only the answer is late
            await _sleep_unless_disconnected(request, fault.delay if fault.delay > 0 else 5.0)
        return response

    # ------------------------------------------------------------------ sending

    def _state_error(self, call: Call) -> Response[bytes] | None:
        if call.inst.state == "starting":
            return json_response(error_body(call.path, "instance in starting process try later"), 400)
        if call.inst.state == "notAuthorized":
            return json_response(error_body(call.path, "instance account not authorized"), 400)
        return None

    async def send_message(self, call: Call) -> Response[bytes]:
        body = call.body
        if not isinstance(body, dict):
            return validation_error(call.path, "'chatId' is required")
        problem = _check_chat(body) or _check_string(body, "message", required=True)
        if problem is None and len(body["message"]) > MAX_MESSAGE_LENGTH:
            problem = f"'message' length must be less than or equal to {MAX_MESSAGE_LENGTH} characters long"
        problem = problem or _check_string(body, "quotedMessageId", required=False)
        if problem is None and "linkPreview" in body and not isinstance(body["linkPreview"], bool):
            problem = "'linkPreview' must be a boolean"
        if problem is not None:
            return validation_error(call.path, problem)
        if (state_error := self._state_error(call)) is not None:
            return state_error
        text = body["message"]
        extended = body.get("linkPreview", True) is not False and LINK_RE.search(text) is not None
        rec = OutgoingRecord(
            id_message=new_outgoing_id(),
            chat_id=self.sim.reported_chat(body["chatId"]),
            type_message="extendedTextMessage" if extended else "textMessage",
            text=text,
            send_by_api=True,
            queue_type="sendMessage",
            body=body,
            quoted_message_id=body.get("quotedMessageId") or None,
        )
        self.engine.accept(call.inst, rec)
        return json_response({"idMessage": rec.id_message})

    async def send_file_by_url(self, call: Call) -> Response[bytes]:
        body = call.body
        if not isinstance(body, dict):
            return validation_error(call.path, "'chatId' is required")
        problem = (
            _check_chat(body)
            or _check_string(body, "urlFile", required=True)
            or _check_string(body, "fileName", required=True)
            or _check_string(body, "caption", required=False)
            or _check_string(body, "quotedMessageId", required=False)
        )
        if problem is None and not FILE_NAME_RE.search(body["fileName"]):
            problem = "'fileName' must have an extension"
        if problem is None and len(body.get("caption") or "") > MAX_MESSAGE_LENGTH:
            problem = f"'caption' length must be less than or equal to {MAX_MESSAGE_LENGTH} characters long"
        if problem is not None:
            return validation_error(call.path, problem)
        if (state_error := self._state_error(call)) is not None:
            return state_error
        file_name = body["fileName"]
        caption = body.get("caption") or ""
        rec = OutgoingRecord(
            id_message=new_outgoing_id(),
            chat_id=self.sim.reported_chat(body["chatId"]),
            type_message=file_type_for(file_name),
            text=caption or None,
            send_by_api=True,
            queue_type="sendFileByUrl",
            body=body,
            file={
                "downloadUrl": body["urlFile"],
                "caption": caption,
                "fileName": file_name,
                "mimeType": mime_for(file_name),
            },
            quoted_message_id=body.get("quotedMessageId") or None,
        )
        self.engine.accept(call.inst, rec)
        return json_response({"idMessage": rec.id_message})

    # ------------------------------------------------------------------ journals

    def _since(self, call: Call) -> int | Response[bytes]:
        raw = call.query.get("minutes", "1440")
        if not raw.isdigit():
            return validation_error(call.path, "'minutes' must be a positive integer")
        return int(time.time()) - int(raw) * 60

    async def last_outgoing(self, call: Call) -> Response[bytes]:
        since = self._since(call)
        if isinstance(since, Response):
            return since
        records = sorted((r for r in call.inst.outgoing if r.timestamp >= since), key=lambda r: -r.seq)
        return json_response([outgoing_journal_entry(r) for r in records])

    async def last_incoming(self, call: Call) -> Response[bytes]:
        since = self._since(call)
        if isinstance(since, Response):
            return since
        records = sorted((r for r in call.inst.incoming if r.timestamp >= since), key=lambda r: -r.seq)
        return json_response([incoming_journal_entry(r) for r in records])

    # ------------------------------------------------------------------ account

    async def get_state(self, call: Call) -> Response[bytes]:
        return json_response({"stateInstance": call.inst.state})

    async def get_settings(self, call: Call) -> Response[bytes]:
        return json_response(dict(call.inst.settings))

    async def set_settings(self, call: Call) -> Response[bytes]:
        body = call.body
        if not isinstance(body, dict):
            return validation_error(call.path, "the body must be an object with at least one setting")
        changes: dict[str, Any] = {}
        for key, value in body.items():
            if key in READ_ONLY_SETTINGS:
                continue
            problem = self._check_setting(key, value)
            if problem is not None:
                return validation_error(call.path, problem)
            changes[key] = value
        if not changes:
            return validation_error(call.path, "at least one setting is required")
        inst = call.inst
        inst.settings_calls.append({"at": now_ts(), "settings": dict(changes)})
        delay = self.sim.config.settings_apply_delay

        def apply() -> None:
            inst.settings.update(changes)
            inst.wake()

        if delay > 0:
            asyncio.get_running_loop().call_later(delay, apply)
        else:
            apply()
        return json_response({"saveSettings": True})

    def _check_setting(self, key: str, value: Any) -> str | None:
        if key in ("webhookUrl", "webhookUrlToken"):
            if not isinstance(value, str):
                return f"'{key}' must be a string"
            if key == "webhookUrl" and value and not value.startswith(("http://", "https://")):
                return "'webhookUrl' must be a valid uri"
            return None
        if key == "delaySendMessagesMilliseconds":
            low = self.sim.config.min_send_delay_ms
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_SEND_DELAY_MS:
                return f"'{key}' must be an integer between {low} and {MAX_SEND_DELAY_MS}"
            return None
        if key in SWITCH_SETTINGS:
            return None if value in ("yes", "no") else f"'{key}' must be one of [yes, no]"
        return f"'{key}' is not allowed"

    async def reboot(self, call: Call) -> Response[bytes]:
        return json_response({"isReboot": True})

    async def logout(self, call: Call) -> Response[bytes]:
        call.inst.state = "notAuthorized"
        self.engine.emit_state(call.inst)
        return json_response({"isLogout": True})

    # ------------------------------------------------------------------ queue and marks

    async def show_queue(self, call: Call) -> Response[bytes]:
        items = [
            {"messageID": r.id_message, "type": r.queue_type, "body": r.body}
            for r in list(call.inst.send_queue)[:SHOW_QUEUE_LIMIT]
        ]
        return json_response(items)

    async def clear_queue(self, call: Call) -> Response[bytes]:
        dropped = {r.id_message for r in call.inst.send_queue}
        call.inst.send_queue.clear()
        call.inst.outgoing[:] = [r for r in call.inst.outgoing if r.id_message not in dropped]
        return json_response({"isCleared": True})

    async def read_chat(self, call: Call) -> Response[bytes]:
        body = call.body
        if not isinstance(body, dict):
            return validation_error(call.path, "'chatId' is required")
        problem = _check_chat(body) or _check_string(body, "idMessage", required=False)
        if problem is not None:
            return validation_error(call.path, problem)
        chat_ids = self.sim.chat_ids_of(body["chatId"])
        for rec in call.inst.incoming:
            if rec.chat_id in chat_ids and body.get("idMessage") in (None, "", rec.id_message):
                rec.read = True
        return json_response({"setRead": True})

    # ------------------------------------------------------------------ contacts (docs/external-apis.md §A9)

    async def check_whatsapp(self, call: Call) -> Response[bytes]:
        """Whether a number has WhatsApp, and the chat id to write to: the lid once it has one."""
        body = call.body
        number = body.get("phoneNumber") if isinstance(body, dict) else None
        if isinstance(number, bool) or not isinstance(number, int):
            return validation_error(call.path, "'phoneNumber' must be a number")
        digits = str(number)
        if not MIN_PHONE_DIGITS <= len(digits) <= MAX_PHONE_DIGITS:
            detail = f"bad phone number, valid {MIN_PHONE_DIGITS} to {MAX_PHONE_DIGITS} digits"
            return json_response(error_body(call.path, detail), 400)
        if (state_error := self._state_error(call)) is not None:
            return state_error
        chat_id = f"{digits}@c.us"
        if self.sim.bad_status(chat_id) == "noAccount":
            return json_response({"existsWhatsapp": False})
        return json_response({"existsWhatsapp": True, "chatId": self.sim.reported_chat(chat_id)})

    async def get_contact_info(self, call: Call) -> Response[bytes]:
        """The documented fields; like the real service, no phone number (docs/external-apis.md §A9)."""
        body = call.body
        if not isinstance(body, dict):
            return validation_error(call.path, "'chatId' is required")
        problem = _check_chat(body)
        if problem is None and body["chatId"].endswith("@g.us"):
            problem = (
                "The method GetContactInfo does not support group chats, to work with groups, "
                "use the GetGroupData method"
            )
        if problem is not None:
            return validation_error(call.path, problem)
        chat_ids = self.sim.chat_ids_of(body["chatId"])
        written = (r for r in reversed(call.inst.incoming) if r.chat_id in chat_ids and r.sender_name)
        name = next((r.sender_name for r in written), "")
        return json_response(
            {
                "avatar": "",
                "name": name,
                "contactName": "",
                "email": "",
                "category": "",
                "description": "",
                "products": [],
                "chatId": body["chatId"],
                "lastSeen": None,
                "isArchive": False,
                "isDisappearing": False,
                "isMute": False,
                "messageExpiration": 0,
                "muteExpiration": None,
                "isBusiness": False,
            }
        )

    # ------------------------------------------------------------------ polling (docs/external-apis.md §A7)

    async def receive_notification(self, call: Call) -> Response[bytes]:
        inst = call.inst
        if inst.settings.get("webhookUrl"):
            return validation_error(call.path, "receiveNotification works only when 'webhookUrl' is empty")
        raw = call.query.get("receiveTimeout", "5")
        try:
            timeout = float(raw)
        except ValueError:
            return validation_error(call.path, "'receiveTimeout' must be a number")
        if not 0 <= timeout <= 60:
            return validation_error(call.path, "'receiveTimeout' must be between 0 and 60")
        ttl = self.sim.config.webhook_ttl

        def ready() -> bool:
            while inst.notifications and time.monotonic() - inst.notifications[0].created > ttl:
                inst.notifications.popleft()
            return bool(inst.notifications)

        if not await inst.wait_until(ready, timeout):
            return json_response(None)
        note = inst.notifications[0]
        return json_response({"receiptId": note.receipt_id, "body": note.body})

    async def delete_notification(self, call: Call) -> Response[bytes]:
        if call.extra is None or not call.extra.isdigit():
            return validation_error(call.path, "'receiptId' must be an integer")
        receipt = int(call.extra)
        inst = call.inst
        for note in list(inst.notifications):
            if note.receipt_id == receipt:
                inst.notifications.remove(note)
                inst.wake()
                return json_response({"result": True})
        return json_response({"result": False})


def _check_chat(body: dict[str, Any]) -> str | None:
    problem = _check_string(body, "chatId", required=True)
    if problem is None and not CHAT_ID_RE.match(body["chatId"]):
        return "'chatId' must be like 79001234567@c.us, 123456789012345@lid or 79001234567-1581234048@g.us"
    return problem


def _check_string(body: dict[str, Any], key: str, *, required: bool) -> str | None:
    if key not in body or body[key] is None:
        return f"'{key}' is required" if required else None
    if not isinstance(body[key], str):
        return f"'{key}' must be a string"
    if required and not body[key]:
        return f"'{key}' is not allowed to be empty"
    return None


def _fault_response(mode: str, path: str) -> Response[bytes]:
    if mode == "429":
        return text_response("Too Many Requests", 429)
    if mode == "466":
        return json_response(QUOTA_466_BODY, 466)
    if mode == "starting":
        return json_response(error_body(path, "instance in starting process try later"), 400)
    if mode == "not_authorized":
        return json_response(error_body(path, "instance account not authorized"), 400)
    texts = {"500": "Internal Server Error", "502": "Bad Gateway", "503": "Service Unavailable"}
    return text_response(texts.get(mode, "Internal Server Error"), int(mode) if mode in texts else 500)


async def _wait_disconnect(request: Request[Any, Any, Any]) -> None:
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


async def _sleep_unless_disconnected(request: Request[Any, Any, Any], seconds: float) -> None:
    """Sleep, but stop as soon as the client hangs up (so a held request never blocks shutdown)."""
    watcher = asyncio.create_task(_wait_disconnect(request))
    try:
        await asyncio.wait({watcher}, timeout=seconds)
    finally:
        watcher.cancel()

"""The simulator's own control API under ``/sim/``: instances, guest messages, faults, inspection."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, delete, get, post
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED

from . import payloads
from .config import SimInstance
from .engine import Engine
from .methods import CHAT_ID_RE, json_response
from .state import (
    Contact,
    Fault,
    IncomingRecord,
    Instance,
    OutgoingRecord,
    SimState,
    new_incoming_id,
    new_outgoing_id,
)

FAULT_MODES = ("429", "466", "500", "502", "503", "starting", "not_authorized", "slow", "timeout")
STATES = ("authorized", "notAuthorized", "blocked", "sleepMode", "starting", "yellowCard")
BAD_STATUSES = ("noAccount", "failed")


class ControlError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _sim(request: Request[Any, Any, Any]) -> tuple[SimState, Engine]:
    return request.app.state.sim, request.app.state.engine


def _int(data: dict[str, Any], key: str, default: int | None = None) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ControlError(f"'{key}' must be an integer")
    return value


def _str(data: dict[str, Any], key: str, default: str | None = None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise ControlError(f"'{key}' must be a string")
    return value


def _instance(sim: SimState, id_instance: int) -> Instance:
    inst = sim.instances.get(id_instance)
    if inst is None:
        raise ControlError(f"unknown instance {id_instance}", 404)
    return inst


def _chat_id(data: dict[str, Any]) -> str:
    chat_id = _str(data, "chatId")
    if not CHAT_ID_RE.match(chat_id):
        raise ControlError("'chatId' must be like 491701234567@c.us or 104236588716712@lid")
    return chat_id


def _digits(data: dict[str, Any], key: str, suffix: str) -> str:
    """A number or lid given as digits, with or without its ``@c.us`` / ``@lid`` suffix."""
    value = _str(data, key).removesuffix(suffix)
    if not value.isdigit() or not 5 <= len(value) <= 20:
        raise ControlError(f"'{key}' must be digits, like 491701234567 or 491701234567{suffix}")
    return value


def _sender_phone(sim: SimState, data: dict[str, Any], chat_id: str) -> str | None:
    """The number to put in ``senderPhoneNumber`` when the request asks for it (docs/external-apis.md §A9)."""
    wanted = data.get("withSenderPhoneNumber", False)
    if not isinstance(wanted, bool):
        raise ControlError("'withSenderPhoneNumber' must be a boolean")
    if not wanted:
        return None
    if chat_id.endswith("@c.us"):
        return chat_id.removesuffix("@c.us")
    contact = sim.contact_of(chat_id)
    if contact is None:
        raise ControlError(f"no number is known for {chat_id}: register it with POST /sim/contacts")
    return contact.phone


def control_error_handler(_: Request[Any, Any, Any], exc: ControlError) -> Response[bytes]:
    return json_response({"error": exc.message}, exc.status)


@post("/sim/instances", status_code=HTTP_201_CREATED)
async def create_instance(request: Request[Any, Any, Any], data: dict[str, Any]) -> dict[str, Any]:
    """Create or replace an instance (its queues and journals start empty)."""
    sim, engine = _sim(request)
    spec = SimInstance(
        id_instance=_int(data, "idInstance"),
        api_token=_str(data, "apiTokenInstance"),
        webhook_url=_str(data, "webhookUrl", ""),
        webhook_token=_str(data, "webhookUrlToken", ""),
        wid=_str(data, "wid", ""),
    )
    inst = sim.make_instance(spec)
    engine.install(inst)
    return inst.public_view()


@get("/sim/instances")
async def list_instances(request: Request[Any, Any, Any]) -> list[dict[str, Any]]:
    sim, _ = _sim(request)
    return [inst.public_view() for inst in sorted(sim.instances.values(), key=lambda i: i.id_instance)]


@delete("/sim/instances/{id_instance:int}", status_code=HTTP_200_OK)
async def delete_instance(request: Request[Any, Any, Any], id_instance: int) -> dict[str, Any]:
    _, engine = _sim(request)
    if not await engine.remove(id_instance):
        raise ControlError(f"unknown instance {id_instance}", 404)
    return {"deleted": id_instance}


@post("/sim/incoming", status_code=HTTP_202_ACCEPTED)
async def incoming(request: Request[Any, Any, Any], data: dict[str, Any]) -> dict[str, Any]:
    """A guest writes to the hotel: ``incomingMessageReceived`` with the real delivery rules."""
    sim, engine = _sim(request)
    inst = _instance(sim, _int(data, "idInstance"))
    chat_id = _chat_id(data)
    sender_name = _str(data, "senderName", "") or chat_id.split("@", 1)[0]
    try:
        message_data, text = payloads.build_message_data(data, chat_id, inst.wid)
    except payloads.PayloadError as exc:
        raise ControlError(str(exc)) from exc
    rec = IncomingRecord(
        id_message=_str(data, "idMessage", "") or new_incoming_id(),
        chat_id=chat_id,
        sender_name=sender_name,
        message_data=message_data,
        text=text,
        sender_phone=_sender_phone(sim, data, chat_id) if not chat_id.endswith("@g.us") else None,
    )
    engine.record_incoming(inst, rec)
    return {"idMessage": rec.id_message}


@post("/sim/contacts", status_code=HTTP_201_CREATED)
async def add_contact(request: Request[Any, Any, Any], data: dict[str, Any]) -> dict[str, Any]:
    """A person WhatsApp knows by a number and a lid. Whatever id the hotel writes to, the journals,
    echoes and statuses name them by the lid; ``checkWhatsapp`` answers the lid
    (docs/external-apis.md §A9)."""
    sim, _ = _sim(request)
    contact = sim.add_contact(_digits(data, "phone", "@c.us"), _digits(data, "lid", "@lid"))
    return _contact_view(contact)


@get("/sim/contacts")
async def list_contacts(request: Request[Any, Any, Any]) -> list[dict[str, Any]]:
    sim, _ = _sim(request)
    unique = {id(c): c for c in sim.contacts.values()}
    return [_contact_view(c) for c in unique.values()]


def _contact_view(contact: Contact) -> dict[str, Any]:
    return {"phone": contact.phone, "lid": contact.lid, "chatIds": [contact.phone_chat, contact.lid_chat]}


@post("/sim/outgoing-from-phone", status_code=HTTP_202_ACCEPTED)
async def outgoing_from_phone(request: Request[Any, Any, Any], data: dict[str, Any]) -> dict[str, Any]:
    """A staff member types on the hotel's phone: ``outgoingMessageReceived``, then statuses."""
    sim, engine = _sim(request)
    inst = _instance(sim, _int(data, "idInstance"))
    chat_id = _chat_id(data)
    try:
        message_data, text = payloads.build_message_data(data, chat_id, inst.wid)
    except payloads.PayloadError as exc:
        raise ControlError(str(exc)) from exc
    file_data = message_data.get("fileMessageData")
    rec = OutgoingRecord(
        id_message=new_outgoing_id(),
        chat_id=sim.reported_chat(chat_id),
        type_message=str(message_data["typeMessage"]),
        text=text,
        send_by_api=False,
        queue_type="phone",
        body=dict(data),
        status="sent",
        file=dict(file_data) if isinstance(file_data, dict) else None,
    )
    engine.record_from_phone(inst, rec, _str(data, "senderName", "") or inst.wid.split("@", 1)[0])
    return {"idMessage": rec.id_message}


@post("/sim/state", status_code=HTTP_200_OK)
async def set_state(request: Request[Any, Any, Any], data: dict[str, Any]) -> dict[str, Any]:
    sim, engine = _sim(request)
    inst = _instance(sim, _int(data, "idInstance"))
    state = _str(data, "stateInstance")
    if state not in STATES:
        raise ControlError(f"'stateInstance' must be one of {', '.join(STATES)}")
    inst.state = state
    inst.wake()
    engine.emit_state(inst)
    return {"stateInstance": state}


@get("/sim/chats/{id_instance:int}/{chat_id:str}")
async def chat(request: Request[Any, Any, Any], id_instance: int, chat_id: str) -> dict[str, Any]:
    """The whole chat, incoming and outgoing, oldest first (the guest phone polls this). A contact's
    chat holds what went either way under both of their ids."""
    sim, _ = _sim(request)
    inst = _instance(sim, id_instance)
    chat_ids = sim.chat_ids_of(chat_id)
    entries = [payloads.chat_entry_incoming(r) for r in inst.incoming if r.chat_id in chat_ids]
    entries += [payloads.chat_entry_outgoing(r) for r in inst.outgoing if r.chat_id in chat_ids]
    entries.sort(key=lambda e: e["seq"])
    return {"idInstance": id_instance, "chatId": chat_id, "messages": entries}


@post("/sim/faults", status_code=HTTP_201_CREATED)
async def add_fault(request: Request[Any, Any, Any], data: dict[str, Any]) -> dict[str, Any]:
    """Make calls fail: ``mode`` for the next ``count`` calls (-1: until cleared) of ``method``.

    ``idInstance`` and ``method`` are optional (absent: every instance / every method).
    Modes: ``429``, ``466`` (quota body), ``500``/``502``/``503``, ``starting`` and
    ``not_authorized`` (the real 400 texts); ``slow`` performs the call (a ``sendMessage`` is
    accepted into the queue and journal) and only then holds the answer ``delay`` seconds
    (default 5); ``timeout`` performs nothing and holds the request ``delay`` seconds (default
    1 h) or until the client hangs up, then answers 504.
    """
    sim, _ = _sim(request)
    mode = _str(data, "mode")
    if mode not in FAULT_MODES:
        raise ControlError(f"'mode' must be one of {', '.join(FAULT_MODES)}")
    id_instance = _int(data, "idInstance") if data.get("idInstance") is not None else None
    method = _str(data, "method") if data.get("method") is not None else None
    count = _int(data, "count", 1)
    if count == 0 or count < -1:
        raise ControlError("'count' must be a positive integer or -1")
    delay = data.get("delay", 0)
    if isinstance(delay, bool) or not isinstance(delay, int | float) or delay < 0:
        raise ControlError("'delay' must be a non-negative number of seconds")
    sim.faults[(id_instance, method)] = Fault(mode=mode, count=count, delay=float(delay))
    return _faults_view(sim)


@get("/sim/faults")
async def list_faults(request: Request[Any, Any, Any]) -> dict[str, Any]:
    sim, _ = _sim(request)
    return _faults_view(sim)


@delete("/sim/faults", status_code=HTTP_200_OK)
async def clear_faults(request: Request[Any, Any, Any]) -> dict[str, Any]:
    sim, _ = _sim(request)
    sim.faults.clear()
    return _faults_view(sim)


def _faults_view(sim: SimState) -> dict[str, Any]:
    return {
        "faults": [
            {"idInstance": key[0], "method": key[1], "mode": f.mode, "count": f.count, "delay": f.delay}
            for key, f in sim.faults.items()
        ]
    }


@post("/sim/duplicates", status_code=HTTP_200_OK)
async def duplicates(request: Request[Any, Any, Any], data: dict[str, Any]) -> dict[str, Any]:
    """Deliver each of the next ``count`` notifications ``times`` times (default twice)."""
    sim, _ = _sim(request)
    inst = _instance(sim, _int(data, "idInstance"))
    count = _int(data, "count", 1)
    times = _int(data, "times", 2)
    if count < 0 or times < 1:
        raise ControlError("'count' must be >= 0 and 'times' >= 1")
    inst.duplicate_count = count
    inst.duplicate_times = times
    return {"idInstance": inst.id_instance, "count": count, "times": times}


@post("/sim/bad-numbers", status_code=HTTP_200_OK)
async def bad_numbers(request: Request[Any, Any, Any], data: dict[str, Any]) -> dict[str, Any]:
    """Chat ids whose messages end ``noAccount`` (default) or ``failed``; ``000…`` always do."""
    sim, _ = _sim(request)
    chat_ids = data.get("chatIds")
    if not isinstance(chat_ids, list) or not all(isinstance(c, str) for c in chat_ids):
        raise ControlError("'chatIds' must be a list of strings")
    status = _str(data, "status", "noAccount")
    if status not in BAD_STATUSES:
        raise ControlError("'status' must be noAccount or failed")
    for chat_id in chat_ids:
        sim.bad_numbers[chat_id] = status
    return {"badNumbers": sim.bad_numbers}


@delete("/sim/bad-numbers", status_code=HTTP_200_OK)
async def clear_bad_numbers(request: Request[Any, Any, Any]) -> dict[str, Any]:
    sim, _ = _sim(request)
    sim.bad_numbers.clear()
    return {"badNumbers": sim.bad_numbers}


@post("/sim/rate-limits", status_code=HTTP_200_OK)
async def rate_limits(request: Request[Any, Any, Any], data: dict[str, Any]) -> dict[str, Any]:
    sim, _ = _sim(request)
    enabled = data.get("enabled")
    if not isinstance(enabled, bool):
        raise ControlError("'enabled' must be a boolean")
    sim.rate_limits = enabled
    return {"enabled": enabled}


@get("/sim/deliveries")
async def deliveries(
    request: Request[Any, Any, Any], id_instance: Annotated[int, Parameter(query="idInstance")] = 0
) -> list[dict[str, Any]]:
    """Every webhook delivery attempt: typeWebhook, idMessage, status, httpStatus or error."""
    sim, _ = _sim(request)
    if id_instance:
        return list(_instance(sim, id_instance).deliveries)
    return [d | {"idInstance": i.id_instance} for i in sim.instances.values() for d in i.deliveries]


@get("/sim/notifications")
async def notifications(
    request: Request[Any, Any, Any], id_instance: Annotated[int, Parameter(query="idInstance")]
) -> list[dict[str, Any]]:
    """Notifications still waiting in the instance's queue (oldest first)."""
    sim, _ = _sim(request)
    inst = _instance(sim, id_instance)
    return [{"receiptId": n.receipt_id, "body": n.body, "delivered": n.delivered} for n in inst.notifications]


@get("/sim/settings/{id_instance:int}")
async def settings(request: Request[Any, Any, Any], id_instance: int) -> dict[str, Any]:
    """The instance's settings now (as ``getSettings`` answers), and every ``setSettings`` it was
    given, oldest first: ``{"at": unix seconds, "settings": {...}}``."""
    sim, _ = _sim(request)
    inst = _instance(sim, id_instance)
    return {"settings": dict(inst.settings), "calls": list(inst.settings_calls)}


@post("/sim/reset", status_code=HTTP_200_OK)
async def reset(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """Forget all traffic, faults, bad numbers and contacts; keep the instances and their settings."""
    sim, _ = _sim(request)
    for inst in sim.instances.values():
        inst.clear_traffic()
    sim.faults.clear()
    sim.bad_numbers.clear()
    sim.contacts.clear()
    sim.rate_limits = sim.config.rate_limits
    return {"reset": True}


CONTROL_HANDLERS = [
    create_instance,
    list_instances,
    delete_instance,
    incoming,
    add_contact,
    list_contacts,
    outgoing_from_phone,
    set_state,
    chat,
    add_fault,
    list_faults,
    clear_faults,
    duplicates,
    bad_numbers,
    clear_bad_numbers,
    rate_limits,
    deliveries,
    notifications,
    settings,
    reset,
]

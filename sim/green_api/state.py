"""In-memory state of the simulator: instances, their queues and journals, faults."""

from __future__ import annotations

import asyncio
import itertools
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .config import RATE_LIMITS, SimConfig, SimInstance, default_settings, default_wid

_seq = itertools.count(1)


def next_seq() -> int:
    return next(_seq)


def new_outgoing_id() -> str:
    """An outgoing ``idMessage``: 20 uppercase hex characters, like ``3EB0C767D097B7C7C030``."""
    return secrets.token_hex(10).upper()


def new_incoming_id() -> str:
    """An incoming ``idMessage``: 32 uppercase hex characters (another length seen in the wild)."""
    return secrets.token_hex(16).upper()


def now_ts() -> int:
    return int(time.time())


@dataclass
class OutgoingRecord:
    """A message the hotel sent: through the API (queued first) or typed on the phone."""

    id_message: str
    chat_id: str
    type_message: str
    text: str | None
    send_by_api: bool
    queue_type: str
    body: dict[str, Any]
    status: str = "pending"
    timestamp: int = field(default_factory=now_ts)
    seq: int = field(default_factory=next_seq)
    file: dict[str, Any] | None = None
    quoted_message_id: str | None = None
    description: str | None = None


@dataclass
class IncomingRecord:
    """A message a guest sent to the hotel."""

    id_message: str
    chat_id: str
    sender_name: str
    message_data: dict[str, Any]
    text: str | None
    timestamp: int = field(default_factory=now_ts)
    seq: int = field(default_factory=next_seq)
    read: bool = False
    sender_phone: str | None = None  # digits, sent as ``senderPhoneNumber`` (docs/external-apis.md §A9)

    @property
    def type_message(self) -> str:
        return str(self.message_data.get("typeMessage", ""))


@dataclass
class Notification:
    """One entry of the instance's notification queue (webhook push or polling)."""

    receipt_id: int
    body: dict[str, Any]
    created: float = field(default_factory=time.monotonic)
    copies: int | None = None  # decided at the first push attempt (duplicate fault)
    delivered: int = 0


@dataclass(frozen=True)
class Contact:
    """A person WhatsApp knows by two ids: their number (``…@c.us``) and their lid (``…@lid``)."""

    phone: str  # digits only
    lid: str  # digits only

    @property
    def phone_chat(self) -> str:
        return f"{self.phone}@c.us"

    @property
    def lid_chat(self) -> str:
        return f"{self.lid}@lid"


@dataclass
class Fault:
    mode: str
    count: int  # -1: until cleared
    delay: float


@dataclass
class Instance:
    id_instance: int
    api_token: str
    wid: str
    settings: dict[str, Any]
    state: str = "authorized"
    send_queue: deque[OutgoingRecord] = field(default_factory=deque)
    outgoing: list[OutgoingRecord] = field(default_factory=list)
    incoming: list[IncomingRecord] = field(default_factory=list)
    notifications: deque[Notification] = field(default_factory=deque)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    next_receipt: int = 1
    duplicate_count: int = 0
    duplicate_times: int = 2
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    workers: list[asyncio.Task[None]] = field(default_factory=list)
    status_tasks: set[asyncio.Task[None]] = field(default_factory=set)
    calls: dict[str, deque[float]] = field(default_factory=dict)
    # Every setSettings the instance accepted, as given (read-only fields dropped), oldest first.
    settings_calls: list[dict[str, Any]] = field(default_factory=list)

    def wake(self) -> None:
        self.changed.set()

    async def wait_until(self, condition: Callable[[], bool], within: float | None = None) -> bool:
        """Wait until ``condition()`` holds (re-checked on every change); False on timeout."""
        loop = asyncio.get_running_loop()
        deadline = None if within is None else loop.time() + within
        while True:
            self.changed.clear()
            if condition():
                return True
            if deadline is None:
                await self.changed.wait()
                continue
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            try:
                await asyncio.wait_for(self.changed.wait(), remaining)
            except TimeoutError:
                return condition()

    def add_notification(self, body: dict[str, Any]) -> Notification:
        note = Notification(receipt_id=self.next_receipt, body=body)
        self.next_receipt += 1
        self.notifications.append(note)
        self.wake()
        return note

    def find_outgoing(self, id_message: str) -> OutgoingRecord | None:
        return next((rec for rec in self.outgoing if rec.id_message == id_message), None)

    def clear_traffic(self) -> None:
        for task in self.status_tasks:
            task.cancel()
        self.status_tasks.clear()
        self.send_queue.clear()
        self.outgoing.clear()
        self.incoming.clear()
        self.notifications.clear()
        self.deliveries.clear()
        self.calls.clear()
        self.duplicate_count = 0
        self.state = "authorized"
        self.wake()

    def over_rate_limit(self, method: str) -> bool:
        limit = RATE_LIMITS.get(method)
        if limit is None:
            return False
        now = time.monotonic()
        window = self.calls.setdefault(method, deque())
        while window and now - window[0] >= 1.0:
            window.popleft()
        if len(window) >= limit:
            return True
        window.append(now)
        return False

    def public_view(self) -> dict[str, Any]:
        return {
            "idInstance": self.id_instance,
            "apiTokenInstance": self.api_token,
            "wid": self.wid,
            "stateInstance": self.state,
            "webhookUrl": self.settings["webhookUrl"],
            "webhookUrlToken": self.settings["webhookUrlToken"],
            "sendQueueLength": len(self.send_queue),
            "notificationQueueLength": len(self.notifications),
        }


class SimState:
    """Everything the simulator holds, shared by the API, the control routes and the workers."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.instances: dict[int, Instance] = {}
        self.faults: dict[tuple[int | None, str | None], Fault] = {}
        self.bad_numbers: dict[str, str] = {}
        self.rate_limits = config.rate_limits
        self.contacts: dict[str, Contact] = {}  # by both of each contact's chat ids

    def make_instance(self, spec: SimInstance) -> Instance:
        wid = spec.wid or default_wid(spec.id_instance)
        settings = default_settings(self.config, wid, spec.webhook_url, spec.webhook_token)
        return Instance(id_instance=spec.id_instance, api_token=spec.api_token, wid=wid, settings=settings)

    def take_fault(self, id_instance: int, method: str) -> Fault | None:
        """The fault that applies to this call, counting it down."""
        for key in ((id_instance, method), (id_instance, None), (None, method), (None, None)):
            fault = self.faults.get(key)
            if fault is None:
                continue
            if fault.count > 0:
                fault.count -= 1
                if fault.count == 0:
                    del self.faults[key]
            return fault
        return None

    def bad_status(self, chat_id: str) -> str | None:
        """``noAccount``/``failed`` for numbers configured as bad, or any chat id starting ``000``."""
        for known in self.chat_ids_of(chat_id):
            if known in self.bad_numbers:
                return self.bad_numbers[known]
        if chat_id.startswith("000"):
            return "noAccount"
        return None

    # ------------------------------------------------ @lid contacts (docs/external-apis.md §A9)

    def add_contact(self, phone: str, lid: str) -> Contact:
        contact = Contact(phone, lid)
        for chat_id in (contact.phone_chat, contact.lid_chat):
            old = self.contacts.pop(chat_id, None)
            if old is not None:  # a number or lid registered again replaces the old pairing whole
                self.contacts.pop(old.phone_chat, None)
                self.contacts.pop(old.lid_chat, None)
        self.contacts[contact.phone_chat] = self.contacts[contact.lid_chat] = contact
        return contact

    def contact_of(self, chat_id: str) -> Contact | None:
        return self.contacts.get(chat_id)

    def chat_ids_of(self, chat_id: str) -> tuple[str, ...]:
        """Every id the person behind ``chat_id`` goes by (just ``chat_id`` for most chats)."""
        contact = self.contacts.get(chat_id)
        return (contact.phone_chat, contact.lid_chat) if contact else (chat_id,)

    def reported_chat(self, chat_id: str) -> str:
        """How the journals and webhooks name a chat the hotel writes to: by the lid, whatever id the
        message was sent to (green-api/issues #1018, #982: sent to ``…@c.us``, shown as ``…@lid``)."""
        contact = self.contacts.get(chat_id)
        return contact.lid_chat if contact else chat_id

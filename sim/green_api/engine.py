"""What happens after a call: the send queue, status progression, and the webhook pusher
(docs/external-apis.md §A8)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import httpx

from . import payloads
from .state import IncomingRecord, Instance, Notification, OutgoingRecord, SimState

ALWAYS_SENT_STATUSES = ("failed", "noAccount")
_STATUS_DESCRIPTIONS = {
    "noAccount": "the recipient has no WhatsApp account",
    "failed": "message sending failed",
}


class Engine:
    """Per-instance background workers, all on the server's event loop."""

    def __init__(self, sim: SimState) -> None:
        self.sim = sim
        self._client: httpx.AsyncClient | None = None

    async def start(self) -> None:
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(self.sim.config.webhook_timeout))
        for spec in self.sim.config.instances:
            self.install(self.sim.make_instance(spec))

    async def stop(self) -> None:
        for inst in self.sim.instances.values():
            await self._stop_instance(inst)
        if self._client is not None:
            await self._client.aclose()

    def install(self, inst: Instance) -> None:
        """Add (or replace) an instance and start its send-queue and webhook workers."""
        old = self.sim.instances.get(inst.id_instance)
        if old is not None:
            for task in (*old.workers, *old.status_tasks):
                task.cancel()
        self.sim.instances[inst.id_instance] = inst
        inst.workers = [
            asyncio.create_task(self._drain_send_queue(inst), name=f"green-sim-send-{inst.id_instance}"),
            asyncio.create_task(self._push_webhooks(inst), name=f"green-sim-push-{inst.id_instance}"),
        ]

    async def remove(self, id_instance: int) -> bool:
        inst = self.sim.instances.pop(id_instance, None)
        if inst is None:
            return False
        await self._stop_instance(inst)
        return True

    async def _stop_instance(self, inst: Instance) -> None:
        tasks = [*inst.workers, *inst.status_tasks]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    # ---------------------------------------------------------------- notifications

    def emit(self, inst: Instance, body: dict[str, Any], switch: str | None) -> None:
        """Queue a notification if its settings switch is on (``None``: always)."""
        if switch is None or inst.settings.get(switch) == "yes":
            inst.add_notification(body)

    def emit_state(self, inst: Instance) -> None:
        self.emit(inst, payloads.state_webhook(inst), "stateWebhook")

    def record_incoming(self, inst: Instance, rec: IncomingRecord) -> None:
        inst.incoming.append(rec)
        body = payloads.message_webhook(
            inst,
            "incomingMessageReceived",
            id_message=rec.id_message,
            chat_id=rec.chat_id,
            chat_name=rec.sender_name,
            sender=rec.chat_id,
            sender_name=rec.sender_name,
            data=rec.message_data,
            sender_phone=rec.sender_phone,
        )
        self.emit(inst, body, "incomingWebhook")

    # ---------------------------------------------------------------- outgoing messages

    def accept(self, inst: Instance, rec: OutgoingRecord) -> None:
        """A send method accepted a message: journal it as pending and queue it."""
        inst.outgoing.append(rec)
        inst.send_queue.append(rec)
        inst.wake()

    def record_from_phone(self, inst: Instance, rec: OutgoingRecord, sender_name: str) -> None:
        """A staff member typed on the hotel's phone: no queue, straight to the chat."""
        inst.outgoing.append(rec)
        body = payloads.message_webhook(
            inst,
            "outgoingMessageReceived",
            id_message=rec.id_message,
            chat_id=rec.chat_id,
            chat_name=payloads.chat_name(inst, self.sim.chat_ids_of(rec.chat_id)),
            sender=inst.wid,
            sender_name=sender_name,
            data=payloads.outgoing_message_data(rec),
        )
        self.emit(inst, body, "outgoingMessageWebhook")
        self._start_statuses(inst, rec)

    async def _drain_send_queue(self, inst: Instance) -> None:
        """Release one message per ``delaySendMessagesMilliseconds`` while the instance is authorised."""
        while True:
            await inst.wait_until(lambda: bool(inst.send_queue) and inst.state == "authorized")
            rec = inst.send_queue.popleft()
            body = payloads.message_webhook(
                inst,
                "outgoingAPIMessageReceived",
                id_message=rec.id_message,
                chat_id=rec.chat_id,
                chat_name=payloads.chat_name(inst, self.sim.chat_ids_of(rec.chat_id)),
                sender=inst.wid,
                sender_name=inst.wid.split("@", 1)[0],
                data=payloads.outgoing_message_data(rec),
            )
            self.emit(inst, body, "outgoingAPIMessageWebhook")
            self._start_statuses(inst, rec)
            delay_ms = int(inst.settings.get("delaySendMessagesMilliseconds", 0))
            if delay_ms > 0:
                await asyncio.sleep(delay_ms / 1000)

    def _start_statuses(self, inst: Instance, rec: OutgoingRecord) -> None:
        task = asyncio.create_task(self._progress(inst, rec))
        inst.status_tasks.add(task)
        task.add_done_callback(inst.status_tasks.discard)

    async def _progress(self, inst: Instance, rec: OutgoingRecord) -> None:
        to_sent, to_delivered, to_read = self.sim.config.status_delays
        await asyncio.sleep(to_sent)
        bad = self.sim.bad_status(rec.chat_id)
        if bad is not None:
            rec.status = "failed"
            rec.description = _STATUS_DESCRIPTIONS.get(bad, bad)
            self._status(inst, rec, bad)
            return
        self._status(inst, rec, "sent")
        if rec.chat_id == inst.wid:
            return  # messages to one's own number stay at one tick
        await asyncio.sleep(to_delivered)
        self._status(inst, rec, "delivered")
        await asyncio.sleep(to_read)
        self._status(inst, rec, "read")

    def _status(self, inst: Instance, rec: OutgoingRecord, status: str) -> None:
        if status not in ALWAYS_SENT_STATUSES:
            rec.status = status
        rec.timestamp = int(time.time())
        switch = None if status in ALWAYS_SENT_STATUSES else "outgoingWebhook"
        self.emit(inst, payloads.status_webhook(inst, rec, status), switch)

    # ---------------------------------------------------------------- webhook pusher

    async def _push_webhooks(self, inst: Instance) -> None:
        """FIFO delivery with head-of-line blocking: only HTTP 200 moves on to the next notification."""
        config = self.sim.config
        while True:
            await inst.wait_until(lambda: bool(inst.notifications) and bool(inst.settings.get("webhookUrl")))
            note = inst.notifications[0]
            if time.monotonic() - note.created > config.webhook_ttl:
                inst.notifications.popleft()
                self._log(inst, note, status=None, error="expired (ttl)")
                continue
            if note.copies is None:
                note.copies = 1
                if inst.duplicate_count > 0:
                    inst.duplicate_count -= 1
                    note.copies = max(1, inst.duplicate_times)
            status, error = await self._post(inst, note)
            self._log(inst, note, status=status, error=error)
            if status == 200:
                note.delivered += 1
                if note.delivered >= note.copies and inst.notifications and inst.notifications[0] is note:
                    inst.notifications.popleft()
                continue
            await asyncio.sleep(config.webhook_retry_pause)

    async def _post(self, inst: Instance, note: Notification) -> tuple[int | None, str | None]:
        assert self._client is not None
        url = str(inst.settings["webhookUrl"])
        token = str(inst.settings.get("webhookUrlToken") or "")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            response = await self._client.post(url, json=note.body, headers=headers)
        except httpx.TimeoutException:
            return None, "timeout"
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}"
        return response.status_code, None

    def _log(self, inst: Instance, note: Notification, status: int | None, error: str | None) -> None:
        body = note.body
        inst.deliveries.append(
            {
                "receiptId": note.receipt_id,
                "typeWebhook": body.get("typeWebhook"),
                "idMessage": body.get("idMessage"),
                "status": body.get("status"),
                "httpStatus": status,
                "error": error,
                "at": time.time(),
            }
        )

"""Green API simulator: a real HTTP server speaking ``docs/external-apis.md`` §A.

- Real methods at ``/waInstance{idInstance}/{method}/{apiTokenInstance}`` (401 wrong token, 403
  unknown instance, 404 unknown method), with the send queue, status webhooks, the webhook pusher's
  retry rules, polling mode, per-instance rate limits and switchable faults.
- ``@lid`` chats (§A9): accepted and delivered like any other; a contact registered under a number and
  a lid is journalled, echoed and ticked by the lid whatever id the hotel writes to, and
  ``checkWhatsapp`` answers the lid (``getContactInfo`` answers, with no number, as the real one).
- The control API under ``/sim/`` (instances, guest messages, contacts, faults, delivery log, chats,
  reset).
- The guest phone at ``/``.

Deliberate deviations from the real service (each also noted where it is implemented):
- instances the simulator creates have the incoming, outgoing status, outgoing API, outgoing
  phone and state webhooks switched on (a real new instance has every switch off);
- ``setSettings`` applies at once unless ``SimConfig.settings_apply_delay`` is set (real: ~5 min);
- ``receiveNotification`` accepts any ``receiveTimeout`` from 0 to 60 s (real: 5..60);
- unknown methods answer 404 (the real answer is unconfirmed);
- ``senderPhoneNumber`` is added to a guest message's ``senderData`` only when the control request asks
  (the real service does not send it yet; green-api/issues #1081).

It imports nothing from the product (``domain``, ``web``, ``jobs``).
"""

from .app import create_app
from .cli import main
from .config import SimConfig, SimInstance

__all__ = ["SimConfig", "SimInstance", "create_app", "main"]

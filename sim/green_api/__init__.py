"""Green API simulator: a real HTTP server speaking the contract in ``contracts/external-apis.md`` §A.

- Real methods at ``/waInstance{idInstance}/{method}/{apiTokenInstance}`` (401 wrong token, 403
  unknown instance, 404 unknown method), with the send queue, status webhooks, the webhook pusher's
  retry rules, polling mode, per-instance rate limits and switchable faults.
- The control API under ``/sim/`` (instances, guest messages, faults, delivery log, chats, reset).
- The guest phone at ``/``.

Deliberate deviations from the real service (each also noted where it is implemented):
- instances the simulator creates have the incoming, outgoing status, outgoing API, outgoing
  phone and state webhooks switched on (a real new instance has every switch off);
- ``setSettings`` applies at once unless ``SimConfig.settings_apply_delay`` is set (real: ~5 min);
- ``receiveNotification`` accepts any ``receiveTimeout`` from 0 to 60 s (real: 5..60);
- unknown methods answer 404 (the real answer is unconfirmed).

It imports nothing from the product (``domain``, ``web``, ``jobs``).
"""

from .app import create_app
from .cli import main
from .config import SimConfig, SimInstance

__all__ = ["SimConfig", "SimInstance", "create_app", "main"]

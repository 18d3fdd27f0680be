"""Configuration of the Green API simulator: shrinkable timers and pre-created instances."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Switch settings a real instance knows (docs/external-apis.md §A3); a real new instance has all of them "no".
SWITCH_SETTINGS = (
    "markIncomingMessagesReaded",
    "markIncomingMessagesReadedOnReply",
    "outgoingWebhook",
    "outgoingMessageWebhook",
    "outgoingAPIMessageWebhook",
    "incomingWebhook",
    "stateWebhook",
    "deviceWebhook",
    "statusInstanceWebhook",
    "statusInstanceChangedWebhook",
    "keepOnlineStatus",
    "pollMessageWebhook",
    "incomingBlockWebhook",
    "incomingCallWebhook",
    "editedMessageWebhook",
    "deletedMessageWebhook",
    "sharedSession",
)

# Switches the simulator turns on for every instance it creates (see `default_settings`).
SIM_ENABLED_SWITCHES = (
    "incomingWebhook",
    "outgoingWebhook",
    "outgoingAPIMessageWebhook",
    "outgoingMessageWebhook",
    "stateWebhook",
)

MAX_SEND_DELAY_MS = 600_000
REAL_MIN_SEND_DELAY_MS = 500

# Per-instance requests per second (docs/external-apis.md §A4). Methods not listed are not limited.
RATE_LIMITS: dict[str, int] = {
    "sendMessage": 50,
    "sendFileByUrl": 50,
    "sendFileByUpload": 50,
    "sendLocation": 50,
    "sendContact": 50,
    "receiveNotification": 100,
    "deleteNotification": 100,
    "readChat": 10,
    "checkWhatsapp": 10,
    "getSettings": 1,
    "setSettings": 1,
    "getStateInstance": 1,
    "reboot": 1,
    "showMessagesQueue": 1,
    "clearMessagesQueue": 1,
    "lastIncomingMessages": 1,
    "lastOutgoingMessages": 1,
    "downloadFile": 5,
    "getMessage": 10,
}


@dataclass
class SimInstance:
    """An instance the simulator knows from the start."""

    id_instance: int
    api_token: str
    webhook_url: str = ""
    webhook_token: str = ""
    wid: str = ""


@dataclass
class SimConfig:
    """Timers and switches. Real values are noted; tests shrink them.

    - ``status_delays``: seconds from the moment a message leaves the send queue to ``sent``, then
      to ``delivered``, then to ``read``.
    - ``webhook_timeout``: how long the pusher waits for an answer (real: 180 s).
    - ``webhook_retry_pause``: pause after a failed delivery before the same notification is
      resent (real: 60 s).
    - ``webhook_ttl``: a notification older than this is dropped (real: 24 h).
    - ``send_delay_ms``: ``delaySendMessagesMilliseconds`` of new instances (default 500, the real
      minimum; the partner docs call 3000 usual); ``min_send_delay_ms`` is the smallest value
      ``setSettings`` accepts (tests lower both to 0).
    - ``settings_apply_delay``: seconds before ``setSettings`` takes effect (real: up to 5 min;
      0 applies at once).
    - ``rate_limits``: enforce the per-instance rps table of docs/external-apis.md §A4 (429 when exceeded).
    """

    status_delays: tuple[float, float, float] = (0.5, 1.0, 2.0)
    webhook_timeout: float = 180.0
    webhook_retry_pause: float = 60.0
    webhook_ttl: float = 24 * 3600.0
    send_delay_ms: int = REAL_MIN_SEND_DELAY_MS
    min_send_delay_ms: int = REAL_MIN_SEND_DELAY_MS
    settings_apply_delay: float = 0.0
    rate_limits: bool = True
    instances: list[SimInstance] = field(default_factory=list)


def default_wid(id_instance: int) -> str:
    return f"4930{id_instance % 10**8:08d}@c.us"


def default_settings(config: SimConfig, wid: str, webhook_url: str, webhook_token: str) -> dict[str, Any]:
    """Settings of a simulator-created instance.

    Deviation from the real service: a real new instance starts with every switch "no"; the
    simulator switches on what the bot needs (incoming, outgoing status, outgoing API, outgoing
    phone and state webhooks) so the demo works without a ``setSettings`` call first.
    """
    settings: dict[str, Any] = {
        "wid": wid,
        "countryInstance": "",
        "typeAccount": "trial",
        "webhookUrl": webhook_url,
        "webhookUrlToken": webhook_token,
        "delaySendMessagesMilliseconds": config.send_delay_ms,
        "proxyInstance": "",
        "enableMessagesHistory": "no",
    }
    for name in SWITCH_SETTINGS:
        settings[name] = "yes" if name in SIM_ENABLED_SWITCHES else "no"
    return settings

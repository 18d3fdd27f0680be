"""``python -m sim.green_api``: run the Green API simulator with uvicorn."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from typing import Any

import uvicorn

from .app import create_app
from .config import SimConfig, SimInstance

EPILOG = """\
instances:
  --instance ID:TOKEN            create instance ID with apiTokenInstance TOKEN (repeatable)
  --instance ID:TOKEN:URL        ... and its webhookUrl (everything after the second ':')
  --webhook-url URL              set webhookUrl of the instance named just before
  --webhook-token T              set webhookUrlToken of the instance named just before
  --wid 4930123456@c.us          set the instance's own WhatsApp id

example:
  python -m sim.green_api --port 8001 \\
      --instance 1101000001:abc123 --webhook-url http://127.0.0.1:8000/webhooks/green-api \\
      --webhook-token s3cret --status-delays 0.5,1,2
"""


class _InOrder(argparse.Action):
    """Keep instance options in command-line order, so per-instance flags bind to the last one."""

    def __call__(
        self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any, option: Any = None
    ) -> None:
        ordered = list(getattr(namespace, "instance_options", None) or [])
        ordered.append((self.dest, values))
        namespace.instance_options = ordered


def parse_instances(parser: argparse.ArgumentParser, options: Sequence[tuple[str, str]]) -> list[SimInstance]:
    instances: list[SimInstance] = []
    for dest, value in options:
        if dest == "instance":
            parts = value.split(":", 2)
            if len(parts) < 2 or not parts[0].isdigit() or not parts[1]:
                parser.error(f"--instance expects ID:TOKEN[:WEBHOOK_URL], got {value!r}")
            url = parts[2] if len(parts) == 3 else ""
            instances.append(SimInstance(id_instance=int(parts[0]), api_token=parts[1], webhook_url=url))
            continue
        if not instances:
            parser.error(f"--{dest.replace('_', '-')} must follow an --instance")
        last = instances[-1]
        if dest == "webhook_url":
            last.webhook_url = value
        elif dest == "webhook_token":
            last.webhook_token = value
        elif dest == "wid":
            last.wid = value
    return instances


def _delays(value: str) -> tuple[float, float, float]:
    parts = [float(p) for p in value.split(",")]
    if len(parts) != 3 or any(p < 0 for p in parts):
        raise argparse.ArgumentTypeError("expected three non-negative numbers: SENT,DELIVERED,READ")
    return parts[0], parts[1], parts[2]


def build_parser() -> argparse.ArgumentParser:
    defaults = SimConfig()
    parser = argparse.ArgumentParser(
        prog="python -m sim.green_api",
        description="Green API simulator: real methods at /waInstance{id}/{method}/{token}, control API "
        "under /sim/, and the guest phone at /.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    for flag in ("--instance", "--webhook-url", "--webhook-token", "--wid"):
        parser.add_argument(flag, action=_InOrder, help="see 'instances' below")
    parser.add_argument(
        "--status-delays",
        type=_delays,
        default=defaults.status_delays,
        help="seconds SENT,DELIVERED,READ after a message leaves the queue (default 0.5,1,2)",
    )
    parser.add_argument("--webhook-timeout", type=float, default=defaults.webhook_timeout, help="real: 180")
    parser.add_argument(
        "--webhook-retry-pause", type=float, default=defaults.webhook_retry_pause, help="real: 60"
    )
    parser.add_argument("--webhook-ttl", type=float, default=defaults.webhook_ttl, help="real: 86400")
    parser.add_argument(
        "--send-delay-ms", type=int, default=defaults.send_delay_ms, help="delaySendMessagesMilliseconds"
    )
    parser.add_argument("--min-send-delay-ms", type=int, default=defaults.min_send_delay_ms, help="real: 500")
    parser.add_argument(
        "--settings-apply-delay",
        type=float,
        default=0.0,
        help="seconds before setSettings applies (real: ~300)",
    )
    parser.add_argument("--no-rate-limits", action="store_true", help="do not answer 429 above the rps table")
    parser.add_argument("--log-level", default="info")
    return parser


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    config = SimConfig(
        status_delays=args.status_delays,
        webhook_timeout=args.webhook_timeout,
        webhook_retry_pause=args.webhook_retry_pause,
        webhook_ttl=args.webhook_ttl,
        send_delay_ms=args.send_delay_ms,
        min_send_delay_ms=args.min_send_delay_ms,
        settings_apply_delay=args.settings_apply_delay,
        rate_limits=not args.no_rate_limits,
        instances=parse_instances(parser, getattr(args, "instance_options", None) or []),
    )
    app = create_app(config)
    # Webhook deliveries are logged by httpx at info; they follow the simulator's log level.
    logging.getLogger("httpx").setLevel(args.log_level.upper())
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)

"""Structured logs for every process: JSON (or console) via structlog, with request, hotel and
conversation ids bound as context; phone numbers masked and secrets or message bodies never logged."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

PHONE = re.compile(r"(?<![\w-])\+?\d{5,}(\d{3})(@[cg]\.us)?\b")
SECRET_KEYS = {
    "token",
    "password",
    "secret",
    "authorization",
    "api_key",
    "apitoken",
    "cookie",
    "webhook_token",
}
BODY_KEYS = {"text", "body", "message", "content", "caption"}


def mask_phones(value: str) -> str:
    """``491701234567@c.us`` → ``…567@c.us``, ``104236588716712@lid`` → ``…712@lid``: enough to tell
    guests apart, not to call or find them (a lid names a person as surely as a number does)."""
    return PHONE.sub(lambda m: "…" + m.group(1) + (m.group(2) or ""), value)


def redact(_: Any, method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in list(event):
        lowered = key.lower()
        if any(secret in lowered for secret in SECRET_KEYS):
            event[key] = "[redacted]"
        elif lowered in BODY_KEYS and method not in ("debug",):
            event[key] = f"[{len(str(event[key]))} chars]"
        elif isinstance(event[key], str):
            event[key] = mask_phones(event[key])
    return event


# PostgreSQL repeats the row or key it refused in its error text ("Failing row contains (...)",
# "Key (chat_id)=(...)"): a guest's words and number would reach the log with a traceback.
ROW_DETAIL = re.compile(r"(Failing row contains |Key \([^)]*\)=)\((?:[^()\n]|\([^()\n]*\))*\)")


def redact_traceback(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """After the traceback is formatted: the database's copy of a row goes, phone numbers are masked."""
    exception = event.get("exception")
    if isinstance(exception, str):
        event["exception"] = mask_phones(ROW_DETAIL.sub(r"\1(…)", exception))
    return event


def configure_logging(level: str = "INFO", fmt: str = "console") -> None:
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.stdlib.PositionalArgumentsFormatter(),
        redact,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer() if fmt == "json" else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        # Below the level, drop the event before any processor spends time on it.
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redact_traceback,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpcore", "uvicorn.access", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


def bind(**values: Any) -> None:
    structlog.contextvars.bind_contextvars(**{k: str(v) for k, v in values.items() if v is not None})


def clear() -> None:
    structlog.contextvars.clear_contextvars()

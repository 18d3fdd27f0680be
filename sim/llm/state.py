"""The simulator's configuration and what tests change at run time (faults, latency)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from sim.llm.usage import PromptCache

DEFAULT_MODELS = ("deepseek-flash", "deepseek-v4-flash", "deepseek-v4-pro")

#: fault modes answered with an error status instead of a completion
ERROR_FAULTS: dict[str, tuple[int, str, str, str]] = {
    "429": (429, "Rate Limit Reached", "rate_limit_error", "rate_limit_exceeded"),
    "500": (500, "Server Error", "server_error", "server_error"),
    "503": (503, "Server Overloaded", "server_error", "server_overloaded"),
    "402": (402, "Insufficient Balance", "invalid_request_error", "insufficient_balance"),
}
#: every fault mode; the last three are extras for client tests (broken JSON, broken tool
#: arguments, and a model that answers every tool result by calling the same tool again)
FAULT_MODES = (
    *ERROR_FAULTS,
    "timeout",
    "blank",
    "length",
    "insufficient_system_resource",
    "drop",
    "invalid_json",
    "bad_tool_arguments",
    "tool_loop",
)
RECORDED_REQUESTS = 100


@dataclass
class LlmSimConfig:
    #: accepted bearer keys; empty accepts any non-empty key
    api_keys: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=lambda: list(DEFAULT_MODELS))
    latency_ms: int = 0
    #: how long the "timeout" fault keeps a request waiting before the first byte
    timeout_seconds: float = 300.0
    #: interval of the blank lines (``: keep-alive`` on streams) sent while a reply is delayed
    keep_alive_seconds: float = 1.0
    #: what ``GET /user/balance`` reports, in USD
    balance: str = "110.00"


class Faults:
    """The fault to inject into the next ``count`` chat completions (-1: until cleared)."""

    def __init__(self) -> None:
        self.mode: str | None = None
        self.remaining = 0

    def set(self, mode: str, count: int) -> None:
        self.mode, self.remaining = (mode, count) if count else (None, 0)

    def clear(self) -> None:
        self.mode, self.remaining = None, 0

    def take(self) -> str | None:
        """The fault for this request, if any; uses one up."""
        if self.mode is None or self.remaining == 0:
            return None
        mode = self.mode
        if self.remaining > 0:
            self.remaining -= 1
            if self.remaining == 0:
                self.mode = None
        return mode

    def describe(self) -> dict[str, Any]:
        return {"mode": self.mode, "count": self.remaining}


class SimState:
    def __init__(self, config: LlmSimConfig) -> None:
        self.config = config
        self.faults = Faults()
        self.latency_ms = config.latency_ms
        self.requests: deque[Any] = deque(maxlen=RECORDED_REQUESTS)
        self.cache = PromptCache()

    def reset(self) -> None:
        self.faults.clear()
        self.latency_ms = self.config.latency_ms
        self.requests.clear()
        self.cache.clear()

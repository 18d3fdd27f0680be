"""``python -m sim.llm``: run the LLM simulator as a server."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import uvicorn

from sim.llm.app import create_app
from sim.llm.state import LlmSimConfig


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sim.llm", description="OpenAI/DeepSeek-compatible LLM simulator (base URL: /v1)."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8002)
    parser.add_argument("--latency-ms", type=int, default=0, help="delay before every reply")
    parser.add_argument(
        "--api-key", action="append", default=[], help="accepted bearer key (repeatable; default: any key)"
    )
    parser.add_argument("--timeout-seconds", type=float, default=300.0, help="wait of the 'timeout' fault")
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    config = LlmSimConfig(
        api_keys=args.api_key, latency_ms=args.latency_ms, timeout_seconds=args.timeout_seconds
    )
    uvicorn.run(create_app(config), host=args.host, port=args.port, log_level=args.log_level)
    return 0

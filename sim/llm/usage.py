"""Token counts and the context cache, roughly as DeepSeek reports them (docs/external-apis.md §B5, §B10).

About 4 characters make a token. The cache remembers recent prompts per API key and
``user_id`` (DeepSeek isolates the KV cache per end user); a new prompt's hit is its longest
prefix shared with one of them, so a stable system prompt earns hits from the second call on.
"""

from __future__ import annotations

import json
import math
from collections import deque
from typing import Any

CHARS_PER_TOKEN = 4
_REMEMBERED_PER_USER = 32
_REMEMBERED_USERS = 1000


def count_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def prompt_text(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> str:
    """The prompt as one string, tools first, then each message in order."""
    parts = [json.dumps(tools, ensure_ascii=False, sort_keys=True)] if tools else []
    for message in messages:
        content = message.get("content")
        text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
        calls = message.get("tool_calls")
        parts.append(f"<|{message['role']}|>{text}{json.dumps(calls, sort_keys=True) if calls else ''}")
    return "".join(parts)


def _shared_prefix(a: str, b: str) -> int:
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


class PromptCache:
    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], deque[str]] = {}

    def hit_tokens(self, namespace: tuple[str, str], prompt: str) -> int:
        """Tokens of ``prompt`` served from cache; remembers ``prompt`` for later calls."""
        if namespace not in self._seen and len(self._seen) >= _REMEMBERED_USERS:
            del self._seen[next(iter(self._seen))]
        seen = self._seen.setdefault(namespace, deque(maxlen=_REMEMBERED_PER_USER))
        shared = max((_shared_prefix(prompt, earlier) for earlier in seen), default=0)
        seen.append(prompt)
        return min(shared // CHARS_PER_TOKEN, count_tokens(prompt))

    def clear(self) -> None:
        self._seen.clear()


def usage(
    prompt_tokens: int, hit_tokens: int, completion_tokens: int, reasoning_tokens: int
) -> dict[str, Any]:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "prompt_cache_hit_tokens": hit_tokens,
        "prompt_cache_miss_tokens": prompt_tokens - hit_tokens,
        "completion_tokens_details": {"reasoning_tokens": reasoning_tokens},
    }

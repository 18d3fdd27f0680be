"""What the domain needs from the outside: live events and background jobs.

Services record both on the unit of work; they leave the process only after commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

if TYPE_CHECKING:
    from domain.events import Event

AI_QUEUE = "hotelbot:ai"
SEND_QUEUE = "hotelbot:send"


@dataclass(frozen=True, slots=True)
class JobRequest:
    function: str
    args: tuple[Any, ...]
    queue: str
    job_id: str | None = None
    defer_seconds: float = 0.0


def ai_reply_job(conversation_id: UUID, trigger_message_id: UUID, defer_seconds: float) -> JobRequest:
    return JobRequest(
        "ai_reply",
        (str(conversation_id), str(trigger_message_id)),
        AI_QUEUE,
        job_id=f"ai:{trigger_message_id}",
        defer_seconds=defer_seconds,
    )


def send_job(message_id: UUID) -> JobRequest:
    return JobRequest("send_message", (str(message_id),), SEND_QUEUE, job_id=f"send:{message_id}")


def echo_again_job(
    hotel_id: UUID, ai_enabled: bool, echo: dict[str, Any], defer_seconds: float
) -> JobRequest:
    """Look again at an echo of a send that could not be placed yet (docs/external-apis.md §A9)."""
    return JobRequest(
        "match_echo_again",
        (str(hotel_id), ai_enabled, echo),
        SEND_QUEUE,
        job_id=f"echo:{hotel_id}:{echo['chat_id']}:{echo['id_message']}",
        defer_seconds=defer_seconds,
    )


def link_guest_job(guest_id: UUID, seen_chat_ids: Sequence[str]) -> JobRequest:
    """Learn a guest's other WhatsApp id (on the send queue: it calls Green API). ``seen_chat_ids``
    are the ids a webhook associated with them; the job id keeps one job per guest and ids."""
    seen = sorted(set(seen_chat_ids))
    return JobRequest(
        "link_guest", (str(guest_id), seen), SEND_QUEUE, job_id=f"link:{guest_id}:{'|'.join(seen)}"
    )


class Dispatcher(Protocol):
    async def publish(self, events: Sequence[Event]) -> None: ...

    async def enqueue(self, jobs: Sequence[JobRequest]) -> None: ...

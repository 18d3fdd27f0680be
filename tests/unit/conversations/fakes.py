"""Hand-written fakes of the conversation use cases' unit of work and repository."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID, uuid4

from domain.conversations.models import AiDraft, Conversation, DraftStatus, State
from domain.conversations.repository import SurveyFacts
from domain.events import Event
from domain.ports import JobRequest


@dataclass
class FakeConversations:
    conversations: dict[UUID, Conversation] = field(default_factory=dict)
    chat_ids: dict[UUID, str] = field(default_factory=dict)
    members: set[tuple[UUID, UUID]] = field(default_factory=set)  # (hotel, staff)
    locked: list[UUID] = field(default_factory=list)
    closed_drafts: list[tuple[UUID, DraftStatus]] = field(default_factory=list)
    breaches_closed: list[tuple[UUID, UUID | None]] = field(default_factory=list)

    def open(self, hotel_id: UUID, state: State = State.AI, assigned: UUID | None = None) -> Conversation:
        conversation = Conversation(
            id=uuid4(),
            hotel_id=hotel_id,
            guest_id=uuid4(),
            state=state,
            assigned_staff_id=assigned,
            last_message_preview="",
        )
        self.conversations[conversation.id] = conversation
        self.chat_ids[conversation.guest_id] = "491701234567@c.us"
        return conversation

    async def lock(self, hotel_id: UUID, conversation_id: UUID) -> Conversation | None:
        conversation = self.conversations.get(conversation_id)
        if conversation is None or conversation.hotel_id != hotel_id:
            return None
        self.locked.append(conversation_id)
        return conversation

    async def chat_id_of(self, guest_id: UUID) -> str:
        return self.chat_ids[guest_id]

    async def works_here(self, hotel_id: UUID, staff_id: UUID) -> bool:
        return (hotel_id, staff_id) in self.members

    async def draft(self, hotel_id: UUID, conversation_id: UUID, draft_id: UUID) -> AiDraft | None:
        return None

    async def close_pending_drafts(
        self, conversation_id: UUID, status: DraftStatus, staff_id: UUID | None
    ) -> list[UUID]:
        self.closed_drafts.append((conversation_id, status))
        return []

    async def latest_guest_message(self, conversation_id: UUID) -> UUID | None:
        return None

    async def ai_replied_to(self, trigger_message_id: UUID) -> bool:
        return False

    async def close_breaches(self, conversation_id: UUID, staff_id: UUID | None) -> None:
        self.breaches_closed.append((conversation_id, staff_id))

    async def survey_facts(self, conversation: Conversation) -> SurveyFacts:
        """A hotel that does not ask (the CSAT flow has its integration tests)."""
        return SurveyFacts(False, False, None, self.chat_ids[conversation.guest_id], None, None)


@dataclass
class FakeUnitOfWork:
    """Records what a use case adds, publishes and enqueues; ``flush`` gives new rows their ids."""

    conversations: FakeConversations = field(default_factory=FakeConversations)
    rows: list[object] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    jobs: list[JobRequest] = field(default_factory=list)

    def add(self, row: object) -> None:
        self.rows.append(row)

    async def flush(self) -> None:
        for row in self.rows:
            if getattr(row, "id", None) is None:
                row.id = uuid4()  # type: ignore[attr-defined]

    def publish(self, event: Event) -> None:
        self.events.append(event)

    def enqueue(self, job: JobRequest) -> None:
        self.jobs.append(job)

    def rows_of(self, kind: type) -> list:  # type: ignore[type-arg]
        return [row for row in self.rows if isinstance(row, kind)]

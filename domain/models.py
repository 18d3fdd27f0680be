"""Every table, imported in one place so the metadata is complete (Alembic, tests)."""

from domain.conversations.models import (
    Conversation,
    ConversationRead,
    Message,
    Note,
    StateTransition,
)
from domain.db import Base, metadata
from domain.guests.models import Guest
from domain.hotels.models import Hotel, InstanceEvent
from domain.knowledge.models import KnowledgeEntry
from domain.saved_replies.models import SavedReply
from domain.service_requests.models import ServiceRequest
from domain.staff.models import Membership, StaffUser

__all__ = [
    "Base",
    "Conversation",
    "ConversationRead",
    "Guest",
    "Hotel",
    "InstanceEvent",
    "KnowledgeEntry",
    "Membership",
    "Message",
    "Note",
    "SavedReply",
    "ServiceRequest",
    "StaffUser",
    "StateTransition",
    "metadata",
]

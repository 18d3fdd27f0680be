"""Every table, imported in one place so the metadata is complete (Alembic, tests)."""

from domain.conversations.models import Conversation, Message, StateTransition
from domain.db import Base, metadata
from domain.guests.models import Guest
from domain.hotels.models import Hotel, InstanceEvent
from domain.knowledge.models import KnowledgeEntry
from domain.requests.models import ServiceRequest
from domain.staff.models import Membership, StaffUser

__all__ = [
    "Base",
    "Conversation",
    "Guest",
    "Hotel",
    "InstanceEvent",
    "KnowledgeEntry",
    "Membership",
    "Message",
    "ServiceRequest",
    "StaffUser",
    "StateTransition",
    "metadata",
]

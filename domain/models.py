"""Every table, imported in one place so the metadata is complete (Alembic, tests)."""

from domain.assistant.models import LlmCall
from domain.audit.models import AuditEntry
from domain.conversations.models import (
    AiDraft,
    Conversation,
    ConversationRead,
    CsatSurvey,
    Message,
    Note,
    SlaBreach,
    StateTransition,
)
from domain.db import Base, metadata
from domain.guests.models import Guest
from domain.hotels.models import Hotel, InstanceEvent
from domain.knowledge.models import KnowledgeEntry, KnowledgeGapResolution
from domain.saved_replies.models import SavedReply
from domain.service_requests.models import ServiceRequest
from domain.staff.models import Membership, PasswordReset, StaffInvite, StaffUser

__all__ = [
    "AiDraft",
    "AuditEntry",
    "Base",
    "Conversation",
    "ConversationRead",
    "CsatSurvey",
    "Guest",
    "Hotel",
    "InstanceEvent",
    "KnowledgeEntry",
    "KnowledgeGapResolution",
    "LlmCall",
    "Membership",
    "Message",
    "Note",
    "PasswordReset",
    "SavedReply",
    "ServiceRequest",
    "SlaBreach",
    "StaffInvite",
    "StaffUser",
    "StateTransition",
    "metadata",
]

"""initial schema

Revision ID: 8748c04695f9
Revises:
Create Date: 2026-11-30 05:16:33.716632
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "8748c04695f9"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hotels",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("green_api_instance_id", sa.BigInteger(), nullable=True),
        sa.Column("green_api_token", sa.String(), nullable=True),
        sa.Column("green_api_url", sa.String(length=300), nullable=True),
        sa.Column("webhook_token", sa.String(), nullable=False),
        sa.Column("persona", sa.Text(), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("languages", postgresql.ARRAY(sa.String(length=8)), nullable=False),
        sa.Column("knowledge_language", sa.String(length=8), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("ai_enabled", sa.Boolean(), nullable=False),
        sa.Column("llm_base_url", sa.String(length=300), nullable=True),
        sa.Column("llm_model", sa.String(length=100), nullable=True),
        sa.Column("llm_api_key", sa.String(), nullable=True),
        sa.Column("instance_state", sa.String(length=40), nullable=True),
        sa.Column(
            "instance_state_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True
        ),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotels")),
        sa.UniqueConstraint("green_api_instance_id", name=op.f("uq_hotels_green_api_instance_id")),
        sa.UniqueConstraint("slug", name=op.f("uq_hotels_slug")),
    )
    op.create_table(
        "staff_users",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("is_superuser", sa.Boolean(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_users")),
        sa.UniqueConstraint("email", name=op.f("uq_staff_users_email")),
    )
    op.create_table(
        "guests",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("hotel_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=120), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("is_group", sa.Boolean(), nullable=False),
        sa.Column("room", sa.String(length=20), nullable=True),
        sa.Column(
            "last_inbound_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True
        ),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["hotel_id"], ["hotels.id"], name=op.f("fk_guests_hotel_id_hotels"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guests")),
        sa.UniqueConstraint("hotel_id", "chat_id", name=op.f("uq_guests_hotel_id")),
    )
    op.create_table(
        "instance_events",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("hotel_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["hotel_id"], ["hotels.id"], name=op.f("fk_instance_events_hotel_id_hotels"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instance_events")),
    )
    op.create_index(op.f("ix_instance_events_hotel_id"), "instance_events", ["hotel_id"], unique=False)
    op.create_table(
        "knowledge_entries",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("hotel_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column(
            "search_config",
            postgresql.REGCONFIG(),
            server_default=sa.text("'simple'::regconfig"),
            nullable=False,
        ),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column(
            "search",
            postgresql.TSVECTOR(),
            sa.Computed(
                "to_tsvector(search_config, coalesce(title, '') || ' ' || coalesce(body, ''))", persisted=True
            ),
            nullable=False,
        ),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["hotel_id"], ["hotels.id"], name=op.f("fk_knowledge_entries_hotel_id_hotels"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_entries")),
    )
    op.create_index(op.f("ix_knowledge_entries_hotel_id"), "knowledge_entries", ["hotel_id"], unique=False)
    op.create_index(
        "ix_knowledge_entries_search", "knowledge_entries", ["search"], unique=False, postgresql_using="gin"
    )
    op.create_table(
        "memberships",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("staff_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("hotel_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("role", sa.Enum("agent", "manager", "admin", name="staff_role"), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["hotel_id"], ["hotels.id"], name=op.f("fk_memberships_hotel_id_hotels"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_users.id"],
            name=op.f("fk_memberships_staff_id_staff_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memberships")),
        sa.UniqueConstraint("staff_id", "hotel_id", name=op.f("uq_memberships_staff_id")),
    )
    op.create_index(op.f("ix_memberships_hotel_id"), "memberships", ["hotel_id"], unique=False)
    op.create_table(
        "conversations",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("hotel_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("guest_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column(
            "state",
            sa.Enum("ai", "needs_human", "human", "resolved", name="conversation_state"),
            nullable=False,
        ),
        sa.Column("assigned_staff_id", advanced_alchemy.types.guid.GUID(length=16), nullable=True),
        sa.Column("handoff_reason", sa.String(length=60), nullable=True),
        sa.Column("handoff_summary", sa.Text(), nullable=True),
        sa.Column(
            "needs_human_since", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True
        ),
        sa.Column(
            "ai_pending_since", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True
        ),
        sa.Column(
            "last_message_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True
        ),
        sa.Column(
            "last_guest_message_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True
        ),
        sa.Column("last_message_preview", sa.String(length=200), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assigned_staff_id"],
            ["staff_users.id"],
            name=op.f("fk_conversations_assigned_staff_id_staff_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["guest_id"], ["guests.id"], name=op.f("fk_conversations_guest_id_guests"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["hotel_id"], ["hotels.id"], name=op.f("fk_conversations_hotel_id_hotels"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
        sa.UniqueConstraint("hotel_id", "guest_id", name=op.f("uq_conversations_hotel_id")),
    )
    op.create_index(
        "ix_conversations_ai_pending",
        "conversations",
        ["ai_pending_since"],
        unique=False,
        postgresql_where=sa.text("ai_pending_since IS NOT NULL"),
    )
    op.create_index(
        "ix_conversations_inbox",
        "conversations",
        ["hotel_id", sa.literal_column("last_message_at DESC"), "id"],
        unique=False,
    )
    op.create_table(
        "messages",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("hotel_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("conversation_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=120), nullable=False),
        sa.Column("direction", sa.Enum("in", "out", name="message_direction"), nullable=False),
        sa.Column("author", sa.Enum("guest", "ai", "staff", "system", name="message_author"), nullable=False),
        sa.Column("staff_id", advanced_alchemy.types.guid.GUID(length=16), nullable=True),
        sa.Column("type_message", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("sender_name", sa.String(length=200), nullable=True),
        sa.Column("sender_id", sa.String(length=120), nullable=True),
        sa.Column("media_url", sa.Text(), nullable=True),
        sa.Column("media_mime", sa.String(length=120), nullable=True),
        sa.Column("media_file_name", sa.String(length=300), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("quoted_provider_id", sa.String(length=64), nullable=True),
        sa.Column("quoted_text", sa.Text(), nullable=True),
        sa.Column("provider_message_id", sa.String(length=64), nullable=True),
        sa.Column("provider_timestamp", sa.BigInteger(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "received", "queued", "sending", "sent", "delivered", "read", "failed", name="delivery_status"
            ),
            nullable=False,
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "send_started_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True
        ),
        sa.Column("sources", postgresql.ARRAY(sa.UUID()), nullable=False),
        sa.Column("ai_trigger_message_id", sa.UUID(), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_messages_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["hotel_id"], ["hotels.id"], name=op.f("fk_messages_hotel_id_hotels"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_users.id"],
            name=op.f("fk_messages_staff_id_staff_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
        sa.UniqueConstraint("ai_trigger_message_id", name=op.f("uq_messages_ai_trigger_message_id")),
        sa.UniqueConstraint("hotel_id", "chat_id", "provider_message_id", name="uq_messages_provider_id"),
    )
    op.create_index("ix_messages_conversation", "messages", ["conversation_id", "created_at"], unique=False)
    op.create_index(
        "ix_messages_outbox",
        "messages",
        ["status", "created_at"],
        unique=False,
        postgresql_where=sa.text("status IN ('queued', 'sending')"),
    )
    op.create_table(
        "service_requests",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("hotel_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("conversation_id", advanced_alchemy.types.guid.GUID(length=16), nullable=True),
        sa.Column("guest_id", advanced_alchemy.types.guid.GUID(length=16), nullable=True),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("room", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_by", sa.String(length=10), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_service_requests_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["guest_id"], ["guests.id"], name=op.f("fk_service_requests_guest_id_guests"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["hotel_id"], ["hotels.id"], name=op.f("fk_service_requests_hotel_id_hotels"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_requests")),
    )
    op.create_index(op.f("ix_service_requests_hotel_id"), "service_requests", ["hotel_id"], unique=False)
    op.create_table(
        "state_transitions",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("hotel_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("conversation_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column(
            "from_state",
            sa.Enum("ai", "needs_human", "human", "resolved", name="conversation_state"),
            nullable=True,
        ),
        sa.Column(
            "to_state",
            sa.Enum("ai", "needs_human", "human", "resolved", name="conversation_state"),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=60), nullable=False),
        sa.Column("actor", sa.String(length=10), nullable=False),
        sa.Column("staff_id", advanced_alchemy.types.guid.GUID(length=16), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_state_transitions_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["hotel_id"], ["hotels.id"], name=op.f("fk_state_transitions_hotel_id_hotels"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_users.id"],
            name=op.f("fk_state_transitions_staff_id_staff_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_state_transitions")),
    )
    op.create_index(
        "ix_state_transitions_conversation",
        "state_transitions",
        ["conversation_id", "created_at"],
        unique=False,
    )
    op.create_index(op.f("ix_state_transitions_hotel_id"), "state_transitions", ["hotel_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_state_transitions_hotel_id"), table_name="state_transitions")
    op.drop_index("ix_state_transitions_conversation", table_name="state_transitions")
    op.drop_table("state_transitions")
    op.drop_index(op.f("ix_service_requests_hotel_id"), table_name="service_requests")
    op.drop_table("service_requests")
    op.drop_index(
        "ix_messages_outbox",
        table_name="messages",
        postgresql_where=sa.text("status IN ('queued', 'sending')"),
    )
    op.drop_index("ix_messages_conversation", table_name="messages")
    op.drop_table("messages")
    op.drop_index("ix_conversations_inbox", table_name="conversations")
    op.drop_index(
        "ix_conversations_ai_pending",
        table_name="conversations",
        postgresql_where=sa.text("ai_pending_since IS NOT NULL"),
    )
    op.drop_table("conversations")
    op.drop_index(op.f("ix_memberships_hotel_id"), table_name="memberships")
    op.drop_table("memberships")
    op.drop_index("ix_knowledge_entries_search", table_name="knowledge_entries", postgresql_using="gin")
    op.drop_index(op.f("ix_knowledge_entries_hotel_id"), table_name="knowledge_entries")
    op.drop_table("knowledge_entries")
    op.drop_index(op.f("ix_instance_events_hotel_id"), table_name="instance_events")
    op.drop_table("instance_events")
    op.drop_table("guests")
    op.drop_table("staff_users")
    op.drop_table("hotels")
    for enum_name in (
        "delivery_status",
        "message_author",
        "message_direction",
        "conversation_state",
        "staff_role",
    ):
        op.execute(f"DROP TYPE IF EXISTS {enum_name}")

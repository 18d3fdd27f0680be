"""Hotel settings for /admin, waiting-guest breaches, CSAT surveys and LLM calls

Revision ID: fe6534765f77
Revises: 3c1d7e5a9b20
Create Date: 2026-12-01 16:28:27.455130

The settings the admin page edits (business hours, SLA targets, auto-return, restricted and draft
topics, AI mode, CSAT), and the three tables analytics reads beside messages and transitions:
who waited past the target, what guests rated, and what each LLM call used.
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "fe6534765f77"
down_revision: str | None = "3c1d7e5a9b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "csat_surveys",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("hotel_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("conversation_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("asked_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("attributed_to", sa.String(length=10), nullable=False),
        sa.Column("staff_id", advanced_alchemy.types.guid.GUID(length=16), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("answered_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("comment_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint("attributed_to IN ('ai', 'staff')", name=op.f("ck_csat_surveys_attributed_to")),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name=op.f("ck_csat_surveys_rating")),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_csat_surveys_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["hotel_id"], ["hotels.id"], name=op.f("fk_csat_surveys_hotel_id_hotels"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_users.id"],
            name=op.f("fk_csat_surveys_staff_id_staff_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_csat_surveys")),
    )
    op.create_index(
        "ix_csat_surveys_conversation", "csat_surveys", ["conversation_id", "asked_at"], unique=False
    )
    op.create_index("ix_csat_surveys_hotel_asked", "csat_surveys", ["hotel_id", "asked_at"], unique=False)
    op.create_table(
        "llm_calls",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("hotel_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("conversation_id", advanced_alchemy.types.guid.GUID(length=16), nullable=True),
        sa.Column("at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("cache_hit_tokens", sa.Integer(), nullable=False),
        sa.Column("cache_miss_tokens", sa.Integer(), nullable=False),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_llm_calls_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["hotel_id"], ["hotels.id"], name=op.f("fk_llm_calls_hotel_id_hotels"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_llm_calls")),
    )
    op.create_index("ix_llm_calls_hotel_at", "llm_calls", ["hotel_id", "at"], unique=False)
    op.create_table(
        "sla_breaches",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("hotel_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("conversation_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column(
            "waiting_since", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False
        ),
        sa.Column("target_minutes", sa.Integer(), nullable=False),
        sa.Column("breached_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column(
            "escalated_to_managers_at",
            advanced_alchemy.types.datetime.DateTimeUTC(timezone=True),
            nullable=True,
        ),
        sa.Column("answered_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("answered_by", advanced_alchemy.types.guid.GUID(length=16), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('first_reply', 'next_reply')", name=op.f("ck_sla_breaches_kind")),
        sa.ForeignKeyConstraint(
            ["answered_by"],
            ["staff_users.id"],
            name=op.f("fk_sla_breaches_answered_by_staff_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_sla_breaches_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["hotel_id"], ["hotels.id"], name=op.f("fk_sla_breaches_hotel_id_hotels"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_breaches")),
        sa.UniqueConstraint(
            "conversation_id", "kind", "waiting_since", name=op.f("uq_sla_breaches_conversation_id")
        ),
    )
    op.create_index(
        "ix_sla_breaches_hotel_breached", "sla_breaches", ["hotel_id", "breached_at"], unique=False
    )
    op.add_column("hotels", sa.Column("tone", sa.Text(), server_default="", nullable=False))
    op.add_column(
        "hotels", sa.Column("business_hours", postgresql.JSONB(astext_type=sa.Text()), nullable=True)
    )
    op.add_column(
        "hotels", sa.Column("sla_first_reply_minutes", sa.Integer(), server_default="5", nullable=False)
    )
    op.add_column(
        "hotels", sa.Column("sla_next_reply_minutes", sa.Integer(), server_default="10", nullable=False)
    )
    op.add_column("hotels", sa.Column("auto_return_minutes", sa.Integer(), nullable=True))
    op.add_column(
        "hotels",
        sa.Column(
            "restricted_topics",
            postgresql.ARRAY(sa.String(length=40)),
            server_default=sa.text("'{refunds,complaints,billing}'::varchar[]"),
            nullable=False,
        ),
    )
    op.add_column(
        "hotels",
        sa.Column(
            "draft_topics", postgresql.ARRAY(sa.String(length=40)), server_default="{}", nullable=False
        ),
    )
    op.add_column("hotels", sa.Column("ai_mode", sa.String(length=10), server_default="auto", nullable=False))
    op.create_check_constraint("ai_mode", "hotels", "ai_mode IN ('auto', 'draft')")
    op.add_column(
        "hotels", sa.Column("csat_enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False)
    )


def downgrade() -> None:
    op.drop_column("hotels", "csat_enabled")
    op.drop_constraint("ck_hotels_ai_mode", "hotels")
    op.drop_column("hotels", "ai_mode")
    op.drop_column("hotels", "draft_topics")
    op.drop_column("hotels", "restricted_topics")
    op.drop_column("hotels", "auto_return_minutes")
    op.drop_column("hotels", "sla_next_reply_minutes")
    op.drop_column("hotels", "sla_first_reply_minutes")
    op.drop_column("hotels", "business_hours")
    op.drop_column("hotels", "tone")
    op.drop_index("ix_sla_breaches_hotel_breached", table_name="sla_breaches")
    op.drop_table("sla_breaches")
    op.drop_index("ix_llm_calls_hotel_at", table_name="llm_calls")
    op.drop_table("llm_calls")
    op.drop_index("ix_csat_surveys_hotel_asked", table_name="csat_surveys")
    op.drop_index("ix_csat_surveys_conversation", table_name="csat_surveys")
    op.drop_table("csat_surveys")

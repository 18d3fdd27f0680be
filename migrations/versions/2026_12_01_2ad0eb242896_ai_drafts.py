"""AI drafts: replies the AI wrote for a person to approve, edit or discard

Revision ID: 2ad0eb242896
Revises: 29eaf4ab2e2b
Create Date: 2026-12-01 16:33:31.795960

Draft mode (a hotel's ai_mode, or one of its draft_topics): at most one draft waits per
conversation (a partial unique index, which the inbox's "draft waiting" also reads).
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "2ad0eb242896"
down_revision: str | None = "29eaf4ab2e2b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ai_drafts",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("hotel_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("conversation_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("trigger_message_id", sa.UUID(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sources", postgresql.ARRAY(sa.UUID()), nullable=False),
        sa.Column("why", sa.String(length=60), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("decided_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("decided_by", advanced_alchemy.types.guid.GUID(length=16), nullable=True),
        sa.Column("message_id", sa.UUID(), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'edited', 'discarded', 'superseded')",
            name=op.f("ck_ai_drafts_status"),
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id", "hotel_id"],
            ["conversations.id", "conversations.hotel_id"],
            name="fk_ai_drafts_conversation_id_conversations",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["staff_users.id"],
            name=op.f("fk_ai_drafts_decided_by_staff_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ai_drafts")),
    )
    op.create_index("ix_ai_drafts_hotel_created", "ai_drafts", ["hotel_id", "created_at"], unique=False)
    op.create_index(
        "uq_ai_drafts_pending",
        "ai_drafts",
        ["conversation_id"],
        unique=True,
        postgresql_where=sa.text("status = 'pending'"),
    )


def downgrade() -> None:
    op.drop_index(
        "uq_ai_drafts_pending", table_name="ai_drafts", postgresql_where=sa.text("status = 'pending'")
    )
    op.drop_index("ix_ai_drafts_hotel_created", table_name="ai_drafts")
    op.drop_table("ai_drafts")

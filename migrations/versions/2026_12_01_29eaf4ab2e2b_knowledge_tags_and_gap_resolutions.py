"""Knowledge tags, resolved knowledge gaps, and an index for the gaps page

Revision ID: 29eaf4ab2e2b
Revises: 5e7a1c9d3b42
Create Date: 2026-12-01 16:32:58.647257

Tags let admins group and filter entries in /admin/knowledge. The knowledge gaps page reads the
AI's ``not_in_knowledge`` hand-offs from ``state_transitions`` (a partial index keeps that cheap)
and hides the questions an admin has since answered with an entry (``knowledge_gap_resolutions``).
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "29eaf4ab2e2b"
down_revision: str | None = "5e7a1c9d3b42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "knowledge_gap_resolutions",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("hotel_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("question_key", sa.String(length=200), nullable=False),
        sa.Column("resolved_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("entry_id", advanced_alchemy.types.guid.GUID(length=16), nullable=True),
        sa.Column("staff_id", advanced_alchemy.types.guid.GUID(length=16), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["knowledge_entries.id"],
            name=op.f("fk_knowledge_gap_resolutions_entry_id_knowledge_entries"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["hotel_id"],
            ["hotels.id"],
            name=op.f("fk_knowledge_gap_resolutions_hotel_id_hotels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_users.id"],
            name=op.f("fk_knowledge_gap_resolutions_staff_id_staff_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_gap_resolutions")),
        sa.UniqueConstraint("hotel_id", "question_key", name=op.f("uq_knowledge_gap_resolutions_hotel_id")),
    )
    op.add_column(
        "knowledge_entries",
        sa.Column(
            "tags",
            postgresql.ARRAY(sa.String(length=40)),
            server_default=sa.text("'{}'::varchar[]"),
            nullable=False,
        ),
    )
    op.create_index(
        "ix_state_transitions_knowledge_gaps",
        "state_transitions",
        ["hotel_id", "created_at"],
        unique=False,
        postgresql_where=sa.text("reason = 'not_in_knowledge'"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_state_transitions_knowledge_gaps",
        table_name="state_transitions",
        postgresql_where=sa.text("reason = 'not_in_knowledge'"),
    )
    op.drop_column("knowledge_entries", "tags")
    op.drop_table("knowledge_gap_resolutions")

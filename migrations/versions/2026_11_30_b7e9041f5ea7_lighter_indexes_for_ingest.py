"""lighter indexes for ingest

Revision ID: b7e9041f5ea7
Revises: c5599e33babb
Create Date: 2026-11-30 07:17:23.047586
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7e9041f5ea7"
down_revision: str | None = "c5599e33babb"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index(op.f("ix_conversations_inbox"), table_name="conversations")
    op.create_index("ix_conversations_hotel_state", "conversations", ["hotel_id", "state"], unique=False)
    op.drop_constraint(op.f("uq_messages_ai_trigger_message_id"), "messages", type_="unique")
    op.create_index(
        "uq_messages_ai_trigger",
        "messages",
        ["ai_trigger_message_id"],
        unique=True,
        postgresql_where=sa.text("ai_trigger_message_id IS NOT NULL"),
    )
    # Room in each page for the new version of a conversation row, so its frequent updates stay HOT.
    op.execute("ALTER TABLE conversations SET (fillfactor = 85)")


def downgrade() -> None:
    op.execute("ALTER TABLE conversations RESET (fillfactor)")
    op.drop_index(
        "uq_messages_ai_trigger",
        table_name="messages",
        postgresql_where=sa.text("ai_trigger_message_id IS NOT NULL"),
    )
    op.create_unique_constraint(
        op.f("uq_messages_ai_trigger_message_id"), "messages", ["ai_trigger_message_id"]
    )
    op.drop_index("ix_conversations_hotel_state", table_name="conversations")
    op.create_index(
        op.f("ix_conversations_inbox"),
        "conversations",
        ["hotel_id", sa.literal_column("last_message_at DESC"), "id"],
        unique=False,
    )

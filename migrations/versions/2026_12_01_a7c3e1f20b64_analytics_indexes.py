"""Indexes for manager analytics

Revision ID: a7c3e1f20b64
Revises: 7c2e9d41b3a8
Create Date: 2026-12-01 16:37:35.408426

/analytics reads one hotel's messages, moves and new conversations in a period (docs/analytics.md).
Each of those three gets a (hotel_id, ..., created_at) index; the one on state_transitions replaces
the index on hotel_id alone (its leading column serves the same lookups), so a move writes no extra
index entry. A stored message writes one more entry (on columns that never change; author and
conversation_id included, so the counts are index-only scans), and a
conversation's updates stay heap-only: created_at is never updated.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "a7c3e1f20b64"
down_revision: str | None = "7c2e9d41b3a8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_conversations_hotel_created", "conversations", ["hotel_id", "created_at"])
    op.create_index(
        "ix_messages_hotel_created",
        "messages",
        ["hotel_id", "created_at"],
        postgresql_include=["author", "conversation_id"],
    )
    op.create_index(
        "ix_state_transitions_hotel_to_state", "state_transitions", ["hotel_id", "to_state", "created_at"]
    )
    op.drop_index("ix_state_transitions_hotel_id", table_name="state_transitions")


def downgrade() -> None:
    op.create_index("ix_state_transitions_hotel_id", "state_transitions", ["hotel_id"])
    op.drop_index("ix_state_transitions_hotel_to_state", table_name="state_transitions")
    op.drop_index("ix_messages_hotel_created", table_name="messages")
    op.drop_index("ix_conversations_hotel_created", table_name="conversations")

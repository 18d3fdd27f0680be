"""Conversation look-ups of the analytics read the index alone

Revision ID: c4e8a2d61f37
Revises: 2ad0eb242896
Create Date: 2026-12-01 23:25:00.000000

The analytics' per-row look-ups (a previous staff message, the first staff message after a
hand-off, a guest message of a handed-off conversation, a move into a person's hands since the last
resolve) walk a conversation's rows in time order and test the author (messages) or the state moved
to (state_transitions). The two ``(conversation_id, created_at)`` indexes now carry those columns
(and the message's ``staff_id``), so each look-up is an index-only scan instead of a heap page per
row: on the bench database's group of 20 hotels (docs/analytics.md "Speed"). Same names and key
columns, so every other reader of them is served as before; no index is added, so a stored message
or move writes no extra entry.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "c4e8a2d61f37"
down_revision: str | None = "2ad0eb242896"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_messages_conversation", table_name="messages")
    op.create_index(
        "ix_messages_conversation",
        "messages",
        ["conversation_id", "created_at"],
        postgresql_include=["author", "staff_id"],
    )
    op.drop_index("ix_state_transitions_conversation", table_name="state_transitions")
    op.create_index(
        "ix_state_transitions_conversation",
        "state_transitions",
        ["conversation_id", "created_at"],
        postgresql_include=["to_state"],
    )


def downgrade() -> None:
    op.drop_index("ix_state_transitions_conversation", table_name="state_transitions")
    op.create_index(
        "ix_state_transitions_conversation", "state_transitions", ["conversation_id", "created_at"]
    )
    op.drop_index("ix_messages_conversation", table_name="messages")
    op.create_index("ix_messages_conversation", "messages", ["conversation_id", "created_at"])

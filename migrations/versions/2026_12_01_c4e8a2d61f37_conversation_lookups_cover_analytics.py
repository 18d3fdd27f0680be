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
or move writes no extra entry. Each index is built anew beside the old one without blocking writes.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "c4e8a2d61f37"
down_revision: str | None = "2ad0eb242896"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Built beside the old index without blocking writes (CONCURRENTLY, outside a transaction), then
# swapped in under its name: messages keep arriving while a large table's index is built.
INDEXES = (
    ("ix_messages_conversation", "messages", "(conversation_id, created_at)", "INCLUDE (author, staff_id)"),
    (
        "ix_state_transitions_conversation",
        "state_transitions",
        "(conversation_id, created_at)",
        "INCLUDE (to_state)",
    ),
)


def _rebuild(including: bool) -> None:
    with op.get_context().autocommit_block():
        for name, table, columns, include in INDEXES:
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}_next")
            op.execute(
                f"CREATE INDEX CONCURRENTLY {name}_next ON {table} {columns} {include if including else ''}"
            )
            op.execute(f"DROP INDEX CONCURRENTLY {name}")
            op.execute(f"ALTER INDEX {name}_next RENAME TO {name}")


def upgrade() -> None:
    _rebuild(including=True)


def downgrade() -> None:
    _rebuild(including=False)

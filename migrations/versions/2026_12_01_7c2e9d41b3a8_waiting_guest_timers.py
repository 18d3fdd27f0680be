"""waiting-guest timers: an index of the conversations in people's hands

Revision ID: 7c2e9d41b3a8
Revises: 1fdc3fd2e891
Create Date: 2026-12-01 16:50:00

The timers (``domain/conversations/timers.py``) read every minute the conversations a person holds
or a guest waits in; across all hotels that is a small set, found by this partial index rather
than a scan of every conversation. Its column and predicate change only on transitions, so a guest
message's update of the conversation stays a HOT update.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7c2e9d41b3a8"
down_revision: str | None = "1fdc3fd2e891"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_conversations_with_people",
        "conversations",
        ["hotel_id"],
        unique=False,
        postgresql_where=sa.text("state IN ('needs_human', 'human')"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_conversations_with_people",
        table_name="conversations",
        postgresql_where=sa.text("state IN ('needs_human', 'human')"),
    )

"""transition assignees and request lookup

Who had a conversation before and after each transition (a take-over from a colleague or an
assignment is recorded even when the state stays ``human``), and an index for the inbox's lookup
of each conversation's open service requests.

Revision ID: 800ce680b78c
Revises: 03808038548c
Create Date: 2026-12-01 09:51:36.210337
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "800ce680b78c"
down_revision: str | None = "03808038548c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable columns without a default: PostgreSQL adds them without rewriting the table.
    for column in ("from_staff_id", "to_staff_id"):
        op.add_column(
            "state_transitions",
            sa.Column(column, advanced_alchemy.types.guid.GUID(length=16), nullable=True),
        )
        op.create_foreign_key(
            op.f(f"fk_state_transitions_{column}_staff_users"),
            "state_transitions",
            "staff_users",
            [column],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_index("ix_service_requests_conversation", "service_requests", ["conversation_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_service_requests_conversation", table_name="service_requests")
    for column in ("to_staff_id", "from_staff_id"):
        op.drop_constraint(
            op.f(f"fk_state_transitions_{column}_staff_users"), "state_transitions", type_="foreignkey"
        )
        op.drop_column("state_transitions", column)

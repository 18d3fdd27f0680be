"""hotel retention

Revision ID: c5599e33babb
Revises: 46684edf7866
Create Date: 2026-11-30 05:58:34.020301
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c5599e33babb"
down_revision: str | None = "46684edf7866"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("hotels", sa.Column("retention_days", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("hotels", "retention_days")

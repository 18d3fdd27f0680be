"""memberships active per hotel

Deactivation moves from the account (``staff_users.is_active``, now the platform operator's
switch) to each hotel's membership. Until now a hotel admin's "deactivate" cleared the account's
flag, so an account found switched off is converted to the same effect in the new terms: every
membership inactive, the account itself enabled, so each hotel can decide again for itself.

Revision ID: 03808038548c
Revises: e41b9f0a6c27
Create Date: 2026-12-01 09:51:38.859085
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "03808038548c"
down_revision: str | None = "e41b9f0a6c27"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "memberships", sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False)
    )
    op.execute(
        "UPDATE memberships SET is_active = false "
        "WHERE staff_id IN (SELECT id FROM staff_users WHERE NOT is_active)"
    )
    op.execute("UPDATE staff_users SET is_active = true WHERE NOT is_active")


def downgrade() -> None:
    # Someone no hotel lets in any more was, in the old terms, a deactivated account.
    op.execute(
        "UPDATE staff_users SET is_active = false WHERE id IN (SELECT staff_id FROM memberships) "
        "AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.staff_id = staff_users.id AND m.is_active)"
    )
    op.drop_column("memberships", "is_active")

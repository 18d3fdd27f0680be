"""staff oidc identity

Revision ID: 46684edf7866
Revises: 9fef42ffed55
Create Date: 2026-11-30 05:52:59.232387
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "46684edf7866"
down_revision: str | None = "9fef42ffed55"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("staff_users", sa.Column("oidc_issuer", sa.String(length=255), nullable=True))
    op.add_column("staff_users", sa.Column("oidc_subject", sa.String(length=255), nullable=True))
    op.create_unique_constraint(
        op.f("uq_staff_users_oidc_issuer"), "staff_users", ["oidc_issuer", "oidc_subject"]
    )


def downgrade() -> None:
    op.drop_constraint(op.f("uq_staff_users_oidc_issuer"), "staff_users", type_="unique")
    op.drop_column("staff_users", "oidc_subject")
    op.drop_column("staff_users", "oidc_issuer")

"""messages reference (conversation, hotel) instead of each on its own

Revision ID: d2a8c7e31f04
Revises: b7e9041f5ea7
Create Date: 2026-11-30 08:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "d2a8c7e31f04"
down_revision: str | None = "b7e9041f5ea7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_unique_constraint("uq_conversations_id_hotel_id", "conversations", ["id", "hotel_id"])
    op.drop_constraint(op.f("fk_messages_hotel_id_hotels"), "messages", type_="foreignkey")
    op.drop_constraint(op.f("fk_messages_conversation_id_conversations"), "messages", type_="foreignkey")
    op.create_foreign_key(
        "fk_messages_conversation_id_conversations",
        "messages",
        "conversations",
        ["conversation_id", "hotel_id"],
        ["id", "hotel_id"],
        ondelete="CASCADE",
    )


def downgrade() -> None:
    op.drop_constraint("fk_messages_conversation_id_conversations", "messages", type_="foreignkey")
    op.create_foreign_key(
        op.f("fk_messages_conversation_id_conversations"),
        "messages",
        "conversations",
        ["conversation_id"],
        ["id"],
        ondelete="CASCADE",
    )
    op.create_foreign_key(
        op.f("fk_messages_hotel_id_hotels"), "messages", "hotels", ["hotel_id"], ["id"], ondelete="CASCADE"
    )
    op.drop_constraint("uq_conversations_id_hotel_id", "conversations", type_="unique")

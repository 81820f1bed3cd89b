"""Running instances moved to another version of their process: who, from, to, when.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

from shared.storage.types import BigId, UtcDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workflow_instance_migrations",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("instance_id", sa.Uuid, nullable=False),
        sa.Column("item_id", sa.Uuid, nullable=True),
        sa.Column("process_id", sa.String(100), nullable=False),
        sa.Column("from_version", sa.Integer, nullable=False),
        sa.Column("to_version", sa.Integer, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("migrated_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_workflow_instance_migrations_instance_id", "workflow_instance_migrations", ["instance_id"])
    op.create_index("ix_workflow_instance_migrations_item_id", "workflow_instance_migrations", ["item_id"])


def downgrade() -> None:
    op.drop_table("workflow_instance_migrations")

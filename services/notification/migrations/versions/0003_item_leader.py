"""The leader in charge of each item (from item.registered), told of the item's leader tasks.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # nullable: items registered before this revision have no known leader (every leader is told)
    op.add_column("notification_items", sa.Column("leader", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notification_items") as batch:
        batch.drop_column("leader")

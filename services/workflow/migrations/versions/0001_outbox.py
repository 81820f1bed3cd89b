"""The workflow outbox.

Revision ID: 0001
Revises:
"""

from alembic import op

from shared.storage.frozen_ddl import create_outbox_v1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_outbox_v1("workflow")


def downgrade() -> None:
    op.drop_table("workflow_outbox")

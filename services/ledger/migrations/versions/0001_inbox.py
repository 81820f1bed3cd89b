"""The ledger inbox: every consumed event, once.

Revision ID: 0001
Revises:
"""

from alembic import op

from shared.storage.frozen_ddl import create_inbox_v1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_inbox_v1("ledger")


def downgrade() -> None:
    op.drop_table("ledger_inbox")

"""Status, deadline and overdue from ``item.progressed`` (the workflow derives them): the
overdue flag and the deadline it concerns, the status reason; the fields the ledger used
to derive overdue and the estimate flag itself (worked out when read) go.

The rows are a read model: run ``duban ledger rebuild`` after this upgrade.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from shared.storage.types import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ledger_items") as batch:
        batch.add_column(sa.Column("status_reason", sa.Text, nullable=True))
        batch.add_column(sa.Column("overdue", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("overdue_deadline", sa.String(20), nullable=True))
        batch.drop_column("due_estimated")
        batch.drop_column("due_at")
        batch.drop_column("overdue_for")
        batch.drop_column("late_at")


def downgrade() -> None:
    with op.batch_alter_table("ledger_items") as batch:
        batch.add_column(sa.Column("late_at", UtcDateTime, nullable=True))
        batch.add_column(sa.Column("overdue_for", sa.Date, nullable=True))
        batch.add_column(sa.Column("due_at", UtcDateTime, nullable=True))
        batch.add_column(sa.Column("due_estimated", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.drop_column("overdue_deadline")
        batch.drop_column("overdue")
        batch.drop_column("status_reason")

"""An item's progress as one rule derives it: which deadline was found overdue; the
estimate flag of a deadline is worked out from the calendar when read (no column); an
open task keeps what its assignee needs to see (e.g. a unit's prior offences).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("workflow_items") as batch:
        batch.add_column(sa.Column("overdue_deadline", sa.String(20), nullable=True))
        batch.drop_column("due_date_estimated")
    op.execute("UPDATE workflow_items SET overdue_deadline = 'report' WHERE overdue")
    with op.batch_alter_table("workflow_open_tasks") as batch:
        batch.add_column(sa.Column("context", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workflow_open_tasks") as batch:
        batch.drop_column("context")
    with op.batch_alter_table("workflow_items") as batch:
        batch.add_column(sa.Column("due_date_estimated", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.drop_column("overdue_deadline")

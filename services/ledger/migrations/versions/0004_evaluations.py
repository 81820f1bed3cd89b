"""An item's joint supervision group (联合督查组) and the third-party evaluations (第三方评估)
recorded on it, on the ledger row; research notes are timeline entries only.

Items registered before keep no group and no evaluation (none could be recorded then).

Revision ID: 0004_evaluations
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_evaluations"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ledger_items") as batch:
        batch.add_column(sa.Column("joint_group", sa.JSON, nullable=True))
        batch.add_column(sa.Column("evaluations", sa.JSON, nullable=False, server_default=sa.text("'[]'")))


def downgrade() -> None:
    with op.batch_alter_table("ledger_items") as batch:
        batch.drop_column("evaluations")
        batch.drop_column("joint_group")

"""The scheduled rounds opened: quarterly progress items per unit, mid-year and year-end
checks per annual target, one row per (kind, period, subject).

Revision ID: 0008_rounds
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

from shared.storage.types import UtcDateTime

revision = "0008_rounds"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workflow_rounds",
        sa.Column("kind", sa.String(30), primary_key=True),
        sa.Column("period", sa.String(10), primary_key=True),
        sa.Column("subject", sa.String(64), primary_key=True),
        sa.Column("item_id", sa.Uuid, nullable=False),
        sa.Column("opened_at", UtcDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("workflow_rounds")

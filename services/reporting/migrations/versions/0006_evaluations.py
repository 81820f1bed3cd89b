"""Third-party evaluations (第三方评估) and research notes (调研) recorded on items, from their
events, for the work brief (督查工作简报).

Creates only its own table.

Revision ID: 0006_evaluations
Revises: 0005_plans
"""

import sqlalchemy as sa
from alembic import op

from shared.storage.types import UtcDateTime

revision = "0006_evaluations"
down_revision = "0005_plans"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reporting_item_records",
        sa.Column("event_id", sa.Uuid, primary_key=True),
        sa.Column("item_id", sa.Uuid, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("author", sa.String(200), nullable=True),
        sa.Column("place", sa.String(200), nullable=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("rating", sa.String(20), nullable=True),
        sa.Column("attachment_name", sa.String(500), nullable=True),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_reporting_item_records_kind_day", "reporting_item_records", ["kind", "day"])


def downgrade() -> None:
    op.drop_table("reporting_item_records")

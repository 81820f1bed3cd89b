"""The ledger read model: one row per item, its units, and its timeline.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from shared.storage.types import BigId, UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_items",
        sa.Column("item_id", sa.Uuid, primary_key=True),
        sa.Column("placeholder", sa.Boolean, nullable=False),
        sa.Column("code", sa.String(100), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("source", sa.String(40), nullable=True),
        sa.Column("urgency", sa.String(20), nullable=True),
        sa.Column("lead_unit", sa.String(64), nullable=True),
        sa.Column("co_units", sa.JSON, nullable=False),
        sa.Column("units_at", UtcDateTime, nullable=True),
        sa.Column("leader", sa.String(64), nullable=True),
        sa.Column("major", sa.Boolean, nullable=False),
        sa.Column("public", sa.Boolean, nullable=False),
        sa.Column("livelihood", sa.Boolean, nullable=False),
        sa.Column("registered_at", UtcDateTime, nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("status_at", UtcDateTime, nullable=True),
        sa.Column("assigned_on", sa.Date, nullable=True),
        sa.Column("due_date", sa.Date, nullable=True),
        sa.Column("due_estimated", sa.Boolean, nullable=False),
        sa.Column("yellow_from", sa.Date, nullable=True),
        sa.Column("due_at", UtcDateTime, nullable=True),
        sa.Column("sign_reminded", sa.Boolean, nullable=False),
        sa.Column("reminded_for", sa.Date, nullable=True),
        sa.Column("overdue_for", sa.Date, nullable=True),
    sa.Column("late_at", UtcDateTime, nullable=True),
        sa.Column("reopened", sa.Boolean, nullable=False),
        sa.Column("progress", sa.Text, nullable=False),
        sa.Column("progress_at", UtcDateTime, nullable=True),
        sa.Column("reported_on", sa.Date, nullable=True),
        sa.Column("closed_on", sa.Date, nullable=True),
        sa.Column("closed_at", UtcDateTime, nullable=True),
    sa.Column("on_time", sa.Boolean, nullable=True),
        sa.Column("rounds", sa.Integer, nullable=False),
        sa.Column("returned_count", sa.Integer, nullable=False),
        sa.Column("reopened_count", sa.Integer, nullable=False),
        sa.Column("last_event_at", UtcDateTime, nullable=True),
    )
    op.create_index("ix_ledger_items_lead_unit", "ledger_items", ["lead_unit"])
    op.create_index("ix_ledger_items_due_date", "ledger_items", ["due_date"])
    op.create_index("ix_ledger_items_assigned_on", "ledger_items", ["assigned_on"])
    op.create_table(
        "ledger_item_units",
        sa.Column("item_id", sa.Uuid, primary_key=True),
        sa.Column("unit", sa.String(64), primary_key=True),
        sa.Column("lead", sa.Boolean, nullable=False),
    )
    op.create_index("ix_ledger_item_units_unit", "ledger_item_units", ["unit", "item_id"])
    op.create_table(
        "ledger_timeline",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.Uuid, nullable=False, unique=True),
        sa.Column("item_id", sa.Uuid, nullable=False),
        sa.Column("occurred_at", UtcDateTime, nullable=False),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("unit", sa.String(64), nullable=True),
        sa.Column("text", sa.Text, nullable=False),
    )
    op.create_index("ix_ledger_timeline_item", "ledger_timeline", ["item_id", "occurred_at"])
    op.create_index("ix_ledger_timeline_kind", "ledger_timeline", ["kind", "occurred_at"])


def downgrade() -> None:
    op.drop_table("ledger_timeline")
    op.drop_table("ledger_item_units")
    op.drop_table("ledger_items")

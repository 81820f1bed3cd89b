"""The bulletins' read model (one row per item, the dated facts counted by unit) and the
bulletins themselves: their numbers, the office's findings and adjustments.

The read model is built from the events: a database upgraded after events were consumed
has them in its inbox, and the service fills the read model from it at its next start
(``adapters/read_model.py``, ``fill_from_inbox``).

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
        "reporting_items",
        sa.Column("item_id", sa.Uuid, primary_key=True),
        sa.Column("placeholder", sa.Boolean, nullable=False),
        sa.Column("code", sa.String(100), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("source", sa.String(40), nullable=True),
        sa.Column("public", sa.Boolean, nullable=False),
        sa.Column("major", sa.Boolean, nullable=False),
        sa.Column("lead_unit", sa.String(64), nullable=True),
        sa.Column("co_units", sa.JSON, nullable=False),
        sa.Column("units_at", UtcDateTime, nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("status_at", UtcDateTime, nullable=True),
        sa.Column("due_date", sa.Date, nullable=True),
        sa.Column("overdue", sa.Boolean, nullable=False),
        sa.Column("assigned_on", sa.Date, nullable=True),
        sa.Column("signed", sa.Boolean, nullable=False),
        sa.Column("closed_on", sa.Date, nullable=True),
        sa.Column("closed_at", UtcDateTime, nullable=True),
        sa.Column("on_time", sa.Boolean, nullable=True),
        sa.Column("returned_count", sa.Integer, nullable=False),
        sa.Column("reopened_count", sa.Integer, nullable=False),
        sa.Column("revisits_passed", sa.Integer, nullable=False),
        sa.Column("revisits_failed", sa.Integer, nullable=False),
    )
    op.create_index("ix_reporting_items_assigned_on", "reporting_items", ["assigned_on"])
    op.create_index("ix_reporting_items_closed_on", "reporting_items", ["closed_on"])
    op.create_table(
        "reporting_facts",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.Uuid, nullable=False, unique=True),
        sa.Column("item_id", sa.Uuid, nullable=False),
        sa.Column("occurred_at", UtcDateTime, nullable=False),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("unit", sa.String(64), nullable=True),
        sa.Column("passed", sa.Boolean, nullable=True),
    )
    op.create_index("ix_reporting_facts_kind", "reporting_facts", ["kind", "occurred_at"])
    op.create_table(
        "reporting_bulletin_numbers",
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("last", sa.Integer, nullable=False),
    )
    op.create_table(
        "reporting_bulletins",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("number", sa.String(100), nullable=False, unique=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("period_from", sa.Date, nullable=False),
        sa.Column("period_to", sa.Date, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("published_at", UtcDateTime, nullable=True),
        sa.Column("figures", sa.JSON, nullable=True),
    )
    op.create_index("ix_reporting_bulletins_kind_year", "reporting_bulletins", ["kind", "year"])
    op.create_table(
        "reporting_findings",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("unit", sa.String(64), nullable=False),
        sa.Column("item_id", sa.Uuid, nullable=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("recorded_on", sa.Date, nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_reporting_findings_recorded_on", "reporting_findings", ["recorded_on"])
    op.create_table(
        "reporting_bulletin_adjustments",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("bulletin_id", sa.Uuid, nullable=False),
        sa.Column("list", sa.String(20), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("unit", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("made_by", sa.String(64), nullable=False),
        sa.Column("made_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_reporting_bulletin_adjustments_bulletin", "reporting_bulletin_adjustments",
                    ["bulletin_id", "id"])


def downgrade() -> None:
    for table in ("reporting_bulletin_adjustments", "reporting_findings", "reporting_bulletins",
                  "reporting_bulletin_numbers", "reporting_facts", "reporting_items"):
        op.drop_table(table)

"""The public board (公开挂牌督办): what the public sees of each item, the approved progress
text, and the public's feedback.

Creates only its own tables, so it runs after any other revision of the reporting service
(after the bulletins' read model, 0002).

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
    op.create_table(
        "reporting_public_items",
        sa.Column("item_id", sa.Uuid, primary_key=True),
        sa.Column("placeholder", sa.Boolean, nullable=False),
        sa.Column("public", sa.Boolean, nullable=False),
        sa.Column("code", sa.String(100), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("lead_unit", sa.String(64), nullable=True),
        sa.Column("units_at", UtcDateTime, nullable=True),
        sa.Column("registered_at", UtcDateTime, nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("status_at", UtcDateTime, nullable=True),
        sa.Column("due_date", sa.Date, nullable=True),
        sa.Column("overdue", sa.Boolean, nullable=False),
        sa.Column("overdue_deadline", sa.String(20), nullable=True),
        sa.Column("yellow_from", sa.Date, nullable=True),
        sa.Column("sign_reminded", sa.Boolean, nullable=False),
        sa.Column("reminded_for", sa.Date, nullable=True),
        sa.Column("reopened", sa.Boolean, nullable=False),
        sa.Column("closed_on", sa.Date, nullable=True),
        sa.Column("closed_at", UtcDateTime, nullable=True),
        sa.Column("last_event_at", UtcDateTime, nullable=True),
    )
    op.create_index("ix_reporting_public_items_public", "reporting_public_items", ["public", "lead_unit"])
    op.create_table(
        "reporting_public_texts",
        sa.Column("item_id", sa.Uuid, primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("approved_by", sa.String(64), nullable=False),
        sa.Column("approved_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "reporting_feedback",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("item_id", sa.Uuid, nullable=False),
        sa.Column("rating", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("contact", sa.String(100), nullable=True),
        sa.Column("client", sa.String(100), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("hidden", sa.Boolean, nullable=False),
        sa.Column("hidden_reason", sa.Text, nullable=True),
        sa.Column("hidden_by", sa.String(64), nullable=True),
        sa.Column("hidden_at", UtcDateTime, nullable=True),
        sa.Column("answer", sa.Text, nullable=True),
        sa.Column("answered_by", sa.String(64), nullable=True),
        sa.Column("answered_at", UtcDateTime, nullable=True),
    )
    op.create_index("ix_reporting_feedback_item", "reporting_feedback", ["item_id", "created_at"])
    op.create_index("ix_reporting_feedback_client", "reporting_feedback", ["client", "created_at"])


def downgrade() -> None:
    op.drop_table("reporting_feedback")
    op.drop_table("reporting_public_texts")
    op.drop_table("reporting_public_items")

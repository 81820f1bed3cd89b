"""Items known to the notification service, and deliveries (inbox messages, e-mail, webhooks).

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
        "notification_items",
        sa.Column("item_id", sa.Uuid, primary_key=True),
        sa.Column("code", sa.String(100), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("lead_unit", sa.String(64), nullable=False),
        sa.Column("co_units", sa.JSON, nullable=False),
        sa.Column("due_date", sa.Date, nullable=True),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "notification_deliveries",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.Uuid, nullable=False),
        sa.Column("recipient", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("address", sa.String(500), nullable=True),
        sa.Column("event_kind", sa.String(100), nullable=False),
        sa.Column("template", sa.String(100), nullable=False),
        sa.Column("item_id", sa.Uuid, nullable=True),
        sa.Column("item_code", sa.String(100), nullable=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("link", sa.String(2000), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", UtcDateTime, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("sent_at", UtcDateTime, nullable=True),
        sa.Column("read_at", UtcDateTime, nullable=True),
        sa.UniqueConstraint("event_id", "recipient", "channel", name="uq_notification_deliveries_once"),
    )
    op.create_index("ix_notification_deliveries_due", "notification_deliveries", ["status", "next_attempt_at"])
    op.create_index("ix_notification_deliveries_recipient", "notification_deliveries",
                    ["recipient", "channel"])


def downgrade() -> None:
    op.drop_table("notification_deliveries")
    op.drop_table("notification_items")

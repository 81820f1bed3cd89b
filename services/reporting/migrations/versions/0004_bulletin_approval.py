"""Bulletins go through their approval process: the office's remarks and the leader's comment on
each bulletin, and the outbox of what the reporting service publishes (bulletin.published, the
approval and accountability commands); the monthly drafts made on schedule.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from shared.storage.types import BigId, UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reporting_bulletins") as batch:
        batch.add_column(sa.Column("remarks", sa.Text(), nullable=True))
        batch.add_column(sa.Column("leader_comment", sa.Text(), nullable=True))
    op.create_table(
        "reporting_outbox",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.Uuid(), nullable=False, unique=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("sent_at", UtcDateTime, nullable=True),
    )
    op.create_table(
        "reporting_scheduled_drafts",
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("period_from", sa.Date(), primary_key=True),
        sa.Column("bulletin_id", sa.Uuid(), nullable=False),
    )
    op.create_index("ix_reporting_outbox_unsent", "reporting_outbox", ["id"],
                    postgresql_where=sa.text("sent_at IS NULL"), sqlite_where=sa.text("sent_at IS NULL"))


def downgrade() -> None:
    op.drop_table("reporting_scheduled_drafts")
    op.drop_index("ix_reporting_outbox_unsent", table_name="reporting_outbox")
    op.drop_table("reporting_outbox")
    with op.batch_alter_table("reporting_bulletins") as batch:
        batch.drop_column("leader_comment")
        batch.drop_column("remarks")

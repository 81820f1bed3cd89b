"""Accountability cases (for repeat offences), the command inbox, the active definition
version and the reason shown with a rejected or reopened item.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from shared.storage.frozen_ddl import create_inbox_v1
from shared.storage.types import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("workflow_definition_versions") as batch:
        batch.add_column(sa.Column("activation", sa.Integer, nullable=True))
    op.execute("UPDATE workflow_definition_versions SET activation = version")
    with op.batch_alter_table("workflow_items") as batch:
        batch.add_column(sa.Column("status_reason", sa.Text, nullable=True))
    create_inbox_v1("workflow")
    op.create_table(
        "workflow_accountability_cases",
        sa.Column("case_id", sa.Uuid, primary_key=True),
        sa.Column("unit", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("trigger", sa.String(20), nullable=False),
        sa.Column("item_id", sa.Uuid, nullable=True),
        sa.Column("bulletin_id", sa.Uuid, nullable=True),
        sa.Column("instance_id", sa.Uuid, nullable=False),
        sa.Column("opened_at", UtcDateTime, nullable=False),
        sa.Column("measure", sa.String(20), nullable=True),
        sa.Column("closed_at", UtcDateTime, nullable=True),
    )
    op.create_index("ix_workflow_accountability_cases_unit_year", "workflow_accountability_cases",
                    ["unit", "year"])


def downgrade() -> None:
    op.drop_table("workflow_accountability_cases")
    op.drop_table("workflow_inbox")
    with op.batch_alter_table("workflow_items") as batch:
        batch.drop_column("status_reason")
    with op.batch_alter_table("workflow_definition_versions") as batch:
        batch.drop_column("activation")

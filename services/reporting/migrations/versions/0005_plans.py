"""Monthly supervision plans (月度督查工作计划), their on-site visits (现场督查), and the reminder
to the office in the last week of a month short of on-site days (once per month).

Revision ID: 0005_plans
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from shared.storage.types import UtcDateTime

revision = "0005_plans"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reporting_plans",
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("focus", sa.JSON(), nullable=False),
        sa.Column("planned_on_site_days", sa.Integer(), nullable=False),
        sa.Column("teams", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=True),
        sa.Column("updated_at", UtcDateTime, nullable=True),
    )
    op.create_table(
        "reporting_visits",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(200), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("team", sa.JSON(), nullable=False),
        sa.Column("joint_group", sa.JSON(), nullable=True),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_reporting_visits_month", "reporting_visits", ["month", "visited_on"])
    op.create_index("ix_reporting_visits_visited_on", "reporting_visits", ["visited_on"])
    op.create_table(
        "reporting_plan_reminders",
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("command_id", sa.Uuid(), nullable=False),
        sa.Column("sent_at", UtcDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("reporting_plan_reminders")
    op.drop_index("ix_reporting_visits_visited_on", table_name="reporting_visits")
    op.drop_index("ix_reporting_visits_month", table_name="reporting_visits")
    op.drop_table("reporting_visits")
    op.drop_table("reporting_plans")

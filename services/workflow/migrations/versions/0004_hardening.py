"""Item numbers from a counter, idempotency keys, a task's named user and delegations,
who a decision was made for, and incidents (a step that failed and waits for a person).

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
    op.create_table(
        "workflow_item_numbers",
        sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("last", sa.Integer, nullable=False),
    )
    op.execute("INSERT INTO workflow_item_numbers (year, last) "
               "SELECT year, MAX(number) FROM workflow_items GROUP BY year")
    op.create_table(
        "workflow_idempotency_keys",
        sa.Column("actor", sa.String(64), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("request_digest", sa.String(64), nullable=False),
        sa.Column("item_id", sa.Uuid, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    with op.batch_alter_table("workflow_open_tasks") as batch:
        batch.add_column(sa.Column("assignee_user", sa.String(64), nullable=True))
    op.create_index("ix_workflow_open_tasks_assignee_user", "workflow_open_tasks", ["assignee_user"])
    with op.batch_alter_table("workflow_task_history") as batch:
        batch.add_column(sa.Column("on_behalf_of", sa.String(64), nullable=True))
    op.create_table(
        "workflow_delegations",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("leader", sa.String(64), nullable=False, index=True),
        sa.Column("delegate", sa.String(64), nullable=False, index=True),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("revoked_at", UtcDateTime, nullable=True),
    )
    op.create_table(
        "workflow_incidents",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("instance_id", sa.Uuid, nullable=True, index=True),
        sa.Column("item_id", sa.Uuid, nullable=True),
        sa.Column("trigger", sa.String(20), nullable=False),
        sa.Column("element_id", sa.String(200), nullable=True),
        sa.Column("element_name", sa.String(200), nullable=True),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("timer_at", UtcDateTime, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("resolved_at", UtcDateTime, nullable=True),
        sa.Column("resolved_by", sa.String(64), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("workflow_incidents")
    op.drop_table("workflow_delegations")
    with op.batch_alter_table("workflow_task_history") as batch:
        batch.drop_column("on_behalf_of")
    op.drop_index("ix_workflow_open_tasks_assignee_user", "workflow_open_tasks")
    with op.batch_alter_table("workflow_open_tasks") as batch:
        batch.drop_column("assignee_user")
    op.drop_table("workflow_idempotency_keys")
    op.drop_table("workflow_item_numbers")

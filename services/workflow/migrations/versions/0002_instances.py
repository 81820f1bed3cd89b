"""Definitions, instances, items, open tasks and task history.

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
        "workflow_definition_versions",
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("digest", sa.String(64), nullable=False, unique=True),
        sa.Column("documents", sa.JSON, nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("deployed_by", sa.String(64), nullable=False),
        sa.Column("deployed_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "workflow_process_specs",
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("process_id", sa.String(100), primary_key=True),
        sa.Column("spec", sa.Text, nullable=False),
    )
    op.create_table(
        "workflow_instances",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("item_id", sa.Uuid, nullable=True, index=True),
        sa.Column("process_id", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("next_timer_at", UtcDateTime, nullable=True),
        sa.Column("completed", sa.Boolean, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_workflow_instances_timer", "workflow_instances", ["next_timer_at"])
    op.create_table(
        "workflow_items",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("code", sa.String(40), nullable=False, unique=True),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("urgency", sa.String(20), nullable=False),
        sa.Column("lead_unit", sa.String(64), nullable=False, index=True),
        sa.Column("co_units", sa.JSON, nullable=False),
        sa.Column("leader", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("due_date", sa.Date, nullable=True),
        sa.Column("due_date_estimated", sa.Boolean, nullable=False),
        sa.Column("overdue", sa.Boolean, nullable=False),
        sa.Column("registered_by", sa.String(64), nullable=False),
        sa.Column("registered_at", UtcDateTime, nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
        sa.UniqueConstraint("year", "number", name="uq_workflow_items_number"),
    )
    op.create_table(
        "workflow_open_tasks",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("instance_id", sa.Uuid, nullable=False, index=True),
        sa.Column("item_id", sa.Uuid, nullable=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("bpmn_id", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("assignee_role", sa.String(40), nullable=False),
        sa.Column("assignee_unit", sa.String(64), nullable=True),
        sa.Column("due_date", sa.Date, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_workflow_open_tasks_assignee", "workflow_open_tasks", ["assignee_role", "assignee_unit"])
    op.create_table(
        "workflow_task_history",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("task_id", sa.Uuid, nullable=False, unique=True),
        sa.Column("instance_id", sa.Uuid, nullable=False, index=True),
        sa.Column("item_id", sa.Uuid, nullable=True, index=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("bpmn_id", sa.String(100), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("completed_at", UtcDateTime, nullable=False),
    )


def downgrade() -> None:
    for table in ("workflow_task_history", "workflow_open_tasks", "workflow_items", "workflow_instances",
                  "workflow_process_specs", "workflow_definition_versions"):
        op.drop_table(table)

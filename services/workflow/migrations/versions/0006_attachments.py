"""Attachments: uploaded files' metadata (the bytes are in the blob store), bound to the item
of the task whose form named them.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

from shared.storage.types import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workflow_attachments",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("storage_key", sa.String(40), nullable=False, unique=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("uploaded_by", sa.String(64), nullable=False),
        sa.Column("uploader_unit", sa.String(64), nullable=True),
        sa.Column("uploaded_at", UtcDateTime, nullable=False),
        sa.Column("item_id", sa.Uuid, nullable=True),
        sa.Column("task_id", sa.Uuid, nullable=True),
        sa.Column("bound_at", UtcDateTime, nullable=True),
    )
    op.create_index("ix_workflow_attachments_item_id", "workflow_attachments", ["item_id"])


def downgrade() -> None:
    op.drop_index("ix_workflow_attachments_item_id", "workflow_attachments")
    op.drop_table("workflow_attachments")

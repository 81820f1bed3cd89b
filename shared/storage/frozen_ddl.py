"""DDL of the shared tables as their first migrations created them.

Migrations call these; they never change. A later change to a table is a new function
used by a new migration, so an old database and a new one end up the same.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shared.storage.types import BigId, UtcDateTime


def create_outbox_v1(prefix: str) -> None:
    op.create_table(
        f"{prefix}_outbox",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.Uuid, nullable=False, unique=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("sent_at", UtcDateTime, nullable=True),
    )
    unsent = sa.text("sent_at IS NULL")
    op.create_index(f"ix_{prefix}_outbox_unsent", f"{prefix}_outbox", ["id"],
                    postgresql_where=unsent, sqlite_where=unsent)


def create_inbox_v1(prefix: str) -> None:
    op.create_table(
        f"{prefix}_inbox",
        sa.Column("event_id", sa.Uuid, primary_key=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("item_id", sa.Uuid, nullable=True),
        sa.Column("occurred_at", UtcDateTime, nullable=False),
        sa.Column("received_at", UtcDateTime, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
    )
    op.create_index(f"ix_{prefix}_inbox_item", f"{prefix}_inbox", ["item_id", "occurred_at"])

"""The reporting service's tables (it owns them; no other service reads them)."""

from sqlalchemy import MetaData

from shared.storage.inbox import inbox_table

metadata = MetaData()
inbox = inbox_table(metadata, "reporting")

# --- the public board (公开挂牌督办) and public feedback: migration 0003_public_board ---------
from sqlalchemy import Boolean, Column, Date, Index, Integer, String, Table, Text, Uuid  # noqa: E402

from shared.storage.types import UtcDateTime  # noqa: E402

public_items = Table(  # what the public may see of every item (the flag decides), fed by the workflow's events
    "reporting_public_items",
    metadata,
    Column("item_id", Uuid, primary_key=True),
    Column("placeholder", Boolean, nullable=False),
    Column("public", Boolean, nullable=False),
    Column("code", String(100), nullable=False),
    Column("title", String(200), nullable=False),
    Column("lead_unit", String(64), nullable=True),
    Column("units_at", UtcDateTime, nullable=True),
    Column("registered_at", UtcDateTime, nullable=True),
    Column("status", String(20), nullable=False),
    Column("status_at", UtcDateTime, nullable=True),
    Column("due_date", Date, nullable=True),
    Column("overdue", Boolean, nullable=False),
    Column("overdue_deadline", String(20), nullable=True),
    Column("yellow_from", Date, nullable=True),
    Column("sign_reminded", Boolean, nullable=False),
    Column("reminded_for", Date, nullable=True),
    Column("reopened", Boolean, nullable=False),
    Column("closed_on", Date, nullable=True),
    Column("closed_at", UtcDateTime, nullable=True),
    Column("last_event_at", UtcDateTime, nullable=True),
)
Index("ix_reporting_public_items_public", public_items.c.public, public_items.c.lead_unit)

public_texts = Table(  # the progress text the office approved for the public (one per item)
    "reporting_public_texts",
    metadata,
    Column("item_id", Uuid, primary_key=True),
    Column("text", Text, nullable=False),
    Column("approved_by", String(64), nullable=False),
    Column("approved_at", UtcDateTime, nullable=False),
)

feedback = Table(  # the public's ratings and words on an item; ``client`` (the address) is never shown
    "reporting_feedback",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("item_id", Uuid, nullable=False),
    Column("rating", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("contact", String(100), nullable=True),
    Column("client", String(100), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("hidden", Boolean, nullable=False),
    Column("hidden_reason", Text, nullable=True),
    Column("hidden_by", String(64), nullable=True),
    Column("hidden_at", UtcDateTime, nullable=True),
    Column("answer", Text, nullable=True),
    Column("answered_by", String(64), nullable=True),
    Column("answered_at", UtcDateTime, nullable=True),
)
Index("ix_reporting_feedback_item", feedback.c.item_id, feedback.c.created_at)
Index("ix_reporting_feedback_client", feedback.c.client, feedback.c.created_at)

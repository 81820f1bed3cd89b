"""The ledger service's tables (it owns them; no other service reads them)."""

from sqlalchemy import JSON, Boolean, Column, Date, Index, Integer, MetaData, String, Table, Text, Uuid

from shared.storage.inbox import inbox_table
from shared.storage.types import BigId, UtcDateTime

metadata = MetaData()
inbox = inbox_table(metadata, "ledger")

items = Table(
    "ledger_items",
    metadata,
    Column("item_id", Uuid, primary_key=True),
    Column("placeholder", Boolean, nullable=False),
    Column("code", String(100), nullable=False),
    Column("title", String(200), nullable=False),
    Column("source", String(40), nullable=True),
    Column("urgency", String(20), nullable=True),
    Column("lead_unit", String(64), nullable=True),
    Column("co_units", JSON, nullable=False),
    Column("units_at", UtcDateTime, nullable=True),
    Column("leader", String(64), nullable=True),
    Column("major", Boolean, nullable=False),
    Column("public", Boolean, nullable=False),
    Column("livelihood", Boolean, nullable=False),
    Column("registered_at", UtcDateTime, nullable=True),
    Column("status", String(20), nullable=False),
    Column("status_reason", Text, nullable=True),
    Column("status_at", UtcDateTime, nullable=True),
    Column("due_date", Date, nullable=True),
    Column("overdue", Boolean, nullable=False),
    Column("overdue_deadline", String(20), nullable=True),
    Column("yellow_from", Date, nullable=True),
    Column("assigned_on", Date, nullable=True),
    Column("sign_reminded", Boolean, nullable=False),
    Column("reminded_for", Date, nullable=True),
    Column("reopened", Boolean, nullable=False),
    Column("progress", Text, nullable=False),
    Column("progress_at", UtcDateTime, nullable=True),
    Column("reported_on", Date, nullable=True),
    Column("closed_on", Date, nullable=True),
    Column("closed_at", UtcDateTime, nullable=True),
    Column("on_time", Boolean, nullable=True),
    Column("rounds", Integer, nullable=False),
    Column("returned_count", Integer, nullable=False),
    Column("reopened_count", Integer, nullable=False),
    Column("last_event_at", UtcDateTime, nullable=True),
    Column("joint_group", JSON, nullable=True),  # migration 0004_evaluations
    Column("evaluations", JSON, nullable=False),
)
Index("ix_ledger_items_lead_unit", items.c.lead_unit)
Index("ix_ledger_items_due_date", items.c.due_date)
Index("ix_ledger_items_assigned_on", items.c.assigned_on)

item_units = Table(
    "ledger_item_units",
    metadata,
    Column("item_id", Uuid, primary_key=True),
    Column("unit", String(64), primary_key=True),
    Column("lead", Boolean, nullable=False),
)
Index("ix_ledger_item_units_unit", item_units.c.unit, item_units.c.item_id)

timeline = Table(
    "ledger_timeline",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("event_id", Uuid, nullable=False, unique=True),
    Column("item_id", Uuid, nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("kind", String(60), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("unit", String(64), nullable=True),
    Column("text", Text, nullable=False),
)
Index("ix_ledger_timeline_item", timeline.c.item_id, timeline.c.occurred_at)
Index("ix_ledger_timeline_kind", timeline.c.kind, timeline.c.occurred_at)

"""The notification service's tables (it owns them; no other service reads them).

- ``consumed`` (table ``notification_inbox``, the name every service gives its table of
  consumed messages): every consumed event or ``SendNotification`` command, once
  (idempotency). Not the users' inbox (站内信): that is the ``inbox`` channel of the deliveries.
- ``notification_items``: what this service knows of each item (its leader too), from the events.
- ``notification_deliveries``: one row per (event or command, recipient, channel). An ``inbox`` row
  is the in-app message itself (sent when written, ``read_at`` when read); ``email`` and
  ``webhook`` rows are sent by the dispatcher and retried until sent or failed.
"""

from sqlalchemy import JSON, Column, Date, Index, Integer, MetaData, String, Table, Text, UniqueConstraint, Uuid

from services.notification.domain.messages import TITLE_MAX
from shared.storage.inbox import inbox_table
from shared.storage.types import BigId, UtcDateTime

metadata = MetaData()
consumed = inbox_table(metadata, "notification")

items = Table(
    "notification_items",
    metadata,
    Column("item_id", Uuid, primary_key=True),
    Column("code", String(100), nullable=False),
    Column("title", String(200), nullable=False),
    Column("lead_unit", String(64), nullable=False),
    Column("co_units", JSON, nullable=False),
    Column("due_date", Date, nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("leader", String(64), nullable=True),  # None for items registered before migration 0003
)

deliveries = Table(
    "notification_deliveries",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),  # also the order of arrival
    Column("event_id", Uuid, nullable=False),
    Column("recipient", String(64), nullable=False),
    Column("channel", String(20), nullable=False),  # inbox | email | webhook
    Column("address", String(500), nullable=True),  # e-mail address or webhook URL at the time
    Column("event_kind", String(100), nullable=False),
    Column("template", String(100), nullable=False),
    Column("item_id", Uuid, nullable=True),
    Column("item_code", String(100), nullable=True),
    Column("title", String(TITLE_MAX), nullable=False),
    Column("body", Text, nullable=False),
    Column("link", String(2000), nullable=True),
    Column("status", String(20), nullable=False),  # pending | sent | failed
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("read_at", UtcDateTime, nullable=True),
    UniqueConstraint("event_id", "recipient", "channel", name="uq_notification_deliveries_once"),
)
Index("ix_notification_deliveries_due", deliveries.c.status, deliveries.c.next_attempt_at)
Index("ix_notification_deliveries_recipient", deliveries.c.recipient, deliveries.c.channel)

"""The workflow service's tables (it owns them; no other service reads them)."""

from sqlalchemy import MetaData

from shared.storage.outbox import outbox_table

metadata = MetaData()
outbox = outbox_table(metadata, "workflow")

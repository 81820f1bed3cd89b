"""The reporting service's tables (it owns them; no other service reads them)."""

from sqlalchemy import MetaData

from shared.storage.inbox import inbox_table

metadata = MetaData()
inbox = inbox_table(metadata, "reporting")

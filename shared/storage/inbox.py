"""The inbox: every consumed message is recorded once by its ``event_id``.

A consumer records the message in the same transaction as its effects; a redelivered
message finds its id already there and changes nothing.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, Index, MetaData, String, Table, Text, Uuid, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.clock import Clock

from shared.contracts.base import Message
from shared.storage.types import UtcDateTime


def inbox_table(metadata: MetaData, prefix: str) -> Table:
    table = Table(
        f"{prefix}_inbox",
        metadata,
        Column("event_id", Uuid, primary_key=True),
        Column("subject", String(200), nullable=False),
        Column("item_id", Uuid, nullable=True),
        Column("occurred_at", UtcDateTime, nullable=False),
        Column("received_at", UtcDateTime, nullable=False),
        Column("payload", Text, nullable=False),
    )
    Index(f"ix_{prefix}_inbox_item", table.c.item_id, table.c.occurred_at)
    return table


async def record_once(connection: AsyncConnection, table: Table, message: Message, now: dt.datetime) -> bool:
    """Insert the message unless its id is already there; True when it is new."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(
        event_id=message.event_id,
        subject=message.subject,
        item_id=getattr(message, "item_id", None),
        occurred_at=message.occurred_at,
        received_at=now,
        payload=message.model_dump_json(),
    ).on_conflict_do_nothing(index_elements=[table.c.event_id]).returning(table.c.event_id)
    return (await connection.execute(statement)).first() is not None


async def count(connection: AsyncConnection, table: Table) -> int:
    return (await connection.execute(select(func.count()).select_from(table))).scalar_one()


class InboxRecorder:
    """A consumer handler that records each message once (the first step of every consumer)."""

    def __init__(self, db: AsyncEngine, table: Table, clock: Clock) -> None:
        self.db, self.table, self.clock = db, table, clock

    async def __call__(self, message: Message) -> None:
        async with self.db.begin() as connection:
            await record_once(connection, self.table, message, self.clock.now())

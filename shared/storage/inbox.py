"""The inbox: every consumed message is recorded once by its ``event_id``.

A consumer records the message in the same transaction as its effects; a redelivered
message finds its id already there and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from uuid import UUID

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


def _row(message: Message, now: dt.datetime) -> dict[str, Any]:
    return {"event_id": message.event_id, "subject": message.subject, "item_id": getattr(message, "item_id", None),
            "occurred_at": message.occurred_at, "received_at": now, "payload": message.model_dump_json()}


async def record_new(connection: AsyncConnection, table: Table, messages: Sequence[Message],
                     now: dt.datetime) -> list[Message]:
    """Record a batch of messages, each once by its id, with one ``INSERT ... ON CONFLICT DO
    NOTHING RETURNING``; the ones that were not there before, in order. A message repeated
    within the batch counts once, at its first place; one recorded before is left as it is."""
    unique: dict[UUID, Message] = {}
    for message in messages:
        unique.setdefault(message.event_id, message)
    if not unique:
        return []
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = (dialect.insert(table).on_conflict_do_nothing(index_elements=[table.c.event_id])
                 .returning(table.c.event_id))
    # a list of rows with RETURNING: SQLAlchemy sends them as one multi-row INSERT (in pages
    # within the driver's bound-parameter limit)
    fresh = set((await connection.execute(statement, [_row(m, now) for m in unique.values()])).scalars())
    return [message for message in unique.values() if message.event_id in fresh]


async def record_once(connection: AsyncConnection, table: Table, message: Message, now: dt.datetime) -> bool:
    """Insert the message unless its id is already there; True when it is new."""
    return bool(await record_new(connection, table, [message], now))


async def count(connection: AsyncConnection, table: Table) -> int:
    return (await connection.execute(select(func.count()).select_from(table))).scalar_one()


Effect = Callable[[AsyncConnection, Sequence[Message]], Awaitable[None]]
"""What a service does with the messages new to its inbox, in the same transaction."""


class InboxRecorder:
    """A consumer's handlers that record each message once: one message (``__call__``), or a
    fetched batch in one transaction (``batch``); a redelivered message changes nothing.
    Each of ``effects`` gets the new messages (in order) inside that transaction."""

    def __init__(self, db: AsyncEngine, table: Table, clock: Clock, effects: Sequence[Effect] = ()) -> None:
        self.db, self.table, self.clock, self.effects = db, table, clock, tuple(effects)

    async def __call__(self, message: Message) -> None:
        await self.batch([message])

    async def batch(self, messages: Sequence[Message]) -> None:
        if not messages:
            return
        async with self.db.begin() as connection:
            fresh = await record_new(connection, self.table, messages, self.clock.now())
            for effect in self.effects:
                await effect(connection, fresh)

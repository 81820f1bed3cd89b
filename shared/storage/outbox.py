"""The transactional outbox: events are written with the state change that causes them
and published to JetStream by a relay after the commit."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import Column, Index, LargeBinary, MetaData, String, Table, Uuid, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.bus.publisher import JetStreamPublisher
from shared.clock import Clock
from shared.contracts.base import Message
from shared.storage.types import BigId, UtcDateTime
from shared.waiting import first_of

log = logging.getLogger("duban.outbox")


def outbox_table(metadata: MetaData, prefix: str) -> Table:
    table = Table(
        f"{prefix}_outbox",
        metadata,
        Column("id", BigId, primary_key=True, autoincrement=True),
        Column("event_id", Uuid, nullable=False, unique=True),
        Column("subject", String(200), nullable=False),
        Column("payload", LargeBinary, nullable=False),
        Column("created_at", UtcDateTime, nullable=False),
        Column("sent_at", UtcDateTime, nullable=True),
    )
    Index(f"ix_{prefix}_outbox_unsent", table.c.id, postgresql_where=table.c.sent_at.is_(None),
          sqlite_where=table.c.sent_at.is_(None))
    return table


class Outbox:
    def __init__(self, table: Table, clock: Clock) -> None:
        self.table = table
        self.clock = clock

    async def stage(self, connection: AsyncConnection, *messages: Message) -> None:
        """Add messages inside the caller's transaction; they leave only if it commits."""
        if messages:
            now = self.clock.now()
            await connection.execute(self.table.insert(), [
                {"event_id": m.event_id, "subject": m.subject, "payload": m.to_json(), "created_at": now}
                for m in messages
            ])

    async def pending(self, engine: AsyncEngine) -> int:
        async with engine.connect() as connection:
            query = select(func.count()).select_from(self.table).where(self.table.c.sent_at.is_(None))
            return (await connection.execute(query)).scalar_one()


class OutboxRelay:
    """Publishes unsent outbox rows in order, marks them sent; safe to run in several processes."""

    def __init__(self, engine: AsyncEngine, outbox: Outbox, publisher: JetStreamPublisher,
                 batch: int = 200, idle_interval: float = 0.5) -> None:
        self.engine, self.outbox, self.publisher = engine, outbox, publisher
        self.batch, self.idle_interval = batch, idle_interval
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Called after a commit that staged messages, so they leave at once."""
        self._wake.set()

    async def relay_once(self) -> int:
        table = self.outbox.table
        query = select(table.c.id, table.c.event_id, table.c.subject, table.c.payload).where(
            table.c.sent_at.is_(None)).order_by(table.c.id).limit(self.batch)
        async with self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = (await connection.execute(query)).all()
            for row in rows:
                await self.publisher.publish_raw(row.subject, row.payload, str(row.event_id))
            if rows:
                await connection.execute(update(table).where(table.c.id.in_([r.id for r in rows]))
                                         .values(sent_at=self.outbox.clock.now()))
        return len(rows)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                sent = await self.relay_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay failed; retrying")
                sent = 0
            if sent < self.batch:
                self._wake.clear()
                await first_of(self._wake, stop, timeout=self.idle_interval)

"""The reporting service's bus subscriber: the workflow's events, each recorded once, a fetched
backlog in one transaction."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.clock import Clock
from shared.contracts.base import Message
from shared.contracts.subjects import EVENTS_WILDCARD
from shared.runtime import Runtime
from shared.storage.database import upsert

DURABLE = "reporting"
CHUNK = 500  # rows per multi-row insert (well under SQLite's bound-parameter limit)


class EventRecorder:
    """The consumer's handlers: ``batch`` records a fetched batch with one multi-row insert
    in one transaction; an event already recorded (a redelivery) is left as it is."""

    def __init__(self, db: AsyncEngine, table: Table, clock: Clock) -> None:
        self.db, self.table, self.clock = db, table, clock

    async def one(self, message: Message) -> None:
        await self.batch([message])

    async def batch(self, messages: Sequence[Message]) -> None:
        if not messages:
            return
        now = self.clock.now()
        rows = [{"event_id": m.event_id, "subject": m.subject, "item_id": getattr(m, "item_id", None),
                 "occurred_at": m.occurred_at, "received_at": now, "payload": m.model_dump_json()}
                for m in messages]
        async with self.db.begin() as connection:
            for start in range(0, len(rows), CHUNK):
                insert = upsert(connection, self.table).values(rows[start:start + CHUNK])
                await connection.execute(insert.on_conflict_do_nothing(index_elements=[self.table.c.event_id]))


def subscribe(runtime: Runtime, recorder: EventRecorder) -> None:
    """The workflow's events; a backlog is recorded up to ``fetch_batch`` events per transaction."""
    runtime.consume(DURABLE, EVENTS_WILDCARD, recorder.one, batch_handler=recorder.batch)

"""The transactional outbox: events are written with the state change that causes them
and published to JetStream by a relay after the commit."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import (
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Row,
    Select,
    String,
    Table,
    Uuid,
    cast,
    func,
    literal,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import OID
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.bus.connection import bus_connection
from shared.bus.publisher import JetStreamPublisher, Outgoing
from shared.bus.topology import Topology
from shared.clock import Clock
from shared.contracts.base import Message
from shared.settings import ServiceSettings
from shared.storage.database import create_engine, reading
from shared.storage.types import BigId, UtcDateTime
from shared.waiting import first_of

log = logging.getLogger("duban.outbox")
STAGE_CHUNK = 500  # rows per INSERT (well under SQLite's bound-parameter limit)
RELAY_LOCKS = 0x6F7574  # the first key of the relays' advisory locks (PostgreSQL); the second is the table's oid


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


class BatchPublisher(Protocol):
    """What a relay publishes through: ``JetStreamPublisher``, or a test's recording fake."""

    async def publish_pipelined(self, messages: Sequence[Outgoing]) -> int:
        """Publish in order; how many, counted from the first, were confirmed."""
        ...


class Outbox:
    def __init__(self, table: Table, clock: Clock) -> None:
        self.table = table
        self.clock = clock

    async def stage(self, connection: AsyncConnection, *messages: Message) -> None:
        """Add messages inside the caller's transaction; they leave only if it commits."""
        now = self.clock.now()
        rows = [{"event_id": m.event_id, "subject": m.subject, "payload": m.to_json(), "created_at": now}
                for m in messages]
        for start in range(0, len(rows), STAGE_CHUNK):  # one multi-row INSERT, not a statement per event
            await connection.execute(self.table.insert().values(rows[start:start + STAGE_CHUNK]))

    async def pending(self, db: AsyncEngine) -> int:
        async with reading(db) as connection:
            query = select(func.count()).select_from(self.table).where(self.table.c.sent_at.is_(None))
            return (await connection.execute(query)).scalar_one()


class OutboxRelay:
    """Publishes unsent outbox rows in order and marks them sent; safe to run in several processes.

    A round reads up to ``batch`` unsent rows in id order, publishes them pipelined (all sent,
    then every ack awaited) and marks the confirmed ones sent. No transaction is open and no
    row is locked while it waits on NATS: each statement commits on its own.

    Order per item: a use case holds its instance's row lock while it stages, so an item's
    rows get ids in the order they commit, and one relay publishes them in id order. On
    PostgreSQL, where several workflow processes share the outbox, one relay at a time runs
    a round: it holds a session advisory lock (keyed by the outbox table's oid, so the
    outboxes of other schemas in the same database have locks of their own) for the round, and
    a relay that finds the lock taken tries again shortly (its rows are in the other one's
    next round, or in its own). A relay whose process or connection dies mid-round loses the
    lock with the connection; the next one publishes the unmarked rows again and the stream
    drops the repeats (``Nats-Msg-Id`` = ``event_id``, inside the duplicate window). A round
    that fails with the lock still held closes its connection instead of returning it to the
    pool, so the lock never outlives the round.
    """

    BUSY_RETRY = 0.02  # seconds before asking again for the lock another relay holds

    def __init__(self, db: AsyncEngine, outbox: Outbox, publisher: BatchPublisher,
                 batch: int = 200, idle_interval: float = 0.5) -> None:
        self.db, self.outbox, self.publisher = db, outbox, publisher
        self.batch, self.idle_interval = batch, idle_interval
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Called after a commit that staged messages, so they leave at once."""
        self._wake.set()

    async def relay_once(self) -> int:
        """One round; how many messages it published (0 also when another relay was at work)."""
        return await self._round() or 0

    async def _round(self) -> int | None:
        """How many messages were published and marked; None when another relay holds the lock.

        Two statements on PostgreSQL: take the lock and read the batch, then mark what was
        confirmed and let go of the lock (a third, the unlock, when there was nothing to send).
        """
        async with self.db.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            locking = connection.dialect.name == "postgresql"
            try:
                if locking:
                    got, rows = await self._lock_and_read(connection)
                    if not got:
                        return None
                else:
                    rows = (await connection.execute(self._unsent())).all()
                confirmed = await self.publisher.publish_pipelined(
                    [Outgoing(r.subject, r.payload, str(r.event_id)) for r in rows])
                await self._mark(connection, [r.id for r in rows[:confirmed]], unlock=locking)
            except BaseException:
                if locking:  # the lock goes with the connection
                    await connection.invalidate()
                raise
            return confirmed  # fewer than the rows when NATS did not confirm them all (said by the publisher)

    def _unsent(self) -> Select[Any]:
        table = self.outbox.table
        return (select(table.c.id, table.c.event_id, table.c.subject, table.c.payload)
                .where(table.c.sent_at.is_(None)).order_by(table.c.id).limit(self.batch))

    async def _lock_and_read(self, connection: AsyncConnection) -> tuple[bool, list[Row[Any]]]:
        """``pg_try_advisory_lock`` once (a materialized CTE), then the batch if it was granted."""
        lock = select(func.pg_try_advisory_lock(*self._key).label("got")).cte("relay_lock").prefix_with("MATERIALIZED")
        unsent = self._unsent().where(lock.c.got).lateral("unsent")
        result = (await connection.execute(
            select(lock.c.got, *unsent.c).select_from(lock.outerjoin(unsent, true())).order_by(unsent.c.id))).all()
        return bool(result[0].got), [row for row in result if row.id is not None]

    async def _mark(self, connection: AsyncConnection, ids: list[int], *, unlock: bool) -> None:
        table = self.outbox.table
        marking = update(table).where(table.c.id.in_(ids)).values(sent_at=self.outbox.clock.now())
        if not unlock:
            if ids:
                await connection.execute(marking)
            return
        if not ids:
            await connection.execute(select(func.pg_advisory_unlock(*self._key)))
            return
        # one statement: the rows are marked, then the lock is let go (a relay that takes it before
        # this statement commits may publish the batch again: the stream drops the repeats)
        marked = marking.returning(table.c.id).cte("marked")
        await connection.execute(select(select(func.count()).select_from(marked).scalar_subquery(),
                                        func.pg_advisory_unlock(*self._key)))

    @property
    def _key(self) -> tuple[Any, Any]:
        """The advisory lock of this outbox: the relays' key space and the table's oid (one
        lock per table, so outboxes in other schemas of the database do not share it)."""
        table_oid = cast(cast(func.to_regclass(literal(self.outbox.table.name)), OID), Integer)
        return literal(RELAY_LOCKS, Integer), table_oid

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self._wake.clear()  # before the round: a commit that wakes it meanwhile gets a round of its own
            try:
                sent = await self._round()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay failed; retrying")
                sent = 0
            if sent is None:  # another relay is at work: ask again soon, our rows may be past its batch
                await first_of(stop, timeout=self.BUSY_RETRY)
            elif sent < self.batch:
                await first_of(self._wake, stop, timeout=self.idle_interval)


class RelayThread:
    """An ``OutboxRelay`` on a thread of its own, with its own event loop, a pool of two
    database connections and its own NATS connection (the service's NATS user).

    A relay on the request loop waits its turn behind every request the loop is serving: at
    50 concurrent clients each of its few awaits took a full turn of a busy loop, and events
    left the outbox seconds after their commit. A thread is handed the GIL within Python's
    switch interval (5 ms) whenever its I/O is ready, however busy the other loop is.

    ``wake`` may be called from any thread; ``run`` is the service's background task: it
    starts the thread, waits for ``stop`` and lets the relay finish its round.
    """

    def __init__(self, settings: ServiceSettings, table: Table, clock: Clock, topology: Topology, *, batch: int = 200,
                 idle_interval: float = 0.5) -> None:
        self.settings, self.table, self.clock, self.topology = settings, table, clock, topology
        self.batch, self.idle_interval = batch, idle_interval
        self._loop: asyncio.AbstractEventLoop | None = None
        self._relay: OutboxRelay | None = None
        self._stop: asyncio.Event | None = None
        self._started = threading.Event()
        self._failed: BaseException | None = None

    def wake(self) -> None:
        loop, relay = self._loop, self._relay
        if loop is not None and relay is not None and not loop.is_closed():
            loop.call_soon_threadsafe(relay.wake)

    async def run(self, stop: asyncio.Event) -> None:
        thread = threading.Thread(target=asyncio.run, args=(self._main(),), name=f"{self.table.name}-relay",
                                  daemon=True)
        thread.start()
        await asyncio.to_thread(self._started.wait)
        if self._failed is not None:
            raise self._failed
        await stop.wait()
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        await asyncio.to_thread(thread.join)

    async def _main(self) -> None:
        service = self.settings.service
        db = create_engine(self.settings.db_url, pool_size=2)
        bus = bus_connection(self.settings, f"duban-{service}-relay", log=logging.getLogger(f"duban.{service}.bus"))
        try:
            await bus.open()
            self._stop = asyncio.Event()
            self._relay = OutboxRelay(db, Outbox(self.table, self.clock),
                                      JetStreamPublisher(bus, self.topology, service),
                                      batch=self.batch, idle_interval=self.idle_interval)
            self._loop = asyncio.get_running_loop()
        except BaseException as error:
            self._failed = error
            raise
        finally:
            self._started.set()
        try:
            await self._relay.run(self._stop)
        finally:
            await bus.close()
            await db.dispose()

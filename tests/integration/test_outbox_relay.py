"""The outbox relay on each database and a real NATS: pipelined rounds, order per item,
at-least-once without doubles, and one relay at a time on PostgreSQL."""

from __future__ import annotations

import asyncio
import threading
import uuid
from pathlib import Path

import nats
import pytest
from nats.js.api import StreamConfig
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.workflow.adapters import tables as workflow_tables
from services.workflow.config import WorkflowSettings
from shared.bus.connection import BusConnection
from shared.bus.publisher import JetStreamPublisher, Outgoing
from shared.bus.topology import Topology, delete_streams
from shared.clock import SettableClock
from shared.contracts.base import Message
from shared.contracts.events import ItemClosed, ItemRegistered
from shared.storage.database import create_engine
from shared.storage.migrations import upgrade
from shared.storage.outbox import RELAY_LOCKS, Outbox, OutboxRelay, RelayThread
from tests.support import infra
from tests.support.samples import T0, item_registered
from tests.support.services import settings_for


async def workflow_db(url: str) -> AsyncEngine:
    upgrade(url, "workflow")
    return create_engine(url)


async def stage_each(db: AsyncEngine, outbox: Outbox, messages: list[Message]) -> None:
    """Each message in a transaction of its own, one after the other."""
    for message in messages:
        async with db.begin() as connection:
            await outbox.stage(connection, message)


async def stored_ids(js: nats.js.JetStreamContext, topology: Topology) -> list[str]:
    """The ``Nats-Msg-Id`` of every message in the events stream, in stream order."""
    count = (await js.stream_info(topology.events_stream)).state.messages
    return [(await js.get_msg(topology.events_stream, seq)).headers["Nats-Msg-Id"] for seq in range(1, count + 1)]


async def unsent(db: AsyncEngine) -> int:
    t = workflow_tables.outbox
    async with db.connect() as connection:
        return (await connection.execute(select(func.count()).select_from(t).where(t.c.sent_at.is_(None)))).scalar_one()


async def test_a_backlog_leaves_in_pipelined_rounds_in_stage_order(database_url: str, bus: BusConnection,
                                                                   topology: Topology) -> None:
    db = await workflow_db(database_url)
    outbox = Outbox(workflow_tables.outbox, SettableClock(T0))
    messages = [item_registered() for _ in range(450)]
    async with db.begin() as connection:
        await outbox.stage(connection, *messages)
    relay = OutboxRelay(db, outbox, JetStreamPublisher(bus, topology, "workflow"))

    rounds = [await relay.relay_once() for _ in range(4)]

    assert rounds == [200, 200, 50, 0]
    assert await stored_ids(bus.js, topology) == [str(m.event_id) for m in messages]
    assert await unsent(db) == 0
    await db.dispose()


async def test_two_relays_keep_each_items_order_and_store_every_event_once(database_url: str, bus: BusConnection,
                                                                           topology: Topology) -> None:
    db = await workflow_db(database_url)
    outbox = Outbox(workflow_tables.outbox, SettableClock(T0))
    publisher = JetStreamPublisher(bus, topology, "workflow")
    relays = [OutboxRelay(db, outbox, publisher, batch=7, idle_interval=0.01) for _ in range(2)]
    lives = {uuid.uuid4(): [item_registered() for _ in range(30)] for _ in range(5)}
    stop = asyncio.Event()
    running = [asyncio.create_task(relay.run(stop)) for relay in relays]
    try:  # the items' lives are staged side by side, each item's events one commit after the other
        await asyncio.gather(*(stage_each(db, outbox, life) for life in lives.values()))
        for _ in range(500):
            if await unsent(db) == 0:
                break
            await asyncio.sleep(0.02)  # waiting on the relays' background loops
    finally:
        stop.set()
        await asyncio.gather(*running)

    stored = await stored_ids(bus.js, topology)
    assert sorted(stored) == sorted(str(m.event_id) for life in lives.values() for m in life)  # each once
    for life in lives.values():
        ids = {str(m.event_id) for m in life}
        assert [i for i in stored if i in ids] == [str(m.event_id) for m in life]
    await db.dispose()


async def test_a_batch_published_again_after_a_crash_is_stored_once(database_url: str, bus: BusConnection,
                                                                    topology: Topology) -> None:
    db = await workflow_db(database_url)
    outbox = Outbox(workflow_tables.outbox, SettableClock(T0))
    messages = [item_registered() for _ in range(20)]
    async with db.begin() as connection:
        await outbox.stage(connection, *messages)
    publisher = JetStreamPublisher(bus, topology, "workflow")
    # a relay published the batch and died before marking it sent
    batch = [Outgoing(m.subject, m.to_json(), str(m.event_id)) for m in messages]
    assert await publisher.publish_pipelined(batch) == 20

    assert await OutboxRelay(db, outbox, publisher).relay_once() == 20

    assert await stored_ids(bus.js, topology) == [str(m.event_id) for m in messages]
    assert await unsent(db) == 0
    await db.dispose()


async def test_only_what_the_stream_confirmed_is_marked_sent(database_url: str, bus: BusConnection) -> None:
    """A stream that takes registrations only: the first 3 (registrations) are confirmed and
    marked; the closing after them finds no stream, so it and what follows wait in the outbox."""
    topology = Topology(root=infra.unique_root())
    js = bus.js
    await js.add_stream(StreamConfig(name=topology.events_stream, subjects=[topology.subject(ItemRegistered.subject)]))
    db = await workflow_db(database_url)
    outbox = Outbox(workflow_tables.outbox, SettableClock(T0))
    closed = ItemClosed(occurred_at=T0, actor="office", item_id=uuid.uuid4(), closed_on=T0.date(), on_time=True)
    messages = [item_registered(), item_registered(), item_registered(), closed, item_registered()]
    async with db.begin() as connection:
        await outbox.stage(connection, *messages)
    try:
        assert await OutboxRelay(db, outbox, JetStreamPublisher(bus, topology, "workflow")).relay_once() == 3
        t = workflow_tables.outbox
        async with db.connect() as connection:
            waiting = (await connection.execute(select(t.c.event_id).where(t.c.sent_at.is_(None))
                                                .order_by(t.c.id))).scalars().all()
        assert waiting == [m.event_id for m in messages[3:]]
    finally:
        await delete_streams(js, topology)
        await db.dispose()


LOCK = "SELECT {}(:space, to_regclass('workflow_outbox')::oid::int)"


async def test_a_relay_waits_while_another_holds_the_outbox_on_postgresql(postgres_url: str | None,
                                                                          bus: BusConnection,
                                                                          topology: Topology) -> None:
    """One relay at a time per outbox table; the outbox of another schema has a lock of its own."""
    if postgres_url is None:
        pytest.skip("needs PostgreSQL: only there do several processes share one outbox")
    with infra.postgres_schema(postgres_url) as url, infra.postgres_schema(postgres_url) as elsewhere:
        db, other_db = await workflow_db(url), await workflow_db(elsewhere)
        outbox = Outbox(workflow_tables.outbox, SettableClock(T0))
        publisher = JetStreamPublisher(bus, topology, "workflow")
        relay, other_relay = OutboxRelay(db, outbox, publisher), OutboxRelay(other_db, outbox, publisher)
        for engine in (db, other_db):
            async with engine.begin() as connection:
                await outbox.stage(connection, item_registered(), item_registered())
        holder_db = create_engine(url)
        key = {"space": RELAY_LOCKS}
        async with holder_db.connect() as holder:  # another workflow process, in the middle of a round
            assert (await holder.execute(text(LOCK.format("pg_try_advisory_lock")), key)).scalar()
            assert await relay.relay_once() == 0
            assert await unsent(db) == 2
            assert await other_relay.relay_once() == 2  # another schema's outbox is not held up
            await holder.execute(text(LOCK.format("pg_advisory_unlock")), key)
        assert await relay.relay_once() == 2
        async with holder_db.connect() as holder:  # the round let go of the lock
            assert (await holder.execute(text(LOCK.format("pg_try_advisory_lock")), key)).scalar()
        for engine in (holder_db, db, other_db):
            await engine.dispose()


async def test_a_relay_on_a_thread_of_its_own_publishes_what_a_commit_staged(database_url: str, nats_url: str,
                                                                             topology: Topology,
                                                                             tmp_path: Path) -> None:
    settings = settings_for(WorkflowSettings, nats_url=nats_url, database_url=database_url, topology=topology,
                            data_dir=tmp_path)
    db = await workflow_db(database_url)
    outbox = Outbox(workflow_tables.outbox, SettableClock(T0))
    relay = RelayThread(settings, workflow_tables.outbox, SettableClock(T0), topology, idle_interval=30)
    stop = asyncio.Event()
    running = asyncio.create_task(relay.run(stop))
    messages = [item_registered() for _ in range(3)]
    connection = await nats.connect(nats_url)
    try:
        await asyncio.sleep(0)  # the thread starts
        for message in messages:  # as the use cases do: commit, then wake the relay
            async with db.begin() as c:
                await outbox.stage(c, message)
            relay.wake()
        for _ in range(200):  # far less than the relay's idle interval: it was woken
            if await unsent(db) == 0:
                break
            await asyncio.sleep(0.02)  # waiting on the relay's thread
        assert await stored_ids(connection.jetstream(), topology) == [str(m.event_id) for m in messages]
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=20)
        await connection.close()
        await db.dispose()
    assert not [t for t in threading.enumerate() if t.name == "workflow_outbox-relay"]

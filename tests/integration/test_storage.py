"""Storage on each database: migrations, the outbox, the inbox, UTC times."""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text
from sqlalchemy.event import listen
from sqlalchemy.exc import DBAPIError

from services.ledger.adapters import tables as ledger_tables
from services.workflow.adapters import tables as workflow_tables
from shared.bus.connection import BusConnection
from shared.bus.publisher import JetStreamPublisher
from shared.bus.topology import Topology
from shared.clock import SettableClock
from shared.storage.database import create_engine, reading
from shared.storage.inbox import count, record_new, record_once
from shared.storage.migrations import alembic_config, upgrade
from shared.storage.outbox import Outbox, OutboxRelay
from tests.support.samples import T0, item_registered

SERVICES = ("workflow", "ledger", "notification", "reporting")


async def table_names(url: str) -> set[str]:
    engine = create_engine(url)
    async with engine.connect() as connection:
        names = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    await engine.dispose()
    return names


async def test_each_service_migrates_its_own_tables_once(database_url: str) -> None:
    for service in SERVICES:
        upgrade(database_url, service)
        upgrade(database_url, service)  # a second start changes nothing
    names = await table_names(database_url)
    assert {f"alembic_version_{s}" for s in SERVICES} <= names
    assert {"workflow_outbox", "ledger_inbox", "notification_inbox", "reporting_inbox"} <= names
    engine = create_engine(database_url)
    async with engine.connect() as connection:
        versions = {s: (await connection.execute(text(f"SELECT version_num FROM alembic_version_{s}"))).scalar_one()
                    for s in SERVICES}
    await engine.dispose()
    heads = {s: ScriptDirectory.from_config(alembic_config(database_url, s)).get_current_head() for s in SERVICES}
    assert versions == heads and all(heads.values())


def tables_of(service: str) -> Any:
    """A service's tables module (``adapters/tables.py``)."""
    return importlib.import_module(f"services.{service}.adapters.tables")


@pytest.mark.parametrize("service", SERVICES)
async def test_migrations_match_the_tables_the_code_uses(database_url: str, service: str) -> None:
    upgrade(database_url, service)
    metadata = tables_of(service).metadata
    engine = create_engine(database_url)
    async with engine.connect() as connection:
        diff = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), metadata))
    await engine.dispose()
    ours = [d for d in diff if not (d[0] == "remove_table" and not d[1].name.startswith(service))]
    assert ours == []


async def test_outbox_keeps_only_committed_messages_and_relays_them(database_url: str, bus: BusConnection,
                                                                    topology: Topology) -> None:
    upgrade(database_url, "workflow")
    engine = create_engine(database_url)
    clock = SettableClock(T0)
    outbox = Outbox(workflow_tables.outbox, clock)
    kept, dropped = item_registered(), item_registered()
    async with engine.begin() as connection:
        await outbox.stage(connection, kept)
    with pytest.raises(RuntimeError):
        async with engine.begin() as connection:
            await outbox.stage(connection, dropped)
            raise RuntimeError("the use case failed after staging")
    assert await outbox.pending(engine) == 1

    relay = OutboxRelay(engine, outbox, JetStreamPublisher(bus, topology, "workflow"))
    clock.advance(dt.timedelta(seconds=3))
    assert await relay.relay_once() == 1
    assert await relay.relay_once() == 0
    stored = await bus.js.get_msg(topology.events_stream, 1)
    assert stored.data == kept.to_json()
    assert stored.headers["Nats-Msg-Id"] == str(kept.event_id)
    async with engine.connect() as connection:
        row = (await connection.execute(select(workflow_tables.outbox))).one()
    await engine.dispose()
    assert row.event_id == kept.event_id and row.sent_at == T0 + dt.timedelta(seconds=3)
    assert row.created_at == T0 and row.created_at.tzinfo is not None


async def test_inbox_records_a_message_once(database_url: str) -> None:
    upgrade(database_url, "ledger")
    engine = create_engine(database_url)
    event = item_registered(title="城区供暖管网改造")
    async with engine.begin() as connection:
        first = await record_once(connection, ledger_tables.inbox, event, T0)
    async with engine.begin() as connection:
        again = await record_once(connection, ledger_tables.inbox, event, T0)
        assert await count(connection, ledger_tables.inbox) == 1
        row = (await connection.execute(select(ledger_tables.inbox))).one()
    await engine.dispose()
    assert (first, again) == (True, False)
    assert row.item_id == event.item_id and "城区供暖管网改造" in row.payload


async def test_a_batch_records_only_the_messages_new_to_the_inbox(database_url: str) -> None:
    upgrade(database_url, "ledger")
    db = create_engine(database_url)
    inbox, later = ledger_tables.inbox, T0 + dt.timedelta(minutes=5)
    known, first, second = item_registered(), item_registered(title="城区供暖管网改造"), item_registered()
    async with db.begin() as connection:
        assert await record_once(connection, inbox, known, T0)
    inserts: list[str] = []

    def seen(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            inserts.append(statement)

    listen(db.sync_engine, "before_cursor_execute", seen)
    async with db.begin() as connection:  # a repeat within the batch, and a message recorded before
        fresh = await record_new(connection, inbox, [first, known, second, first], later)
        again = await record_new(connection, inbox, [second, known], later)
        rows = {r.event_id: r for r in (await connection.execute(select(inbox))).all()}
    await db.dispose()
    assert [m.event_id for m in fresh] == [first.event_id, second.event_id] and again == []
    assert len(inserts) == 2  # one statement per batch
    assert set(rows) == {known.event_id, first.event_id, second.event_id}
    assert rows[known.event_id].received_at == T0 and rows[first.event_id].received_at == later
    assert rows[first.event_id].item_id == first.item_id and "城区供暖管网改造" in rows[first.event_id].payload


async def test_times_come_back_as_the_same_utc_instant(database_url: str) -> None:
    upgrade(database_url, "ledger")
    engine = create_engine(database_url)
    beijing = dt.datetime(2026, 10, 9, 17, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    event = item_registered(occurred_at=beijing)
    async with engine.begin() as connection:
        await record_once(connection, ledger_tables.inbox, event, beijing)
        row = (await connection.execute(select(ledger_tables.inbox))).one()
    await engine.dispose()
    assert row.occurred_at == beijing and row.occurred_at.utcoffset() == dt.timedelta(0)
    assert row.occurred_at.hour == 9


async def test_a_postgresql_pool_keeps_its_connections_through_a_burst(postgres_url: str | None) -> None:
    """40 reads at once share the pool's 20 connections, and a second burst finds the same ones."""
    if postgres_url is None:
        pytest.skip("needs PostgreSQL: SQLite has no server connections to keep")
    engine = create_engine(postgres_url)

    async def backend() -> int:
        async with reading(engine) as connection:
            return (await connection.execute(text("SELECT pg_backend_pid() FROM pg_sleep(0.05)"))).scalar_one()

    first = set(await asyncio.gather(*(backend() for _ in range(40))))
    second = set(await asyncio.gather(*(backend() for _ in range(40))))
    await engine.dispose()
    assert len(first) <= 20 and second <= first


async def test_a_connection_the_server_dropped_fails_once_and_the_next_one_is_new(postgres_url: str | None) -> None:
    if postgres_url is None:
        pytest.skip("needs PostgreSQL: only a server drops connections")
    engine, admin = create_engine(postgres_url), create_engine(postgres_url)
    async with engine.connect() as connection:
        dropped = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
    async with admin.connect() as connection:  # e.g. a restart or a failover
        await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})
    with pytest.raises(DBAPIError) as failed:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    assert failed.value.connection_invalidated
    async with engine.connect() as connection:
        again = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
    await engine.dispose()
    await admin.dispose()
    assert again != dropped


async def test_a_read_connection_opens_no_transaction(database_url: str) -> None:
    upgrade(database_url, "ledger")
    engine = create_engine(database_url)
    async with reading(engine) as connection:
        await connection.execute(select(ledger_tables.inbox.c.event_id))
        raw = (await connection.get_raw_connection()).driver_connection
        if connection.dialect.name == "postgresql":  # no BEGIN went to the server
            assert raw.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        else:
            assert not raw.in_transaction
    await engine.dispose()

"""The reporting service records every consumed event once, a backlog in one transaction."""

from __future__ import annotations

from sqlalchemy import event, select

from services.reporting.adapters import tables
from shared.clock import SettableClock
from shared.storage.database import create_engine
from shared.storage.inbox import InboxRecorder
from shared.storage.migrations import upgrade
from tests.support.samples import T0, item_registered


async def test_a_batch_is_one_transaction_and_a_redelivery_changes_nothing(database_url: str) -> None:
    upgrade(database_url, "reporting")
    db = create_engine(database_url)
    commits: list[object] = []
    event.listen(db.sync_engine, "commit", commits.append)
    recorder = InboxRecorder(db, tables.inbox, SettableClock(T0))
    first, second, third = item_registered(title="城区供暖管网改造"), item_registered(), item_registered()

    await recorder.batch([first, second, first])  # a message delivered twice within one fetch
    assert len(commits) == 1
    await recorder.batch([second, third])  # a redelivery beside a new one
    await recorder(third)

    async with db.connect() as connection:
        rows = (await connection.execute(select(tables.inbox).order_by(tables.inbox.c.received_at))).all()
    await db.dispose()
    assert sorted(r.event_id for r in rows) == sorted(m.event_id for m in (first, second, third))
    recorded = {r.event_id: r for r in rows}[first.event_id]
    assert recorded.item_id == first.item_id and "城区供暖管网改造" in recorded.payload and recorded.received_at == T0

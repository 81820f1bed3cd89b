"""Applying events to the read model: one transaction per batch (a batch of one live).

The inbox insert and the row changes share the transaction, so an event applied twice
changes nothing: its id is already in the inbox and it is skipped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.ledger.adapters import tables
from services.ledger.domain.projection import Projection, item_id_of
from services.ledger.domain.state import ItemState, TimelineEntry
from shared.contracts.base import Message
from shared.storage.inbox import record_new


class LedgerStore:
    def __init__(self, projection: Projection) -> None:
        self.projection = projection

    async def apply(self, connection: AsyncConnection, messages: Sequence[Message], now: dt.datetime) -> int:
        """Apply the messages not yet in the inbox, in order; returns how many were new."""
        fresh = await record_new(connection, tables.inbox, messages, now)
        wanted = {i for m in fresh if (i := item_id_of(m)) is not None}
        before = await load(connection, wanted, lock=True)
        rows = dict(before)
        entries: list[TimelineEntry] = []
        for message in fresh:
            item_id = item_id_of(message)
            if item_id is None:
                continue
            state, entry = self.projection.apply(rows.get(item_id) or ItemState(item_id), message)
            rows[item_id] = state
            if entry is not None:
                entries.append(entry)
        await save(connection, before, rows, entries)
        return len(fresh)


async def load(connection: AsyncConnection, item_ids: set[UUID], *, lock: bool = False) -> dict[UUID, ItemState]:
    if not item_ids:
        return {}
    t = tables.items
    query = select(t).where(t.c.item_id.in_(item_ids))
    if lock:  # several consumers of one durable never lose each other's update (PostgreSQL);
        # rows locked in one order, so two batches never deadlock
        query = query.order_by(t.c.item_id).with_for_update()
    rows = (await connection.execute(query)).mappings()
    return {row["item_id"]: ItemState.from_row(dict(row)) for row in rows}


async def save(connection: AsyncConnection, before: dict[UUID, ItemState], rows: dict[UUID, ItemState],
               entries: list[TimelineEntry]) -> None:
    t = tables.items
    created = [s.as_row() for i, s in rows.items() if i not in before]
    changed = [{**_without_key(s.as_row()), "key": i} for i, s in rows.items() if i in before and s != before[i]]
    if created:
        await connection.execute(insert(t), created)
    if changed:
        await connection.execute(update(t).where(t.c.item_id == bindparam("key")), changed)
    moved = [s for i, s in rows.items() if i not in before or s.units != before[i].units]
    if moved:
        u = tables.item_units
        await connection.execute(delete(u).where(u.c.item_id.in_([s.item_id for s in moved])))
        unit_rows = [{"item_id": s.item_id, "unit": unit, "lead": n == 0}
                     for s in moved for n, unit in enumerate(s.units)]
        if unit_rows:
            await connection.execute(insert(u), unit_rows)
    if entries:
        await connection.execute(insert(tables.timeline), [e.as_row() for e in entries])


def _without_key(row: dict[str, object]) -> dict[str, object]:
    return {name: value for name, value in row.items() if name != "item_id"}


async def clear(connection: AsyncConnection) -> None:
    """Empty the read model and its inbox (before a rebuild)."""
    for table in (tables.timeline, tables.item_units, tables.items, tables.inbox):
        await connection.execute(delete(table))

"""Applying events to the bulletins' read model: the inbox insert, the item rows and the
facts in one transaction (a batch of one live), so an event applied twice changes nothing.

A read model that is empty while the inbox is not (a database upgraded to 0002 after it had
consumed events) is filled from the inbox at start, before the consumer runs."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import bindparam, delete, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.reporting.adapters import tables
from services.reporting.domain.bulletin_items import BulletinItem, Fact, apply, item_id_of
from shared.clock import Clock
from shared.contracts.base import Message
from shared.contracts.registry import parse_message
from shared.storage.inbox import Effect, InboxRecorder


def read_model_recorder(db: AsyncEngine, clock: Clock, *effects: Effect) -> InboxRecorder:
    """The consumer's handlers: each message recorded once in the inbox and applied to the
    bulletins' read model (and to ``effects``, e.g. the public board) in the same transaction."""
    return InboxRecorder(db, tables.inbox, clock, effects=[apply_fresh, *effects])


async def apply_fresh(connection: AsyncConnection, fresh: Sequence[Message]) -> None:
    """Apply messages the inbox has just recorded (each once) to the item rows and the facts."""
    before = await _load(connection, {i for m in fresh if (i := item_id_of(m)) is not None})
    rows = dict(before)
    facts: list[Fact] = []
    for message in fresh:
        item_id = item_id_of(message)
        if item_id is None:
            continue
        rows[item_id], fact = apply(rows.get(item_id) or BulletinItem(item_id), message)
        if fact is not None:
            facts.append(fact)
    t = tables.items
    created = [s.as_row() for i, s in rows.items() if i not in before]
    changed = [{**{k: v for k, v in s.as_row().items() if k != "item_id"}, "key": i}
               for i, s in rows.items() if i in before and s != before[i]]
    if created:
        await connection.execute(insert(t), created)
    if changed:
        await connection.execute(update(t).where(t.c.item_id == bindparam("key")), changed)
    if facts:
        await connection.execute(insert(tables.facts), [f.as_row() for f in facts])


async def fill_from_inbox(db: AsyncEngine, *, page: int = 1000) -> int:
    """When the read model is empty and the inbox is not, apply every recorded event again, in
    the order received, in one transaction; returns how many were applied (0: nothing to do)."""
    i = tables.inbox
    async with db.begin() as connection:
        if (await connection.execute(select(exists().select_from(tables.items)))).scalar_one():
            return 0
        await connection.execute(delete(tables.facts))
        applied, offset = 0, 0
        query = select(i.c.subject, i.c.payload).order_by(i.c.received_at, i.c.occurred_at, i.c.event_id)
        while rows := (await connection.execute(query.offset(offset).limit(page))).all():
            await apply_fresh(connection, [parse_message(r.subject, r.payload) for r in rows])
            applied, offset = applied + len(rows), offset + len(rows)
        return applied


async def _load(connection: AsyncConnection, item_ids: set[UUID]) -> dict[UUID, BulletinItem]:
    if not item_ids:
        return {}
    t = tables.items
    # rows locked in one order: two consumers' batches never lose an update nor deadlock (PostgreSQL)
    query = select(t).where(t.c.item_id.in_(item_ids)).order_by(t.c.item_id).with_for_update()
    return {row["item_id"]: BulletinItem.from_row(dict(row)) for row in (await connection.execute(query)).mappings()}

"""The notification tables behind the service's store: one transaction per use case.

``SqlStore.transaction()`` is a unit of work (committed when the block ends, rolled back if
it raises); ``reading()`` reads without writing (no transaction). A batch of events costs a
fixed number of statements whatever its size: one insert of the consumed messages, one read
of their items, one upsert of the items that changed, one insert of the deliveries; so does
a chunk of sends: one claim, one update of the outcomes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import case, func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.notification.adapters.tables import consumed, deliveries, items
from services.notification.domain.deliveries import FAILED, INBOX, PENDING, Attempt, Delivery, NewDelivery
from services.notification.domain.rules import ItemInfo
from shared.contracts.base import Message
from shared.storage.database import reading
from shared.storage.inbox import record_new


class SqlStore:
    def __init__(self, db: AsyncEngine) -> None:
        self.db = db

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqlTransaction]:
        async with self.db.begin() as connection:
            yield SqlTransaction(connection)

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[SqlTransaction]:
        async with reading(self.db) as connection:  # no BEGIN and ROLLBACK around the reads
            yield SqlTransaction(connection)


def _delivery(row: Any) -> Delivery:
    return Delivery(**row._mapping)


def _item(row: Any) -> ItemInfo:
    return ItemInfo(row.item_id, row.code, row.title, row.lead_unit, tuple(row.co_units), row.due_date, row.leader)


def _by_id(column: Any, values: dict[int, Any]) -> Any:
    """``CASE id WHEN 1 THEN … END``: the column's new value for each of these rows, else its own."""
    return case({i: literal(v, column.type) for i, v in values.items()}, value=deliveries.c.id, else_=column)


def _inbox_of(username: str) -> Any:
    return (deliveries.c.recipient == username) & (deliveries.c.channel == INBOX)


def _not_inbox() -> Any:
    return deliveries.c.channel != INBOX


class SqlTransaction:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection
        self.dialect = postgresql if connection.dialect.name == "postgresql" else sqlite

    async def _rows(self, statement: Any, parameters: Any = None) -> list[Any]:
        return list((await self.connection.execute(statement, parameters)).all())

    # --- consumed messages and items ----------------------------------------------------------
    async def record_consumed(self, messages: Sequence[Message], now: dt.datetime) -> list[Message]:
        """Record each message once; the ones not recorded before, in order."""
        return await record_new(self.connection, consumed, messages, now)

    async def items(self, item_ids: Iterable[UUID]) -> dict[UUID, ItemInfo]:
        """The known items among ``item_ids``, locked until the transaction ends (PostgreSQL; in
        one order, so two batches never deadlock)."""
        wanted = sorted(set(item_ids))
        if not wanted:
            return {}
        query = select(items).where(items.c.item_id.in_(wanted)).order_by(items.c.item_id).with_for_update()
        return {row.item_id: _item(row) for row in await self._rows(query)}

    async def save_items(self, changed: Sequence[ItemInfo], now: dt.datetime) -> None:
        if not changed:
            return
        statement = self.dialect.insert(items)
        columns = ("code", "title", "lead_unit", "co_units", "due_date", "leader", "updated_at")
        statement = statement.on_conflict_do_update(index_elements=[items.c.item_id],
                                                    set_={name: statement.excluded[name] for name in columns})
        # RETURNING makes SQLAlchemy send the rows as one multi-row statement on psycopg too
        await self._rows(statement.returning(items.c.item_id), [
            {"item_id": item.item_id, "code": item.code, "title": item.title, "lead_unit": item.lead_unit,
             "co_units": list(item.co_units), "due_date": item.due_date, "leader": item.leader, "updated_at": now}
            for item in changed])

    # --- deliveries ---------------------------------------------------------------------------
    async def add_deliveries(self, new: Sequence[NewDelivery]) -> int:
        """Insert the deliveries; one already there for its (event, recipient, channel) is left alone."""
        if not new:
            return 0
        statement = (self.dialect.insert(deliveries)
                     .on_conflict_do_nothing(index_elements=[deliveries.c.event_id, deliveries.c.recipient,
                                                             deliveries.c.channel])
                     .returning(deliveries.c.id))
        return len(await self._rows(statement, [dataclasses.asdict(delivery) for delivery in new]))

    async def claim_due(self, now: dt.datetime, lease_until: dt.datetime, limit: int) -> list[Delivery]:
        """Take up to ``limit`` pending deliveries due by ``now``, the ones due first, in one
        statement: none is due again before ``lease_until`` (a dispatcher that dies mid-send
        leaves them to be tried again then). Rows another dispatcher has locked are skipped."""
        c = deliveries.c
        due = (select(c.id).where(c.status == PENDING, c.next_attempt_at <= now)
               .order_by(c.next_attempt_at, c.id).limit(limit).with_for_update(skip_locked=True))
        statement = (update(deliveries).where(c.id.in_(due)).values(next_attempt_at=lease_until)
                     .returning(*deliveries.c))
        return sorted(map(_delivery, await self._rows(statement)), key=lambda delivery: delivery.id)

    async def record_attempts(self, attempts: Sequence[Attempt]) -> None:
        """The outcomes of a chunk of attempts in one ``UPDATE`` (a ``CASE`` on the id per column):
        a sent one is sent, a failed one pending again at its ``retry_at`` or failed for good."""
        if not attempts:
            return
        c = deliveries.c
        sent = [a for a in attempts if a.sent_at is not None]
        failed = [a for a in attempts if a.sent_at is None]
        changes: dict[str, Any] = {
            "status": _by_id(c.status, {a.delivery_id: a.status for a in attempts}),
            "attempts": _by_id(c.attempts, {a.delivery_id: a.attempts for a in attempts}),
            "next_attempt_at": _by_id(c.next_attempt_at, {a.delivery_id: a.retry_at for a in attempts}),
        }
        if sent:
            changes["sent_at"] = _by_id(c.sent_at, {a.delivery_id: a.sent_at for a in sent})
        if failed:
            changes["last_error"] = _by_id(c.last_error, {a.delivery_id: (a.error or "")[:2000] for a in failed})
        await self.connection.execute(update(deliveries).where(c.id.in_([a.delivery_id for a in attempts]))
                                      .values(changes))

    async def retry_failed(self, delivery_id: int, now: dt.datetime) -> Delivery | None:
        """A failed e-mail or webhook delivery back in the queue with a fresh budget; None if
        there is no such delivery or it has not failed."""
        statement = (update(deliveries)
                     .where(deliveries.c.id == delivery_id, deliveries.c.status == FAILED, _not_inbox())
                     .values(status=PENDING, attempts=0, next_attempt_at=now).returning(*deliveries.c))
        return next(map(_delivery, await self._rows(statement)), None)

    async def delivery(self, delivery_id: int) -> Delivery | None:
        """An e-mail or webhook delivery."""
        query = select(deliveries).where(deliveries.c.id == delivery_id, _not_inbox())
        return next(map(_delivery, await self._rows(query)), None)

    async def with_status(self, status: str, limit: int) -> list[Delivery]:
        query = (select(deliveries).where(deliveries.c.status == status, _not_inbox())
                 .order_by(deliveries.c.id.desc()).limit(limit))
        return [_delivery(row) for row in await self._rows(query)]

    # --- the users' inbox (站内信) ---------------------------------------------------------------
    async def inbox(self, username: str, *, unread_only: bool, limit: int) -> tuple[list[Delivery], int]:
        """The user's messages, newest first, and how many of all their messages are unread (one query)."""
        unread = (select(func.count()).select_from(deliveries)
                  .where(_inbox_of(username), deliveries.c.read_at.is_(None)).scalar_subquery())
        query = select(deliveries, unread.label("unread")).where(_inbox_of(username))
        if unread_only:
            query = query.where(deliveries.c.read_at.is_(None))
        rows = await self._rows(query.order_by(deliveries.c.id.desc()).limit(limit))
        return ([Delivery(**{k: v for k, v in row._mapping.items() if k != "unread"}) for row in rows],
                rows[0].unread if rows else 0)

    async def mark_read(self, message_id: int, username: str, now: dt.datetime) -> Delivery | None:
        """Mark the user's own message read (once); None if the user has no such message."""
        mine = _inbox_of(username) & (deliveries.c.id == message_id)
        marked = await self._rows(update(deliveries).where(mine, deliveries.c.read_at.is_(None))
                                  .values(read_at=now).returning(*deliveries.c))
        if not marked:  # already read, or not theirs
            marked = await self._rows(select(deliveries).where(mine))
        return next(map(_delivery, marked), None)

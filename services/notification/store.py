"""Data functions over the notification tables; each takes the caller's connection."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Row, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from services.notification.rules import ItemInfo
from services.notification.tables import deliveries, items

PENDING, SENT, FAILED = "pending", "sent", "failed"
STATUSES = (PENDING, SENT, FAILED)


def _insert(connection: AsyncConnection, table: Any) -> Any:
    return (postgresql if connection.dialect.name == "postgresql" else sqlite).insert(table)


# --- items -------------------------------------------------------------------------------------
async def load_item(connection: AsyncConnection, item_id: UUID) -> ItemInfo | None:
    row = (await connection.execute(select(items).where(items.c.item_id == item_id))).first()
    if row is None:
        return None
    return ItemInfo(row.item_id, row.code, row.title, row.lead_unit, tuple(row.co_units), row.due_date, row.leader)


async def save_item(connection: AsyncConnection, item: ItemInfo, now: dt.datetime) -> None:
    values = {"code": item.code, "title": item.title, "lead_unit": item.lead_unit,
              "co_units": list(item.co_units), "due_date": item.due_date, "leader": item.leader, "updated_at": now}
    statement = _insert(connection, items).values(item_id=item.item_id, **values)
    await connection.execute(statement.on_conflict_do_update(index_elements=[items.c.item_id], set_=values))


# --- deliveries --------------------------------------------------------------------------------
async def add_deliveries(connection: AsyncConnection, rows: Sequence[dict[str, Any]]) -> int:
    """Insert the rows; one already there for its (event, recipient, channel) is left alone."""
    added = 0
    for row in rows:
        statement = _insert(connection, deliveries).values(**row).on_conflict_do_nothing(
            index_elements=[deliveries.c.event_id, deliveries.c.recipient, deliveries.c.channel])
        added += (await connection.execute(statement.returning(deliveries.c.id))).first() is not None
    return added


async def claim_next(connection: AsyncConnection, now: dt.datetime, lease_until: dt.datetime) -> Row[Any] | None:
    """Take the pending delivery due first by ``now``, if any: it is not due again before
    ``lease_until`` (a dispatcher that dies mid-send leaves it to be tried again then)."""
    due = (select(deliveries.c.id)
           .where(deliveries.c.status == PENDING, deliveries.c.next_attempt_at <= now)
           .order_by(deliveries.c.next_attempt_at, deliveries.c.id).limit(1)
           .with_for_update(skip_locked=True))
    statement = (update(deliveries).where(deliveries.c.id.in_(due))
                 .values(next_attempt_at=lease_until).returning(*deliveries.c))
    return (await connection.execute(statement)).first()


async def record_sent(connection: AsyncConnection, delivery_id: int, attempts: int, now: dt.datetime) -> None:
    await connection.execute(update(deliveries).where(deliveries.c.id == delivery_id).values(
        status=SENT, attempts=attempts, sent_at=now, next_attempt_at=None))


async def record_failure(connection: AsyncConnection, delivery_id: int, attempts: int, error: str,
                         retry_at: dt.datetime | None) -> None:
    """A failed attempt: tried again at ``retry_at``, or failed for good when it is None."""
    await connection.execute(update(deliveries).where(deliveries.c.id == delivery_id).values(
        status=PENDING if retry_at else FAILED, attempts=attempts, last_error=error[:2000],
        next_attempt_at=retry_at))


async def retry_failed(connection: AsyncConnection, delivery_id: int, now: dt.datetime) -> Row[Any] | None:
    """Put a failed e-mail or webhook delivery back in the queue with a fresh budget; None
    if there is no such delivery or it has not failed."""
    statement = (update(deliveries)
                 .where(deliveries.c.id == delivery_id, deliveries.c.status == FAILED,
                        deliveries.c.channel != "inbox")
                 .values(status=PENDING, attempts=0, next_attempt_at=now).returning(*deliveries.c))
    return (await connection.execute(statement)).first()


async def delivery(connection: AsyncConnection, delivery_id: int) -> Row[Any] | None:
    query = select(deliveries).where(deliveries.c.id == delivery_id, deliveries.c.channel != "inbox")
    return (await connection.execute(query)).first()


async def with_status(connection: AsyncConnection, status: str, limit: int) -> list[Row[Any]]:
    query = (select(deliveries).where(deliveries.c.status == status, deliveries.c.channel != "inbox")
             .order_by(deliveries.c.id.desc()).limit(limit))
    return list((await connection.execute(query)).all())


# --- the in-app inbox --------------------------------------------------------------------------
def _inbox_of(username: str) -> Any:
    return (deliveries.c.recipient == username) & (deliveries.c.channel == "inbox")


async def inbox(connection: AsyncConnection, username: str, *, unread_only: bool,
                limit: int) -> tuple[list[Row[Any]], int]:
    """The user's messages, newest first, and how many are unread."""
    query = select(deliveries).where(_inbox_of(username))
    if unread_only:
        query = query.where(deliveries.c.read_at.is_(None))
    rows = (await connection.execute(
        query.order_by(deliveries.c.id.desc()).limit(limit))).all()
    unread = (await connection.execute(select(func.count()).select_from(deliveries).where(
        _inbox_of(username), deliveries.c.read_at.is_(None)))).scalar_one()
    return list(rows), unread


async def mark_read(connection: AsyncConnection, message_id: int, username: str,
                    now: dt.datetime) -> Row[Any] | None:
    """Mark the user's own message read (once); None if the user has no such message."""
    mine = _inbox_of(username) & (deliveries.c.id == message_id)
    await connection.execute(update(deliveries).where(mine, deliveries.c.read_at.is_(None)).values(read_at=now))
    return (await connection.execute(select(deliveries).where(mine))).first()

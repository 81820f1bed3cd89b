"""Bulletins, their numbers, the office's findings and adjustments in the reporting tables."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.reporting.adapters import tables
from shared.storage.database import upsert


async def next_sequence(connection: AsyncConnection, kind: str, year: int) -> int:
    """The kind's next number in the year, from one atomic upsert of its counter: the row lock
    (PostgreSQL) or the write lock (SQLite) holds a concurrent draft back until this one commits."""
    t = tables.bulletin_numbers
    statement = upsert(connection, t).values(kind=kind, year=year, last=1)
    statement = statement.on_conflict_do_update(index_elements=[t.c.kind, t.c.year], set_={"last": t.c.last + 1})
    return (await connection.execute(statement.returning(t.c.last))).scalar_one()


async def add_bulletin(connection: AsyncConnection, row: dict[str, Any]) -> None:
    await connection.execute(insert(tables.bulletins).values(**row))


async def bulletin(connection: AsyncConnection, bulletin_id: uuid.UUID, *, lock: bool = False) -> dict[str, Any] | None:
    t = tables.bulletins
    query = select(t).where(t.c.id == bulletin_id)
    found = (await connection.execute(query.with_for_update() if lock else query)).mappings().first()
    return dict(found) if found else None


async def bulletins(connection: AsyncConnection, *, kind: str | None, status: str | None,
                    year: int | None) -> list[dict[str, Any]]:
    t = tables.bulletins
    query = select(t.c.id, t.c.kind, t.c.number, t.c.status, t.c.year, t.c.period_from, t.c.period_to,
                   t.c.created_at, t.c.published_at)
    for column, value in ((t.c.kind, kind), (t.c.status, status), (t.c.year, year)):
        if value is not None:
            query = query.where(column == value)
    query = query.order_by(t.c.year.desc(), t.c.kind, t.c.sequence.desc())
    return [dict(r) for r in (await connection.execute(query)).mappings()]


async def publish(connection: AsyncConnection, bulletin_id: uuid.UUID, figures: dict[str, Any],
                  at: dt.datetime, *, remarks: str, comment: str) -> None:
    t = tables.bulletins
    await connection.execute(update(t).where(t.c.id == bulletin_id).values(
        status="published", figures=figures, published_at=at, remarks=remarks, leader_comment=comment))


async def set_status(connection: AsyncConnection, bulletin_id: uuid.UUID, status: str, **values: Any) -> None:
    t = tables.bulletins
    await connection.execute(update(t).where(t.c.id == bulletin_id).values(status=status, **values))


async def add_finding(connection: AsyncConnection, row: dict[str, Any]) -> None:
    await connection.execute(insert(tables.findings).values(**row))


async def add_adjustment(connection: AsyncConnection, row: dict[str, Any]) -> None:
    await connection.execute(insert(tables.adjustments).values(**row))


async def adjustments_of(connection: AsyncConnection, bulletin_id: uuid.UUID) -> list[dict[str, Any]]:
    t = tables.adjustments
    query = select(t.c.list, t.c.action, t.c.unit, t.c.reason, t.c.made_by, t.c.made_at).where(
        t.c.bulletin_id == bulletin_id).order_by(t.c.id)
    return [dict(r) for r in (await connection.execute(query)).mappings()]


async def claim_scheduled(connection: AsyncConnection, kind: str, period_from: dt.date, bulletin_id: uuid.UUID) -> bool:
    """Claim the scheduled draft of (kind, month) for ``bulletin_id``; False if it was made already."""
    t = tables.scheduled_drafts
    done = await connection.execute(upsert(connection, t).values(kind=kind, period_from=period_from,
                                                                 bulletin_id=bulletin_id)
                                    .on_conflict_do_nothing().returning(t.c.kind))
    return done.first() is not None

"""Monthly plans, their visits and the month's reminder in the reporting tables."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.reporting.adapters import tables
from shared.storage.database import upsert


async def add_plan(connection: AsyncConnection, row: dict[str, Any]) -> bool:
    """Insert a month's plan; False if the month has one already (also a concurrent one)."""
    t = tables.plans
    done = await connection.execute(upsert(connection, t).values(**row).on_conflict_do_nothing()
                                    .returning(t.c.month))
    return done.first() is not None


async def replace_plan(connection: AsyncConnection, month: str, values: dict[str, Any]) -> bool:
    t = tables.plans
    done = await connection.execute(update(t).where(t.c.month == month).values(**values))
    return done.rowcount == 1


async def plan(connection: AsyncConnection, month: str) -> dict[str, Any] | None:
    t = tables.plans
    found = (await connection.execute(select(t).where(t.c.month == month))).mappings().first()
    return dict(found) if found else None


async def plans_of(connection: AsyncConnection, months: Iterable[str]) -> dict[str, dict[str, Any]]:
    t = tables.plans
    rows = (await connection.execute(select(t).where(t.c.month.in_(list(months))))).mappings()
    return {r["month"]: dict(r) for r in rows}


async def add_visit(connection: AsyncConnection, row: dict[str, Any]) -> None:
    await connection.execute(insert(tables.visits).values(**row))


async def visits_of(connection: AsyncConnection, month: str) -> list[dict[str, Any]]:
    t = tables.visits
    query = select(t).where(t.c.month == month).order_by(t.c.visited_on, t.c.recorded_at, t.c.id)
    return [dict(r) for r in (await connection.execute(query)).mappings()]


async def visits_between(connection: AsyncConnection, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    t = tables.visits
    query = (select(t).where(t.c.visited_on >= start, t.c.visited_on <= end)
             .order_by(t.c.visited_on, t.c.recorded_at, t.c.id))
    return [dict(r) for r in (await connection.execute(query)).mappings()]


async def visit_dates(connection: AsyncConnection, month: str) -> list[dt.date]:
    t = tables.visits
    query = select(t.c.visited_on).where(t.c.month == month).distinct()
    return list((await connection.execute(query)).scalars())


async def known_items(connection: AsyncConnection, item_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """The items of the read model among ``item_ids`` (registered ones, not placeholders)."""
    ids = list(item_ids)
    if not ids:
        return {}
    t = tables.items
    query = select(t.c.item_id, t.c.code, t.c.title, t.c.lead_unit).where(t.c.item_id.in_(ids), ~t.c.placeholder)
    return {r["item_id"]: dict(r) for r in (await connection.execute(query)).mappings()}


async def claim_reminder(connection: AsyncConnection, month: str, command_id: uuid.UUID, at: dt.datetime) -> bool:
    """Claim the month's reminder for ``command_id``; False if it was sent already (by any replica)."""
    t = tables.plan_reminders
    done = await connection.execute(upsert(connection, t).values(month=month, command_id=command_id, sent_at=at)
                                    .on_conflict_do_nothing().returning(t.c.month))
    return done.first() is not None

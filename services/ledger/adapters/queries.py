"""Reads of the ledger as a caller may see them: filters, sorting, pages, the timeline."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.ledger.adapters import tables
from services.ledger.adapters.light_sql import light_rank_sql, light_sql, overdue_sql
from services.ledger.domain.light import Light
from services.ledger.domain.state import ItemState
from shared.identity import Principal
from shared.storage.database import reading
from shared.visibility import sees_item, visible_sql

t = tables.items
SORT_KEYS = ("light", "due_date", "assigned_on", "code", "title", "status", "updated")


@dataclass(frozen=True)
class ItemFilter:
    unit: str | None = None
    statuses: tuple[str, ...] = ()
    light: Light | None = None
    source: str | None = None
    leader: str | None = None
    overdue: bool | None = None
    assigned_from: dt.date | None = None
    assigned_to: dt.date | None = None
    due_from: dt.date | None = None
    due_to: dt.date | None = None
    text: str | None = None


def _in_unit(unit: str) -> ColumnElement[bool]:
    u = tables.item_units
    return exists().where(and_(u.c.item_id == t.c.item_id, u.c.unit == unit))


def conditions(f: ItemFilter, principal: Principal, today: dt.date) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [t.c.placeholder.is_(False)]
    where.append(visible_sql(principal, _in_unit))
    if f.unit:
        where.append(_in_unit(f.unit))
    if f.statuses:
        where.append(t.c.status.in_(f.statuses))
    if f.light is not None:
        where.append(light_sql(today) == f.light.value)
    if f.overdue is not None:
        where.append(overdue_sql() if f.overdue else ~overdue_sql())
    for column, value in ((t.c.source, f.source), (t.c.leader, f.leader)):
        if value:
            where.append(column == value)
    for column, low, high in ((t.c.assigned_on, f.assigned_from, f.assigned_to), (t.c.due_date, f.due_from, f.due_to)):
        if low:
            where.append(column >= low)
        if high:
            where.append(column <= high)
    if f.text:
        where.append(or_(t.c.title.contains(f.text, autoescape=True), t.c.code.contains(f.text, autoescape=True)))
    return where


def ordered(query: Select[Any], sort: str, today: dt.date) -> Select[Any]:
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    column: Any = {"light": light_rank_sql(today), "due_date": t.c.due_date, "assigned_on": t.c.assigned_on,
                   "code": t.c.code, "title": t.c.title, "status": t.c.status, "updated": t.c.last_event_at}[key]
    first = column.desc() if descending else column.asc()
    return query.order_by(first.nulls_last(), t.c.due_date.asc().nulls_last(), t.c.code, t.c.item_id)


async def list_items(db: AsyncEngine, f: ItemFilter, principal: Principal, today: dt.date, *,
                     sort: str = "-light", offset: int = 0, limit: int | None = 50) -> tuple[list[ItemState], int]:
    where = conditions(f, principal, today)
    query = ordered(select(t).where(*where), sort, today).offset(offset).limit(limit)
    async with reading(db) as connection:
        total = (await connection.execute(select(func.count()).select_from(t).where(*where))).scalar_one()
        rows = (await connection.execute(query)).mappings().all()
    return [ItemState.from_row(dict(r)) for r in rows], total


def can_see(principal: Principal, state: ItemState) -> bool:
    return not state.placeholder and sees_item(principal, state.units)


async def item_with_timeline(db: AsyncEngine,
                             item_id: uuid.UUID) -> tuple[ItemState | None, list[dict[str, Any]]]:
    """The row and its timeline; the timeline is read first, so the row is never older."""
    tl = tables.timeline
    query = select(tl).where(tl.c.item_id == item_id).order_by(tl.c.occurred_at, tl.c.id)
    async with reading(db) as connection:
        entries = [dict(r) for r in (await connection.execute(query)).mappings()]
        row = (await connection.execute(select(t).where(t.c.item_id == item_id))).mappings().first()
    return (ItemState.from_row(dict(row)) if row else None), entries

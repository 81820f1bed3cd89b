"""A period's counts from the reporting service's own read model (never another service's
tables): per unit as the ledger counts them (``shared/unit_stats.py``), the revisits, the
totals by source and status, and the overdue items."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.reporting.adapters import tables
from shared.unit_stats import COUNTS, Period

EXTRA = ("revisits_passed", "revisits_failed", "accountability_opened")


def _unit_queries(p: Period) -> dict[str, Select[Any]]:
    t, f = tables.items, tables.facts
    low, high = p.bounds()
    real = t.c.placeholder.is_(False)
    closed = [real, t.c.status == "closed", t.c.closed_on.between(p.start, p.end)]

    def items(*where: ColumnElement[bool]) -> Select[Any]:
        return select(t.c.lead_unit, func.count()).where(*where).group_by(t.c.lead_unit)

    def facts(kind: str, *where: ColumnElement[bool], distinct_items: bool = False) -> Select[Any]:
        counted = func.count(f.c.item_id.distinct()) if distinct_items else func.count()
        return (select(f.c.unit, counted).where(f.c.kind == kind, f.c.unit.is_not(None), f.c.occurred_at >= low,
                                                f.c.occurred_at < high, *where).group_by(f.c.unit))

    return {
        "assigned": items(real, t.c.assigned_on.between(p.start, p.end)),
        "closed": items(*closed),
        "on_time": items(*closed, t.c.on_time.is_(True)),
        "overdue": facts("deadline.overdue", distinct_items=True),
        "returned": facts("report.returned"),
        "reopened": facts("item.reopened"),
        "revisits_passed": facts("revisit.completed", f.c.passed.is_(True)),
        "revisits_failed": facts("revisit.completed", f.c.passed.is_(False)),
        "accountability_opened": facts("accountability.opened"),
    }


async def unit_counts(connection: AsyncConnection, period: Period) -> dict[str, dict[str, int]]:
    """Per unit: the ledger's counts (``COUNTS``), the revisits passed and failed, the accountability cases opened."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys((*COUNTS, *EXTRA), 0))
    for name, query in _unit_queries(period).items():
        for unit, n in (await connection.execute(query)).all():
            if unit is not None:
                counts[unit][name] = n
    return dict(counts)


async def satisfaction(connection: AsyncConnection, period: Period) -> dict[str, tuple[float, int]]:
    """Per lead unit: the average rating (one decimal) and the count of the public's visible
    feedback given in the period on its items (群众满意度; hidden feedback never counts)."""
    t, f = tables.items, tables.feedback
    low, high = period.bounds()
    query = (select(t.c.lead_unit, func.avg(f.c.rating), func.count())
             .join(t, t.c.item_id == f.c.item_id)
             .where(f.c.hidden.is_(False), f.c.created_at >= low, f.c.created_at < high, t.c.lead_unit.is_not(None))
             .group_by(t.c.lead_unit))
    return {unit: (round(float(average), 1), n) for unit, average, n in (await connection.execute(query)).all()}


async def totals_by(connection: AsyncConnection, period: Period) -> dict[str, dict[str, int]]:
    """The items assigned in the period, by source and by their status now."""
    t = tables.items
    where = [t.c.placeholder.is_(False), t.c.assigned_on.between(period.start, period.end)]
    out: dict[str, dict[str, int]] = {}
    for name, column in (("by_source", t.c.source), ("by_status", t.c.status)):
        rows = (await connection.execute(select(column, func.count()).where(*where).group_by(column))).all()
        out[name] = {str(key): n for key, n in sorted(rows, key=lambda r: str(r[0])) if key is not None}
    return out


async def overdue_items(connection: AsyncConnection, period: Period) -> list[dict[str, Any]]:
    """The items a unit let pass a deadline in the period, by code."""
    t, f = tables.items, tables.facts
    low, high = period.bounds()
    overdue = (select(f.c.item_id).where(f.c.kind == "deadline.overdue", f.c.unit.is_not(None),
                                         f.c.occurred_at >= low, f.c.occurred_at < high))
    query = (select(t.c.item_id, t.c.code, t.c.title, t.c.lead_unit, t.c.due_date, t.c.status, t.c.closed_on)
             .where(t.c.item_id.in_(overdue)).order_by(t.c.code, t.c.item_id))
    return [{"item_id": str(r.item_id), "code": r.code, "title": r.title, "lead_unit": r.lead_unit,
             "due_date": r.due_date.isoformat() if r.due_date else None, "status": r.status,
             "closed_on": r.closed_on.isoformat() if r.closed_on else None}
            for r in (await connection.execute(query)).all()]


async def findings_in(connection: AsyncConnection, period: Period) -> list[dict[str, Any]]:
    f = tables.findings
    query = (select(f).where(f.c.recorded_on.between(period.start, period.end))
             .order_by(f.c.recorded_at, f.c.id))
    return [dict(r) for r in (await connection.execute(query)).mappings()]

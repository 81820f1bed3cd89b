"""The statistics' counts per unit (``shared/unit_stats.py``) read from the ledger's tables."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.ledger.adapters import tables
from services.ledger.domain.stats import COUNTS, Period
from shared.contracts import subjects
from shared.storage.database import reading


def _kind(subject: str) -> str:
    return subject.removeprefix("duban.events.")


def _queries(p: Period) -> dict[str, Select[Any]]:
    t, tl = tables.items, tables.timeline
    low, high = p.bounds()
    real = t.c.placeholder.is_(False)
    closed = [real, t.c.status == "closed", t.c.closed_on.between(p.start, p.end)]

    def items(*where: ColumnElement[bool]) -> Select[Any]:
        return select(t.c.lead_unit, func.count()).where(*where).group_by(t.c.lead_unit)

    def events(subject: str, distinct_items: bool = False) -> Select[Any]:
        counted = func.count(tl.c.item_id.distinct()) if distinct_items else func.count()
        return (select(tl.c.unit, counted).where(tl.c.kind == _kind(subject), tl.c.unit.is_not(None),
                                                 tl.c.occurred_at >= low, tl.c.occurred_at < high)
                .group_by(tl.c.unit))

    return {
        "assigned": items(real, t.c.assigned_on.between(p.start, p.end)),
        "closed": items(*closed),
        "on_time": items(*closed, t.c.on_time.is_(True)),
        "overdue": events(subjects.DEADLINE_OVERDUE, distinct_items=True),
        "returned": events(subjects.REPORT_RETURNED),
        "reopened": events(subjects.ITEM_REOPENED),
    }


async def unit_counts(db: AsyncEngine, period: Period) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    async with reading(db) as connection:
        for name, query in _queries(period).items():
            for unit, n in (await connection.execute(query)).all():
                if unit is not None:
                    counts[unit][name] = n
    return dict(counts)

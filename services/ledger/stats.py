"""Statistics per unit (as lead unit) for a period: assigned, closed, on time, overdue,
returned, reopened and the on-time rate."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.ledger import tables
from shared.clock import CHINA
from shared.contracts import subjects

COUNTS = ("assigned", "closed", "on_time", "overdue", "returned", "reopened")
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(9998, 12, 31)  # a period's first and last possible days
LONGEST_DAYS = 3660  # about ten years


class BadPeriod(ValueError):
    """The asked period cannot be counted (its message is for the person who asked)."""


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive

    @classmethod
    def of(cls, start: dt.date | None, end: dt.date | None, *, today: dt.date) -> Period:
        """The period asked for; by default from the first of this year to ``today``."""
        period = cls(start or dt.date(today.year, 1, 1), end or today)
        if period.start > period.end:
            raise BadPeriod(f"统计起始日期 {period.start} 晚于截止日期 {period.end}（from is after to）")
        if period.start < EARLIEST or period.end > LATEST:
            raise BadPeriod(f"统计区间须在 {EARLIEST} 至 {LATEST} 之间")
        if (period.end - period.start).days > LONGEST_DAYS:
            raise BadPeriod("统计区间不能超过十年")
        return period

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The period as UTC instants: Beijing midnight of the first day to after the last."""
        low = dt.datetime.combine(self.start, dt.time(), CHINA)
        high = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), CHINA)
        return low.astimezone(dt.UTC), high.astimezone(dt.UTC)


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


async def unit_counts(engine: AsyncEngine, period: Period) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    async with engine.connect() as connection:
        for name, query in _queries(period).items():
            for unit, n in (await connection.execute(query)).all():
                if unit is not None:
                    counts[unit][name] = n
    return dict(counts)


def rate(on_time: int, closed: int) -> float | None:
    return round(on_time / closed, 4) if closed else None


def table(counts: dict[str, dict[str, int]], units: Iterable[str]) -> list[dict[str, Any]]:
    """One row per unit, in the given order, then any other unit found in the data."""
    order = list(dict.fromkeys([*units, *sorted(counts)]))
    rows = []
    for unit in order:
        row = counts.get(unit, dict.fromkeys(COUNTS, 0))
        rows.append({"unit": unit, **row, "on_time_rate": rate(row["on_time"], row["closed"])})
    return rows


def totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    summed = {name: sum(r[name] for r in rows) for name in COUNTS}
    return {**summed, "on_time_rate": rate(summed["on_time"], summed["closed"])}

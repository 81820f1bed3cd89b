"""Statistics per unit (as lead unit) for a period: assigned, closed, on time, overdue,
returned, reopened and the on-time rate. Pure: the counts come from each service's own read
model (the ledger's ``adapters/stats_sql.py``, the reporting service's ``adapters/figures_sql.py``),
so both give the same table for the same period."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from shared.clock import CHINA

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

"""When a scheduled round is due (二.1: overall progress every quarter, annual targets at
mid-year and year-end). Pure: the caller passes China's date.

A round falls due on its period's last day (31 March, 30 June, 30 September, 31 December
for quarters; 30 June and 31 December for the half-year checks). Only the latest period
that ended on or before today counts, and only within ``CATCH_UP_DAYS`` of its last day: a
platform that was down on the day catches up when it comes back, one that starts long after
(a new deployment in mid-quarter) opens nothing for a period long past.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from shared.contracts.enums import CheckKind

CATCH_UP_DAYS = 15
QUARTER_NAMES = "一二三四"


@dataclass(frozen=True)
class Period:
    key: str  # "2026-Q4", "2026-H1": the rounds table's period
    year: int
    number: int  # the quarter 1-4, or the half 1-2
    last_day: dt.date


def _last_day(year: int, month: int) -> dt.date:
    return (dt.date(year + month // 12, month % 12 + 1, 1)) - dt.timedelta(days=1)


def _latest(today: dt.date, months_per_period: int, label: str) -> Period | None:
    periods = 12 // months_per_period
    for year in (today.year, today.year - 1):
        for number in range(periods, 0, -1):
            last = _last_day(year, number * months_per_period)
            if last <= today:
                if (today - last).days > CATCH_UP_DAYS:
                    return None
                return Period(f"{year}-{label}{number}", year, number, last)
    return None


def due_quarter(today: dt.date) -> Period | None:
    """The quarter whose progress round is due today (its last day, or a few days after)."""
    return _latest(today, 3, "Q")


def due_half(today: dt.date) -> Period | None:
    """The half-year whose target check is due today (30 June / 31 December, or a few days after)."""
    return _latest(today, 6, "H")


def quarterly_title(quarter: Period) -> str:
    """e.g. 2026年第四季度工作进展"""
    return f"{quarter.year}年第{QUARTER_NAMES[quarter.number - 1]}季度工作进展"


def check_kind(half: Period) -> CheckKind:
    return CheckKind.MID_YEAR if half.number == 1 else CheckKind.YEAR_END

"""The official data shipped in the ``chinesecalendar`` package, as ``YearData`` per year.

``chinese_calendar.holidays`` and ``chinese_calendar.workdays`` are dicts keyed by date
(values are holiday names); a year is covered when the package lists its holidays.
Version 1.11.0 covers 2004-2026. Later years come from override files (see ``overrides``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

import chinese_calendar

from shared.calendar.working_days import YearData


def package_source() -> str:
    """``"chinesecalendar <version>"`` as installed."""
    version = getattr(chinese_calendar, "__version__", "")
    return f"chinesecalendar {version}".strip()


def _by_year(days: Iterable[dt.date]) -> dict[int, set[dt.date]]:
    grouped: dict[int, set[dt.date]] = defaultdict(set)
    for day in days:
        grouped[day.year].add(day)
    return grouped


def official_years() -> dict[int, YearData]:
    """Every year the installed package has official holiday data for."""
    source = package_source()
    holidays = _by_year(chinese_calendar.holidays)
    workdays = _by_year(chinese_calendar.workdays)
    return {
        year: YearData(
            year=year,
            holidays=frozenset(holidays[year]),
            workdays=frozenset(workdays.get(year, ())),
            source=source,
        )
        for year in sorted(holidays)
    }

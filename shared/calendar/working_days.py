"""China's official working-day calendar: the pure core.

No I/O, no framework, no clock: callers pass every date in. A day is a working day
unless it is an official holiday; a weekend day is off unless the State Council made it
a working day (调休上班). For a year without official data only weekends are off, and
every answer that consulted such a year says so (``DueDate.estimated``) and warns once
per year.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

log = logging.getLogger("duban.calendar")

MAX_WORKING_DAYS = 3660
MAX_SPAN_DAYS = 36600
ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class YearData:
    """One year's official data: the days off and the weekend days made working days."""

    year: int
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]
    source: str

    def __post_init__(self) -> None:
        outside = sorted(d for d in self.holidays | self.workdays if d.year != self.year)
        if outside:
            raise ValueError(f"YearData {self.year}: {outside[0].isoformat()} is not in {self.year}")
        both = sorted(self.holidays & self.workdays)
        if both:
            raise ValueError(f"YearData {self.year}: {both[0].isoformat()} is both a holiday and a workday")


@dataclass(frozen=True)
class DueDate:
    """A computed date; ``estimated`` when a year without official data was consulted."""

    date: dt.date
    estimated: bool = False
    estimated_years: tuple[int, ...] = ()


def uncovered_year_warning(year: int) -> str:
    """The text shown wherever a result depends on a year without official data."""
    return (
        f"no official working-day calendar for {year}: computed on weekends only (estimated); "
        "load the year's file with `duban calendar load`"
    )


def _check_count(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"the number of working days must be an int, not {type(n).__name__}")
    if abs(n) > MAX_WORKING_DAYS:
        raise ValueError(f"{n} working days is out of range (at most {MAX_WORKING_DAYS} either way)")


class WorkingCalendar:
    """Working days over the years it holds; weekends-only (estimated) elsewhere.

    ``warn`` receives the text of each uncovered year's warning, once per year for
    this instance; by default it goes to the ``duban.calendar`` logger.
    """

    def __init__(self, years: Mapping[int, YearData], *, warn: Callable[[str], None] | None = None) -> None:
        for key, data in years.items():
            if key != data.year:
                raise ValueError(f"calendar year {key} holds the data of {data.year}")
        self._years: dict[int, YearData] = dict(years)
        self._warn = warn or log.warning
        self._warned: set[int] = set()

    # -- coverage -------------------------------------------------------------

    def covers(self, year: int) -> bool:
        return year in self._years

    @property
    def covered_years(self) -> tuple[int, ...]:
        return tuple(sorted(self._years))

    def year_data(self, year: int) -> YearData | None:
        return self._years.get(year)

    def warnings_for(self, years: Iterable[int]) -> list[str]:
        """The warning text for each of ``years`` without official data (for health checks)."""
        return [uncovered_year_warning(y) for y in sorted(set(years)) if not self.covers(y)]

    def uncovered_between(self, a: dt.date, b: dt.date) -> tuple[int, ...]:
        """Years touched by the span between two dates that have no official data."""
        low, high = sorted((a, b))
        return tuple(y for y in range(low.year, high.year + 1) if not self.covers(y))

    # -- questions ------------------------------------------------------------

    def is_working_day(self, d: dt.date) -> bool:
        missing: set[int] = set()
        answer = self._is_working(d, missing)
        self._note(missing)
        return answer

    def add_working_days(self, start: dt.date, n: int) -> DueDate:
        """The n-th working day after ``start`` (start never counts); n < 0 counts back."""
        _check_count(n)
        step = ONE_DAY if n > 0 else -ONE_DAY
        missing: set[int] = set()
        day, remaining = start, abs(n)
        while remaining:
            day += step
            if self._is_working(day, missing):
                remaining -= 1
        return self._result(day, missing)

    def next_working_day(self, d: dt.date) -> dt.date:
        """The first working day strictly after ``d``."""
        return self.add_working_days(d, 1).date

    def working_days_between(self, a: dt.date, b: dt.date) -> int:
        """Working days d with a < d <= b; negative (the same count) when b < a."""
        if abs((b - a).days) > MAX_SPAN_DAYS:
            raise ValueError(f"{a.isoformat()}..{b.isoformat()} is too long a span (over {MAX_SPAN_DAYS} days)")
        low, high, sign = (a, b, 1) if a <= b else (b, a, -1)
        missing: set[int] = set()
        count, day = 0, low
        while day < high:
            day += ONE_DAY
            count += self._is_working(day, missing)
        self._note(missing)
        return sign * count

    # -- internals ------------------------------------------------------------

    def _is_working(self, d: dt.date, missing: set[int]) -> bool:
        data = self._years.get(d.year)
        if data is None:
            missing.add(d.year)
            return d.weekday() < 5
        if d in data.holidays:
            return False
        return d in data.workdays or d.weekday() < 5

    def _result(self, day: dt.date, missing: set[int]) -> DueDate:
        self._note(missing)
        return DueDate(date=day, estimated=bool(missing), estimated_years=tuple(sorted(missing)))

    def _note(self, missing: set[int]) -> None:
        for year in sorted(missing - self._warned):
            self._warned.add(year)
            self._warn(uncovered_year_warning(year))

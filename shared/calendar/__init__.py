"""China's official working-day calendar (法定节假日与调休).

``load_calendar(dir)`` merges the official data of the ``chinesecalendar`` package with
the per-year override files ops install in ``dir`` (``duban calendar load``); an
override replaces its year wholesale. Services call it once, where they are wired.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from shared.calendar.deadlines import (
    URGENCY_WORKING_DAYS,
    DeadlineRuleError,
    SpecialDeadlineSetByLeader,
    UnknownUrgency,
    working_days_for,
)
from shared.calendar.official import official_years, package_source
from shared.calendar.overrides import (
    CalendarFileError,
    install_year_file,
    load_override_dir,
    parse_year_file,
)
from shared.calendar.working_days import (
    DueDate,
    WorkingCalendar,
    YearData,
    uncovered_year_warning,
)

__all__ = [
    "URGENCY_WORKING_DAYS",
    "CalendarFileError",
    "DeadlineRuleError",
    "DueDate",
    "SpecialDeadlineSetByLeader",
    "UnknownUrgency",
    "WorkingCalendar",
    "YearData",
    "install_year_file",
    "load_calendar",
    "load_override_dir",
    "official_years",
    "package_source",
    "parse_year_file",
    "uncovered_year_warning",
    "working_days_for",
]


def load_calendar(
    calendar_dir: Path | None, *, warn: Callable[[str], None] | None = None
) -> WorkingCalendar:
    """Official years, each replaced by its override file from ``calendar_dir`` if any.

    A missing directory means no overrides; an invalid file raises ``CalendarFileError``.
    ``warn`` receives uncovered-year warnings (default: the ``duban.calendar`` logger).
    """
    years = official_years()
    years.update(load_override_dir(calendar_dir))
    return WorkingCalendar(years, warn=warn)

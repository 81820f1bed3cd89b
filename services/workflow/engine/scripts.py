"""What BPMN scripts may call: working-day arithmetic, the clock, and ``emit``.

Scripts run in the sandbox of sandbox.py: these helpers, plain data and nothing else.

Documented for designers in workflows/README.md. Dates go in and out as ISO strings
(the engine's serializer stores no ``date`` objects).
"""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine

from services.workflow.engine.sandbox import SandboxEnvironment
from shared.calendar import WorkingCalendar, working_days_for
from shared.clock import CHINA, Clock, today_in_china

Emit = Callable[..., None]


def _date(value: str | dt.date) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def add_months(value: str, months: int) -> str:
    day = _date(value)
    total = day.month - 1 + int(months)
    year, month = day.year + total // 12, total % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, month_calendar.monthrange(year, month)[1])).isoformat()


def at_time(value: str, time: str) -> str:
    return dt.datetime.combine(_date(value), dt.time.fromisoformat(time), CHINA).isoformat()


def end_of_day(value: str) -> str:
    """A deadline is the end of its day in Beijing."""
    return at_time(value, "23:59:59")


def days_between(a: str, b: str) -> int:
    return (_date(b) - _date(a)).days


def helpers(clock: Clock, calendar: WorkingCalendar, emit: Emit,
            offences: Callable[[str, int], int]) -> dict[str, Any]:
    return {
        "new_id": lambda: str(uuid.uuid4()),
        "offences_this_year": lambda unit: offences(unit, today_in_china(clock).year),
        "today": lambda: today_in_china(clock).isoformat(),
        "now": lambda: clock.now().astimezone(CHINA).isoformat(timespec="seconds"),
        "add_working_days": lambda value, n: calendar.add_working_days(_date(value), int(n)).date.isoformat(),
        "is_estimated": lambda value: not calendar.covers(_date(value).year),
        "working_days_for": working_days_for,
        "end_of_day": end_of_day,
        "at_time": at_time,
        "add_months": add_months,
        "days_between": days_between,
        "emit": emit,
    }


class DubanScriptEngine(PythonScriptEngine):
    """Runs BPMN scripts in the sandbox with the helpers, on the service's clock; collects emitted events."""

    def __init__(self, clock: Clock, calendar: WorkingCalendar,
                 offences: Callable[[str, int], int] | None = None) -> None:
        """``offences(unit, year)``: accountability cases opened against the unit that year."""
        self.clock = clock
        self.emitted: list[tuple[str, dict[str, Any]]] = []
        self.offences = offences or (lambda unit, year: 0)
        env = helpers(clock, calendar, self._emit, lambda unit, year: self.offences(unit, year))
        super().__init__(environment=SandboxEnvironment(env))

    def _emit(self, kind: str, **fields: Any) -> None:
        self.emitted.append((kind, fields))

    def take_emitted(self) -> list[tuple[str, dict[str, Any]]]:
        emitted, self.emitted = self.emitted, []
        return emitted

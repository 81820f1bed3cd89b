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
from shared.calendar import deadline_rules as rules
from shared.clock import CHINA, Clock, today_in_china

Emit = Callable[..., None]
Offences = Callable[[str, int], int]
"""``offences(unit, year)``: the accountability cases opened against a unit in a year."""


def _date(value: str | dt.date) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _day(value: str | dt.date | None, clock: Clock) -> dt.date:
    return today_in_china(clock) if value is None else _date(value)


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
        "is_estimated": lambda value: rules.is_estimated(calendar, _date(value)),
        # the deadlines of the rules (shared/calendar/deadline_rules.py), from today unless given a start
        "report_due": lambda urgency, start=None: rules.report_due(calendar, urgency, _day(start, clock)).date.isoformat(),
        "sign_due": lambda start=None: rules.sign_due(calendar, _day(start, clock)).date.isoformat(),
        "explain_due": lambda start=None: rules.explain_due(calendar, _day(start, clock)).date.isoformat(),
        "revisit_due": lambda start=None: rules.revisit_due(calendar, _day(start, clock)).isoformat(),
        "reminder_at": lambda due: rules.reminder_at(calendar, _date(due)).isoformat(),
        "deadline_at": lambda due: rules.deadline_at(_date(due)).isoformat(),
        "working_days_for": working_days_for,
        "end_of_day": end_of_day,
        "at_time": at_time,
        "add_months": add_months,
        "days_between": days_between,
        "emit": emit,
    }


class DubanScriptEngine(PythonScriptEngine):
    """Runs BPMN scripts in the sandbox with the helpers, on the service's clock; collects emitted events."""

    def __init__(self, clock: Clock, calendar: WorkingCalendar, offences: Offences | None = None) -> None:
        self.clock = clock
        self.emitted: list[tuple[str, dict[str, Any]]] = []
        env = helpers(clock, calendar, self._emit, offences or (lambda unit, year: 0))
        super().__init__(environment=SandboxEnvironment(env))

    def _emit(self, kind: str, **fields: Any) -> None:
        self.emitted.append((kind, fields))

    def take_emitted(self) -> list[tuple[str, dict[str, Any]]]:
        emitted, self.emitted = self.emitted, []
        return emitted

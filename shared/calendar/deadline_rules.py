"""The deadlines of the supervision rules, each written once: the BPMN script helpers
(services/workflow/engine/scripts.py), the workflow service and the ledger call these.

- a report is due ``working_days_for(urgency)`` working days after it is asked for (3, 5,
  10); a special item's first deadline is the leader's date, and a returned report, a new
  period or a reopening of a special item gets ``SPECIAL_REDO_DAYS``;
- signing (签收) is due the next working day;
- a unit head's causes and measures (报告原因和改进措施) are due in ``EXPLAIN_DAYS``;
- a revisit (回访复核) is due on the last working day within ``REVISIT_CALENDAR_DAYS``
  calendar days of the accepted report;
- the reminder (催办) and the yellow light come on the working day before a deadline, at
  09:00; a deadline ends at 23:59:59 of its day (Beijing).
"""

from __future__ import annotations

import datetime as dt

from shared.calendar.deadlines import working_days_for
from shared.calendar.working_days import DueDate, WorkingCalendar
from shared.contracts.enums import Urgency

CHINA_OFFSET = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
SIGN_DAYS = 1
EXPLAIN_DAYS = 5
SPECIAL_REDO_DAYS = 10
REVISIT_CALENDAR_DAYS = 10
REMINDER_TIME = dt.time(9, 0)
END_OF_DAY = dt.time(23, 59, 59)


def report_days(urgency: str) -> int:
    """Working days for a report asked for again (a return, a new period, a reopening)."""
    return SPECIAL_REDO_DAYS if urgency == Urgency.SPECIAL else working_days_for(urgency)


def report_due(calendar: WorkingCalendar, urgency: str, start: dt.date) -> DueDate:
    return calendar.add_working_days(start, report_days(urgency))


def sign_due(calendar: WorkingCalendar, start: dt.date) -> DueDate:
    return calendar.add_working_days(start, SIGN_DAYS)


def explain_due(calendar: WorkingCalendar, start: dt.date) -> DueDate:
    return calendar.add_working_days(start, EXPLAIN_DAYS)


def revisit_due(calendar: WorkingCalendar, start: dt.date) -> dt.date:
    """The last working day no more than ``REVISIT_CALENDAR_DAYS`` calendar days after ``start``."""
    latest, n = start, 1
    while (day := calendar.add_working_days(start, n).date) <= start + dt.timedelta(days=REVISIT_CALENDAR_DAYS):
        latest, n = day, n + 1
    return latest


def reminder_day(calendar: WorkingCalendar, due: dt.date) -> dt.date:
    """The working day before a deadline: the reminder goes out and the light turns yellow."""
    return calendar.add_working_days(due, -1).date


def reminder_at(calendar: WorkingCalendar, due: dt.date) -> dt.datetime:
    return dt.datetime.combine(reminder_day(calendar, due), REMINDER_TIME, CHINA_OFFSET)


def deadline_at(due: dt.date) -> dt.datetime:
    """A deadline is the end of its day in Beijing."""
    return dt.datetime.combine(due, END_OF_DAY, CHINA_OFFSET)


def is_estimated(calendar: WorkingCalendar, day: dt.date) -> bool:
    """A date in a year without the official calendar is a weekends-only estimate."""
    return not calendar.covers(day.year)

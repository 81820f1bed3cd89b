"""The traffic light (红黄绿灯), computed against a given day. Pure.

- none: closed (已办结) or rejected (不予立项);
- red (红灯): reopened (再督查), or the current deadline is past while the unit works on
  the item, or the current deadline was found overdue or reported late;
- yellow (黄灯): the unit works on the item and today is within one working day of the
  deadline (from ``yellow_from`` on), or a reminder was sent for the current deadline, or
  the unit was reminded to sign and has not signed;
- green (绿灯): otherwise.

``light_sql`` (in ``light_sql.py``) renders the same rule in SQL; a test checks they agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import StrEnum

from services.ledger.state import ACTIVE, FINISHED, ItemState
from shared.contracts.enums import ItemStatus

WorkingDaysBetween = Callable[[dt.date, dt.date], int]


class Light(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"

    @property
    def label(self) -> str:
        return {"green": "绿灯", "yellow": "黄灯", "red": "红灯"}[self.value]

    @property
    def rank(self) -> int:
        """Severity for sorting: red 3, yellow 2, green 1 (no light 0)."""
        return {"green": 1, "yellow": 2, "red": 3}[self.value]


def is_overdue(state: ItemState, today: dt.date) -> bool:
    """The current deadline has passed while the unit works, or was found overdue."""
    if state.status in FINISHED or state.due_date is None:
        return False
    if state.overdue_for is not None and state.overdue_for == state.due_date:
        return True
    if state.late_at is not None and (state.due_at is None or state.late_at > state.due_at):
        return True  # reported late for the current deadline
    return state.status in ACTIVE and today > state.due_date


def light_of(state: ItemState, today: dt.date) -> Light | None:
    if state.status in FINISHED:
        return None
    if state.reopened or is_overdue(state, today):
        return Light.RED
    if state.status in ACTIVE:
        near = state.yellow_from is not None and today >= state.yellow_from
        reminded = state.reminded_for is not None and state.reminded_for == state.due_date
        unsigned = state.sign_reminded and state.status == ItemStatus.ASSIGNED
        if near or reminded or unsigned:
            return Light.YELLOW
    return Light.GREEN


def overdue_days(state: ItemState, today: dt.date, working_days_between: WorkingDaysBetween) -> int:
    """Working days past the deadline: until today while the unit works, until the report
    while it is reviewed, until the closing once closed; at least 1 once past."""
    if state.due_date is None:
        return 0
    if state.status == ItemStatus.CLOSED:
        end = state.closed_on
    elif state.status in ACTIVE:
        end = today
    elif state.status in (ItemStatus.REPORTED, ItemStatus.REVISITING):
        end = state.reported_on
    else:
        return 0
    if end is None or end <= state.due_date:
        return 0
    return max(1, working_days_between(state.due_date, end))

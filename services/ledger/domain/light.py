"""The traffic light (红黄绿灯), computed against a given day. Pure.

- none: closed (已办结) or rejected (不予立项);
- red (红灯): reopened (再督查), or the workflow found the item overdue (``item.progressed``:
  signing or the current report deadline passed), or the deadline is past while the unit
  works on the item (the light turns red at midnight, before the timer sweep says so);
- yellow (黄灯): the unit works on the item and today is within one working day of the
  deadline (from ``yellow_from`` on), or a reminder was sent for the current deadline, or
  the unit was reminded to sign and has not signed;
- green (绿灯): otherwise.

``light_sql`` (in ``adapters/light_sql.py``) renders the same rule in SQL; a test checks they agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import StrEnum

from services.ledger.domain.state import ACTIVE, FINISHED, ItemState
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


def past_due(state: ItemState, today: dt.date) -> bool:
    """The unit works on the item and its deadline is behind it."""
    return state.status in ACTIVE and state.due_date is not None and today > state.due_date


def light_of(state: ItemState, today: dt.date) -> Light | None:
    if state.status in FINISHED:
        return None
    if state.reopened or state.overdue or past_due(state, today):
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

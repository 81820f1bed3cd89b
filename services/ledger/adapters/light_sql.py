"""The traffic-light rule of ``domain/light.py`` rendered in SQL, to filter and sort by it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, and_, case, literal, or_

from services.ledger.adapters.tables import items as t
from services.ledger.domain.light import Light
from services.ledger.domain.state import ACTIVE, FINISHED
from shared.contracts.enums import ItemStatus

_active = t.c.status.in_([s.value for s in ACTIVE])
_finished = t.c.status.in_([s.value for s in FINISHED])


def overdue_sql() -> ColumnElement[bool]:
    """Overdue as the workflow found it (``item.progressed``)."""
    return t.c.overdue.is_(True)


def _past_due(today: dt.date) -> ColumnElement[bool]:
    """``light.past_due`` in SQL."""
    return and_(_active, t.c.due_date.is_not(None), t.c.due_date < literal(today))


def _yellow(today: dt.date) -> ColumnElement[bool]:
    return and_(_active, or_(and_(t.c.yellow_from.is_not(None), t.c.yellow_from <= literal(today)),
                             t.c.reminded_for == t.c.due_date,
                             and_(t.c.sign_reminded.is_(True), t.c.status == ItemStatus.ASSIGNED.value)))


def light_sql(today: dt.date) -> ColumnElement[str | None]:
    """``light.light_of`` in SQL: 'red', 'yellow', 'green' or NULL."""
    return case(
        (_finished, None),
        (or_(t.c.reopened.is_(True), overdue_sql(), _past_due(today)), Light.RED.value),
        (_yellow(today), Light.YELLOW.value),
        else_=Light.GREEN.value,
    )


def light_rank_sql(today: dt.date) -> ColumnElement[int]:
    """Severity for sorting: red 3, yellow 2, green 1, none 0."""
    light = light_sql(today)
    return case(*((light == member.value, member.rank) for member in Light), else_=0)

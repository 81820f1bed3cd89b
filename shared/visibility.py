"""Who sees an item: the office, leaders and admins see every item; a unit's users see the
items their unit leads (牵头) or co-handles (协办); nobody else sees any. The one rule, in a
Python form and an SQL form; every service uses these."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import ColumnElement, false, true

from shared.identity import Principal


def sees_item(principal: Principal, units: Iterable[str]) -> bool:
    """``units``: the item's lead unit and co-units."""
    return principal.sees_all or (principal.unit is not None and principal.unit in set(units))


def visible_sql(principal: Principal, handles: Callable[[str], ColumnElement[bool]]) -> ColumnElement[bool]:
    """The rule as a WHERE clause; ``handles(unit)`` says, in the service's own tables, that
    the unit leads or co-handles the row's item."""
    if principal.sees_all:
        return true()
    return handles(principal.unit) if principal.unit else false()

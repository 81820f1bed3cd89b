"""The one visibility rule of items, in its Python form (its SQL form: tests/e2e/test_authorization.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import column, false, true

from shared.identity import Principal, Role
from shared.visibility import sees_item, visible_sql

UNITS = ["zjj", "tiedong"]  # lead unit, co-unit


@pytest.mark.parametrize(("roles", "unit", "sees"), [
    ({Role.office}, None, True), ({Role.leader}, None, True), ({Role.admin}, None, True),
    ({Role.liaison}, "zjj", True), ({Role.head}, "tiedong", True), ({Role.liaison}, "tiexi", False),
    ({Role.liaison}, None, False),
])
def test_who_sees_an_item(roles: set[Role], unit: str | None, sees: bool) -> None:
    principal = Principal("u", "某人", frozenset(roles), unit)
    assert sees_item(principal, UNITS) is sees


def test_the_sql_form_is_the_same_rule() -> None:
    handles = lambda unit: column("unit") == unit  # noqa: E731
    office = Principal("office", "王丽", frozenset({Role.office}))
    nobody = Principal("x", "某人", frozenset({Role.liaison}))
    liaison = Principal("zjj-liaison", "潘磊", frozenset({Role.liaison}), "zjj")
    assert visible_sql(office, handles).compare(true()) and visible_sql(nobody, handles).compare(false())
    assert str(visible_sql(liaison, handles)) == "unit = :unit_1"

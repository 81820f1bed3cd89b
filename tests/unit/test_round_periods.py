"""When a scheduled round is due (services/workflow/domain/rounds.py) and who gets one."""

from __future__ import annotations

import datetime as dt

import pytest

from services.workflow.domain.rounds import CATCH_UP_DAYS, due_half, due_quarter, quarterly_title
from services.workflow.rounds import responsible_units, round_leader
from shared.identity import parse_directory

D = dt.date.fromisoformat


@pytest.mark.parametrize(("today", "quarter", "half"), [
    ("2026-03-30", None, None),
    ("2026-03-31", "2026-Q1", None),
    ("2026-04-15", "2026-Q1", None),  # caught up within CATCH_UP_DAYS
    ("2026-04-16", None, None),  # long past
    ("2026-06-30", "2026-Q2", "2026-H1"),
    ("2026-09-30", "2026-Q3", None),
    ("2026-12-31", "2026-Q4", "2026-H2"),
    ("2027-01-05", "2026-Q4", "2026-H2"),  # across the year
    ("2027-01-20", None, None),
])
def test_the_round_due_on_a_day(today: str, quarter: str | None, half: str | None) -> None:
    found_quarter, found_half = due_quarter(D(today)), due_half(D(today))
    assert (found_quarter.key if found_quarter else None, found_half.key if found_half else None) == (quarter, half)
    assert CATCH_UP_DAYS == 15


def test_the_quarterly_title() -> None:
    assert quarterly_title(due_quarter(D("2026-12-31"))) == "2026年第四季度工作进展"
    assert quarterly_title(due_quarter(D("2026-04-01"))) == "2026年第一季度工作进展"


DIRECTORY = parse_directory({
    "city": {"name": "鞍山市", "code": "anshan"},
    "units": [{"id": "dcs", "name": "市政府督察室", "kind": "other"},
              {"id": "zjj", "name": "市住建局", "kind": "department"},
              {"id": "fgw", "name": "市发展改革委", "kind": "department"},
              {"id": "new", "name": "新设单位", "kind": "other"}],
    "users": [{"username": "office", "name": "王丽", "roles": ["office"], "unit": "dcs"},
              {"username": "dcs-liaison", "name": "甲", "roles": ["liaison"], "unit": "dcs"},
              {"username": "zjj-liaison", "name": "乙", "roles": ["liaison"], "unit": "zjj"},
              {"username": "fgw-liaison", "name": "丙", "roles": ["liaison"], "unit": "fgw"},
              {"username": "mayor", "name": "丁", "roles": ["leader"]},
              {"username": "sg", "name": "戊", "roles": ["leader"], "secretary_general": True}],
})


def test_the_office_and_a_unit_without_a_liaison_get_no_quarterly_round() -> None:
    assert responsible_units(DIRECTORY) == ["zjj", "fgw"]


def test_the_quarterly_items_leader_is_the_setting_or_the_secretary_general() -> None:
    assert round_leader(DIRECTORY, "") == "sg"
    assert round_leader(DIRECTORY, "mayor") == "mayor"
    with pytest.raises(ValueError, match="not a leader"):
        round_leader(DIRECTORY, "office")

"""The bulletin's praise and criticism rules on crafted figures, the office's adjustments,
the ranking and the numbers (pure: no database, no clock)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from services.reporting.domain.bulletin import figures, number_of, ranked
from services.reporting.domain.bulletin_rules import BadRules, Rules, adjust, evaluate, parse_rules
from shared.unit_stats import Period

RULES_FILE = Path(__file__).parents[2] / "deploy" / "bulletin_rules.yaml"


def row(unit: str, **counts: Any) -> dict[str, Any]:
    base = {"unit": unit, "assigned": 0, "closed": 0, "on_time": 0, "overdue": 0, "returned": 0, "reopened": 0,
            "revisits_passed": 0, "revisits_failed": 0}
    base.update(counts)
    closed = base["closed"]
    return {**base, "on_time_rate": round(base["on_time"] / closed, 4) if closed else None}


def test_the_shipped_rules_file_reads_as_the_defaults() -> None:
    assert parse_rules(RULES_FILE.read_text(encoding="utf-8")) == Rules()


def test_a_rules_file_with_an_unknown_or_bad_key_is_refused() -> None:
    with pytest.raises(BadRules):
        parse_rules("praise:\n  min_closd: 1\n")
    with pytest.raises(BadRules):
        parse_rules("criticise:\n  returned_at_least: 0\n")
    with pytest.raises(BadRules):
        parse_rules("praise: [\n")


def test_all_on_time_and_revisits_passed_is_praised() -> None:
    praised, criticised = evaluate([row("fgw", closed=2, on_time=2, revisits_passed=1)], [], Rules())
    assert praised == {"fgw": ["本期办结2件，全部按期办结", "回访复核1次全部通过"]} and criticised == {}


@pytest.mark.parametrize("counts", [
    {"closed": 2, "on_time": 1},  # one late
    {"closed": 0},  # nothing closed
    {"closed": 1, "on_time": 1, "revisits_failed": 1},
    {"closed": 1, "on_time": 1, "satisfaction": 3.5},  # the public was not satisfied
])
def test_anything_short_of_it_is_not_praised(counts: dict[str, Any]) -> None:
    praised, _ = evaluate([row("fgw", **counts)], [], Rules())
    assert praised == {}


def test_public_satisfaction_decides_praise_and_a_unit_without_ratings_follows_the_file() -> None:
    satisfied = row("fgw", closed=1, on_time=1, satisfaction=4.5, satisfaction_count=2)
    just = row("tiexi", closed=1, on_time=1, satisfaction=4.0, satisfaction_count=1)
    unhappy = row("zjj", closed=1, on_time=1, satisfaction=3.9, satisfaction_count=7)
    unrated = row("tiedong", closed=1, on_time=1, satisfaction=None, satisfaction_count=0)
    praised, _ = evaluate([satisfied, just, unhappy, unrated], [], Rules())
    assert praised == {"fgw": ["本期办结1件，全部按期办结", "群众满意度4.5分（2条评价）"],
                       "tiexi": ["本期办结1件，全部按期办结", "群众满意度4.0分（1条评价）"],
                       "tiedong": ["本期办结1件，全部按期办结"]}  # no ratings: judged on the rest (the shipped file)
    required = parse_rules("praise:\n  min_satisfaction: 4\n  satisfaction_required: true\n")
    praised, _ = evaluate([satisfied, unhappy, unrated], [], required)
    assert list(praised) == ["fgw"]
    ignored = parse_rules("praise:\n  min_satisfaction: null\n")
    praised, _ = evaluate([unhappy, unrated], [], ignored)
    assert list(praised) == ["zjj", "tiedong"]


def test_overdue_returned_twice_or_a_failed_revisit_is_criticised() -> None:
    _, criticised = evaluate([row("zjj", overdue=1, closed=1, on_time=1), row("tiedong", returned=2),
                              row("tiexi", returned=1), row("lishan", closed=1, on_time=1, revisits_failed=1)],
                             [], Rules())
    assert criticised == {"zjj": ["逾期未办结1件"], "tiedong": ["报告被退回重办2次"],
                          "lishan": ["回访复核未通过1次"]}


def test_the_thresholds_come_from_the_file() -> None:
    rules = parse_rules("criticise:\n  returned_at_least: 1\n  overdue_at_least: null\npraise:\n  min_closed: 3\n")
    praised, criticised = evaluate([row("zjj", overdue=2), row("tiexi", returned=1),
                                    row("fgw", closed=2, on_time=2)], [], rules)
    assert criticised == {"tiexi": ["报告被退回重办1次"]} and praised == {}


def test_a_finding_criticises_and_a_criticised_unit_is_never_praised() -> None:
    findings = [{"unit": "fgw", "kind": "推诿扯皮", "reason": "协办单位互相推诿"}]
    praised, criticised = evaluate([row("fgw", closed=1, on_time=1)], findings, Rules())
    assert praised == {} and criticised == {"fgw": ["推诿扯皮：协办单位互相推诿"]}


def test_the_office_adds_and_removes_units_in_order() -> None:
    praised, criticised = adjust({"fgw": ["本期办结1件，全部按期办结"]}, {"zjj": ["逾期未办结1件"]}, [
        {"list": "criticised", "action": "remove", "unit": "zjj", "reason": "逾期系不可抗力"},
        {"list": "praised", "action": "add", "unit": "fgw", "reason": "经验被省里推广"},
        {"list": "criticised", "action": "add", "unit": "tiexi", "reason": "敷衍应付"}])
    assert praised == {"fgw": ["本期办结1件，全部按期办结", "督察室：经验被省里推广"]}
    assert criticised == {"tiexi": ["督察室：敷衍应付"]}


def test_units_rank_by_on_time_rate_then_closed_ties_share_a_rank() -> None:
    rows = ranked([row("a", closed=2, on_time=1), row("b", closed=2, on_time=2), row("c", closed=2, on_time=2),
                   row("d", closed=1, on_time=1), row("e")])
    assert {r["unit"]: r["rank"] for r in rows} == {"b": 1, "c": 1, "d": 3, "a": 4, "e": None}


def test_numbers_follow_the_settings_pattern() -> None:
    assert number_of("{prefix}〔{year}〕{sequence}号", prefix="鞍政督通", year=2026, sequence=3) == "鞍政督通〔2026〕3号"
    assert number_of("{prefix}〔{year}〕第{sequence}期", prefix="督查工作简报", year=2026,
                     sequence=3) == "督查工作简报〔2026〕第3期"


def test_figures_list_every_unit_and_the_lists_with_names() -> None:
    counts = {"zjj": {**row("zjj", assigned=1, overdue=1)}, "fgw": row("fgw", assigned=1, closed=1, on_time=1)}
    out = figures(Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31)), counts=counts, units=["fgw", "zjj", "tiexi"],
                  unit_name=str.upper, by={"by_source": {"leader_instruction": 2}, "by_status": {}},
                  overdue_items=[], findings=[], rules=Rules(), adjustments=[])
    assert [r["unit"] for r in out["units"]] == ["fgw", "zjj", "tiexi"]
    assert out["totals"]["assigned"] == 2 and out["totals"]["by_source"] == {"leader_instruction": 2}
    assert out["praised"] == [{"unit": "fgw", "unit_name": "FGW", "reasons": ["本期办结1件，全部按期办结"]}]
    assert out["criticised"] == [{"unit": "zjj", "unit_name": "ZJJ", "reasons": ["逾期未办结1件"]}]

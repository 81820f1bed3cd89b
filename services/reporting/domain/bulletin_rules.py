"""Praise (通报表扬) and criticism (通报批评): the office's rules, read from one YAML file,
applied to a period's figures per unit, the findings the office recorded and its
adjustments of a draft. Pure: no I/O, no clock."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

Listed = dict[str, list[str]]  # unit -> reasons, in the order found


class BadRules(ValueError):
    """The rules file cannot be read as rules (its message names the problem)."""


class PraiseRules(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min_closed: int = Field(1, ge=0)
    all_on_time: bool = True
    no_overdue: bool = True
    revisits_all_passed: bool = True
    # 群众满意度: the unit's average public rating in the period must be at least this (None: not judged)
    min_satisfaction: float | None = Field(4, ge=0, le=5)
    # a unit the public rated nothing in the period: False: judged on the other rules alone;
    # True: not praised (no satisfaction shown, no praise)
    satisfaction_required: bool = False


class CriticiseRules(BaseModel):
    model_config = ConfigDict(extra="forbid")
    overdue_at_least: int | None = Field(1, ge=1)
    returned_at_least: int | None = Field(2, ge=1)
    failed_revisits_at_least: int | None = Field(1, ge=1)


class Rules(BaseModel):
    model_config = ConfigDict(extra="forbid")
    praise: PraiseRules = PraiseRules()
    criticise: CriticiseRules = CriticiseRules()


def parse_rules(text: str) -> Rules:
    try:
        return Rules.model_validate(yaml.safe_load(text) or {})
    except (yaml.YAMLError, ValueError) as error:
        raise BadRules(f"bulletin rules: {error}") from None


def praise_reasons(row: Mapping[str, Any], rules: PraiseRules) -> list[str]:
    """Why a unit is praised, or [] when it is not."""
    closed, satisfaction = row["closed"], row.get("satisfaction")
    if closed < rules.min_closed or closed == 0:
        return []
    if rules.all_on_time and row["on_time"] < closed:
        return []
    if rules.no_overdue and row["overdue"]:
        return []
    if rules.revisits_all_passed and row.get("revisits_failed", 0):
        return []
    if rules.min_satisfaction is not None:
        if satisfaction is None and rules.satisfaction_required:
            return []
        if satisfaction is not None and satisfaction < rules.min_satisfaction:
            return []
    reasons = [f"本期办结{closed}件，全部按期办结" if row["on_time"] == closed else f"本期办结{closed}件"]
    if row.get("revisits_passed", 0) and not row.get("revisits_failed", 0):
        reasons.append(f"回访复核{row['revisits_passed']}次全部通过")
    if satisfaction is not None:
        reasons.append(f"群众满意度{satisfaction}分（{row.get('satisfaction_count', 0)}条评价）")
    return reasons


def criticism_reasons(row: Mapping[str, Any], rules: CriticiseRules) -> list[str]:
    """Why the figures put a unit on the criticised list, or []."""
    reasons = []
    if rules.overdue_at_least is not None and row["overdue"] >= rules.overdue_at_least:
        reasons.append(f"逾期未办结{row['overdue']}件")
    if rules.returned_at_least is not None and row["returned"] >= rules.returned_at_least:
        reasons.append(f"报告被退回重办{row['returned']}次")
    failed = row.get("revisits_failed", 0)
    if rules.failed_revisits_at_least is not None and failed >= rules.failed_revisits_at_least:
        reasons.append(f"回访复核未通过{failed}次")
    return reasons


def evaluate(rows: Iterable[Mapping[str, Any]], findings: Iterable[Mapping[str, Any]],
             rules: Rules) -> tuple[Listed, Listed]:
    """The praised and the criticised units with their reasons: the rules on each unit's
    figures, then the office's findings (落实不力、推诿扯皮…, each a reason to criticise);
    a criticised unit is never praised."""
    rows = list(rows)
    criticised: Listed = {}
    for row in rows:
        if reasons := criticism_reasons(row, rules.criticise):
            criticised[row["unit"]] = reasons
    for finding in findings:
        criticised.setdefault(finding["unit"], []).append(f"{finding['kind']}：{finding['reason']}")
    praised: Listed = {}
    for row in rows:
        if row["unit"] not in criticised and (reasons := praise_reasons(row, rules.praise)):
            praised[row["unit"]] = reasons
    return praised, criticised


def adjust(praised: Listed, criticised: Listed, adjustments: Iterable[Mapping[str, Any]]) -> tuple[Listed, Listed]:
    """The office's changes to a draft's lists, in the order made: ``add`` a unit with its
    reason (a reason more when it is listed already), ``remove`` it."""
    lists = {"praised": {u: list(r) for u, r in praised.items()},
             "criticised": {u: list(r) for u, r in criticised.items()}}
    for change in adjustments:
        listed = lists[change["list"]]
        if change["action"] == "add":
            listed.setdefault(change["unit"], []).append(f"督察室：{change['reason']}")
        else:
            listed.pop(change["unit"], None)
    return lists["praised"], lists["criticised"]

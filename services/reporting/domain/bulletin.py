"""A bulletin (督查通报) or brief (督查工作简报): its kinds and states, its number, the checks
before a change, and its figures for a period. Pure: counts come from the read model."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum
from typing import Any

from services.reporting.domain.bulletin_rules import Rules, adjust, evaluate
from shared.unit_stats import COUNTS, Period, table, totals

UnitName = Callable[[str], str]


class BulletinKind(StrEnum):
    bulletin = "bulletin"  # 督查通报
    brief = "brief"  # 督查工作简报


class BulletinStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"  # in its approval process (workflows/bulletin_approval.bpmn)
    published = "published"


LABELS = {BulletinKind.bulletin: "督查通报", BulletinKind.brief: "督查工作简报"}


class BulletinNotFound(LookupError):
    def __init__(self, bulletin_id: object) -> None:
        super().__init__(f"通报 {bulletin_id} 不存在或无权查看")


class BulletinNotDraft(ValueError):
    """Only a draft can be changed or published."""

    def __init__(self, number: str) -> None:
        super().__init__(f"{number} 已发布，不能再修改")


class UnknownUnit(ValueError):
    def __init__(self, unit: str) -> None:
        super().__init__(f"单位 {unit} 不在组织名录中")


class NotListed(ValueError):
    def __init__(self, unit: str, listed: str) -> None:
        super().__init__(f"单位 {unit} 不在{'表扬' if listed == 'praised' else '批评'}名单中")


def number_of(pattern: str, *, prefix: str, year: int, sequence: int) -> str:
    """``{prefix}〔{year}〕{sequence}号`` and the like, as the settings write it."""
    return pattern.format(prefix=prefix, year=year, sequence=sequence)


def ranked(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each unit's rank by on-time rate (then more closed, then fewer overdue); units that closed
    nothing in the period have none. Equal figures share a rank."""
    key = lambda r: (-r["on_time_rate"], -r["closed"], r["overdue"])  # noqa: E731
    rated = sorted((r for r in rows if r["on_time_rate"] is not None), key=key)
    ranks: dict[str, int] = {}
    for n, row in enumerate(rated, start=1):
        ranks[row["unit"]] = ranks[rated[n - 2]["unit"]] if n > 1 and key(rated[n - 2]) == key(row) else n
    return [{**row, "rank": ranks.get(row["unit"])} for row in rows]


def figures(period: Period, *, counts: Mapping[str, Mapping[str, int]], units: Iterable[str], unit_name: UnitName,
            by: Mapping[str, Mapping[str, int]], overdue_items: list[dict[str, Any]],
            findings: list[dict[str, Any]], rules: Rules, adjustments: list[dict[str, Any]],
            satisfaction: Mapping[str, tuple[float, int]] | None = None,
            outcomes: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The figures of a bulletin for a period (the document is generated from this dict).
    ``satisfaction``: per unit the public's average rating and count in the period (a unit
    without any has ``satisfaction`` None); ``outcomes``: the earlier bulletins' accountability
    cases this one reports on (上期通报问题整改情况)."""
    base = table({u: {name: c[name] for name in COUNTS} for u, c in counts.items()}, units)
    extra = ("revisits_passed", "revisits_failed", "accountability_opened")
    rated = satisfaction or {}
    rows = ranked([{**row, "unit_name": unit_name(row["unit"]),
                    **{name: counts.get(row["unit"], {}).get(name, 0) for name in extra},
                    "satisfaction": rated[row["unit"]][0] if row["unit"] in rated else None,
                    "satisfaction_count": rated[row["unit"]][1] if row["unit"] in rated else 0} for row in base])
    praised, criticised = adjust(*evaluate(rows, findings, rules), adjustments)

    def listed(found: dict[str, list[str]]) -> list[dict[str, Any]]:
        return [{"unit": u, "unit_name": unit_name(u), "reasons": reasons} for u, reasons in found.items()]

    return {
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat()},
        "totals": {**totals(base), "by_source": dict(by.get("by_source", {})),
                   "by_status": dict(by.get("by_status", {}))},
        "units": rows,
        "praised": listed(praised),
        "criticised": listed(criticised),
        "overdue_items": [{**i, "lead_unit_name": unit_name(i["lead_unit"]) if i["lead_unit"] else None}
                          for i in overdue_items],
        "findings": [{"unit": f["unit"], "unit_name": unit_name(f["unit"]), "kind": f["kind"],
                      "reason": f["reason"], "item_id": str(f["item_id"]) if f["item_id"] else None,
                      "recorded_on": _iso(f["recorded_on"])} for f in findings],
        "accountability_outcomes": [{**o, "unit_name": unit_name(o["unit"])} for o in outcomes or []],
    }


def _iso(day: dt.date | str) -> str:
    return day if isinstance(day, str) else day.isoformat()


def monthly_draft_due(today: dt.date, first_working_day: dt.date) -> tuple[dt.date, dt.date] | None:
    """The month before ``today``'s (first and last day) once its month's first working day has
    come; None before it. A month's draft bulletin is made then, once (定期通报)."""
    if today < first_working_day:
        return None
    last = today.replace(day=1) - dt.timedelta(days=1)
    return last.replace(day=1), last

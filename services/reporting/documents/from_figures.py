"""A bulletin as ``BulletinService.get`` answers it (its ``figures``) → the document's ``BulletinDoc``.

Pure: text and numbers only, no query. The units table lists the units that had something to
count in the period (assigned, closed, overdue, returned or reopened); the overdue table the
items that passed a deadline in the period and were not closed by its last day.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date
from typing import Any

from shared.contracts.enums import EvaluationRating, ItemStatus, Source
from shared.unit_stats import COUNTS

from .model import (
    BulletinDoc,
    CaseOutcome,
    ItemRecord,
    Kind,
    MonthWork,
    OverdueItem,
    PlanTeam,
    Remark,
    UnitRow,
    Visit,
    WorkDoc,
)

KINDS: dict[str, Kind] = {"bulletin": "通报", "brief": "简报"}
ADDRESSEE = "各县（市）区人民政府，市政府各部门，各直属机构："


def bulletin_doc(bulletin: Mapping[str, Any], *, office: str, issued: date, addressee: str = ADDRESSEE,
                 copy_to: tuple[str, ...] = ()) -> BulletinDoc:
    figures = bulletin["figures"]
    kind = KINDS[bulletin["kind"]]
    start, end = (date.fromisoformat(figures["period"][k]) for k in ("from", "to"))
    span = period_words(start, end)
    totals = figures["totals"]
    units = tuple(_unit(r) for r in figures["units"] if any(r.get(name) for name in COUNTS))
    return BulletinDoc(
        kind=kind,
        office=office,
        number=bulletin["number"],
        title=f"关于{span}督办事项办理情况的通报" if kind == "通报" else f"{span}督办事项办理情况",
        issued=issued,
        period=period_words(start, end, short=True),
        summary=summary(kind, office, span, totals, len(figures["praised"]), len(figures["criticised"])),
        totals_by_source={Source.labels().get(k, k): n for k, n in totals.get("by_source", {}).items()},
        totals_by_status={ItemStatus.labels().get(k, k): n for k, n in totals.get("by_status", {}).items()},
        units=units,
        praised=tuple(_remark(r) for r in figures["praised"]),
        criticised=tuple(_remark(r) for r in figures["criticised"]),
        overdue=tuple(_overdue(i) for i in figures["overdue_items"] if _still_open(i, end)),
        outcomes=tuple(_outcome(o) for o in figures.get("accountability_outcomes", ())),  # none before 0005
        addressee=addressee if kind == "通报" else "",
        copy_to=copy_to,
        work=work_doc(figures["work"], whole_month=span.endswith("月份"))
        if kind == "简报" and figures.get("work") else None,
    )


def work_doc(work: Mapping[str, Any], *, whole_month: bool) -> WorkDoc:
    """A brief's ``work`` figures → the section 本月督查工作 (本期督查工作 for other periods)."""
    months = tuple(MonthWork(
        label=m["label"], focus=tuple(m["plan"]["focus"]) if m["plan"] else None,
        planned_days=m["plan"]["planned_on_site_days"] if m["plan"] else None,
        teams=tuple(PlanTeam(name=t["name"], members=tuple(t["member_names"]), joint=joint_words(t["joint_group"]))
                    for t in (m["plan"]["teams"] if m["plan"] else ())),
        on_site_days=m["on_site_days"], minimum=m["minimum_on_site_days"]) for m in work["months"])
    visits = tuple(Visit(day=date.fromisoformat(v["date"]), place=v["place"], team=tuple(v["team_names"]),
                         joint=joint_words(v["joint_group"]), findings=v["findings"],
                         items=tuple(f"{i['code']}{i['title']}" or i["id"] for i in v["items"]))
                   for v in work["visits"])
    grades = EvaluationRating.labels()
    evaluations = tuple(ItemRecord(day=date.fromisoformat(r["date"]), item=f"{r['code']}{r['title']}",
                                   by=r["evaluator"], text=r["text"], extra=grades.get(r["rating"] or ""))
                        for r in work.get("evaluations", ()))
    notes = tuple(ItemRecord(day=date.fromisoformat(r["date"]), item=f"{r['code']}{r['title']}", by=r["author"],
                             text=r["text"], extra=r["place"]) for r in work.get("research_notes", ()))
    return WorkDoc(heading="本月督查工作" if whole_month else "本期督查工作", months=months, visits=visits,
                   evaluations=evaluations, research_notes=notes)


def joint_words(group: Mapping[str, Any] | None) -> str | None:
    """联合督查组 → 牵头单位市发展改革委，协办单位市住建局、铁东区."""
    if not group:
        return None
    return f"牵头单位{group['lead_name']}，协办单位{'、'.join(group['member_names'])}"


def period_words(start: date, end: date, *, short: bool = False) -> str:
    """2026-11-01..2026-11-30 → 2026年11月份 (short: 2026年11月); a year → 2026年度 (2026年);
    a quarter → 2026年第四季度; otherwise 2026年3月6日至3月10日."""
    month_end = date(start.year, start.month, calendar.monthrange(start.year, start.month)[1])
    if start.day == 1 and end == month_end:
        return f"{start.year}年{start.month}月" + ("" if short else "份")
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
        return f"{start.year}年" + ("" if short else "度")
    quarter_end = date(end.year, end.month, calendar.monthrange(end.year, end.month)[1])
    if (start.day == 1 and start.month % 3 == 1 and end == quarter_end and start.year == end.year
            and end.month == start.month + 2):
        return f"{start.year}年第{'一二三四'[start.month // 3]}季度"
    first = f"{start.year}年{start.month}月{start.day}日"
    last = f"{end.month}月{end.day}日" if end.year == start.year else f"{end.year}年{end.month}月{end.day}日"
    return f"{first}至{last}"


def summary(kind: Kind, office: str, span: str, totals: Mapping[str, Any], praised: int,
            criticised: int) -> tuple[str, ...]:
    """The opening paragraphs, from the period's totals."""
    opening = (f"为推动市委、市政府重大决策部署落地见效，{office}对{span}督办事项办理情况进行了跟踪督查。")
    if not totals.get("assigned") and not totals.get("closed"):
        return (opening + "本期无新交办督办事项。现将有关情况" + ("通报" if kind == "通报" else "简报") + "如下。",)
    rate = totals.get("on_time_rate")
    figures = (f"本期共交办督办事项{totals['assigned']}件，办结{totals['closed']}件，其中按期办结{totals['on_time']}件，"
               f"按期办结率{'—' if rate is None else f'{rate * 100:.1f}%'}")
    problems = [f"{words}{totals[name]}{unit}" for name, words, unit in (
        ("overdue", "逾期", "件次"), ("returned", "退回重办", "件次"), ("reopened", "重新办理", "件")) if totals.get(name)]
    figures += ("；" + "，".join(problems) if problems else "") + "。"
    judged = []
    if praised:
        judged.append(f"对{praised}个办理成效突出的单位予以表扬")
    if criticised:
        judged.append(f"对{criticised}个工作落实不到位的单位予以批评")
    verdict = ("经综合评定，" + "，".join(judged) + "。") if judged else ""
    closing = "现将有关情况" + ("通报" if kind == "通报" else "简报") + "如下。"
    return (opening, figures + verdict + closing)


def _unit(row: Mapping[str, Any]) -> UnitRow:
    return UnitRow(unit=row.get("unit_name") or row["unit"], assigned=row["assigned"], closed=row["closed"],
                   on_time=row["on_time"], overdue=row["overdue"], returned=row["returned"],
                   reopened=row["reopened"], on_time_rate=row["on_time_rate"], rank=row["rank"])


def _remark(entry: Mapping[str, Any]) -> Remark:
    return Remark(unit=entry.get("unit_name") or entry["unit"], reasons=tuple(entry["reasons"]))


def _still_open(item: Mapping[str, Any], end: date) -> bool:
    """Overdue in the period and not closed by its last day (and with a deadline to show)."""
    closed = item.get("closed_on")
    return bool(item.get("due_date")) and (closed is None or date.fromisoformat(closed) > end)


def _overdue(item: Mapping[str, Any]) -> OverdueItem:
    return OverdueItem(code=item["code"], title=item["title"],
                       unit=item.get("lead_unit_name") or item.get("lead_unit") or "—",
                       due=date.fromisoformat(item["due_date"]))


def _outcome(case: Mapping[str, Any]) -> CaseOutcome:
    return CaseOutcome(unit=case.get("unit_name") or case["unit"], bulletin_number=case["bulletin_number"],
                       measure=case.get("measure_label") or "", causes=case.get("causes") or "",
                       measures=case.get("measures") or "", status=case["status_label"])

"""The input of the bulletin document: figures already computed, nothing left to query.

A ``BulletinDoc`` is what the bulletins API hands the document generator; it holds text
and numbers only, so rendering is a pure function of it (and of the template file).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

Kind = Literal["通报", "简报"]

# GB/T 9704-2012 7.2.4: 机关代字 + 年份 in 六角括号〔〕 + 序号 with no leading zero and no 第.
NUMBER_FORMAT = re.compile(r"^\S+〔\d{4}〕[1-9]\d*号$")
# a brief (简报) is numbered by issue: 督查工作简报〔2026〕第3期
BRIEF_NUMBER_FORMAT = re.compile(r"^\S+〔\d{4}〕第[1-9]\d*期$")


class InvalidDocumentNumber(ValueError):
    """A document number not of the form 鞍政督通〔2026〕3号."""


def document_number(prefix: str, year: int, seq: int) -> str:
    """``document_number("鞍政督通", 2026, 3)`` → ``"鞍政督通〔2026〕3号"``."""
    return f"{prefix}〔{year}〕{seq}号"


@dataclass(frozen=True, slots=True)
class UnitRow:
    """One line of the units table; ``on_time_rate`` is a fraction (0.925 → 92.5%); a unit that
    closed nothing has neither rate nor rank (None: "—" in the table, no bar in the chart)."""

    unit: str
    assigned: int
    closed: int
    on_time: int
    overdue: int
    returned: int
    reopened: int
    on_time_rate: float | None
    rank: int | None


@dataclass(frozen=True, slots=True)
class OverdueItem:
    code: str
    title: str
    unit: str
    due: date


@dataclass(frozen=True, slots=True)
class Remark:
    """A unit praised or criticised, with the reasons (one sentence each)."""

    unit: str
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PlanTeam:
    """A supervision team of a month's plan; ``joint`` says its joint group (联合督查组) in words."""

    name: str
    members: tuple[str, ...]
    joint: str | None = None


@dataclass(frozen=True, slots=True)
class MonthWork:
    """A month's plan (None: no plan made) and its on-site days against the minimum."""

    label: str  # 2026年12月
    focus: tuple[str, ...] | None
    planned_days: int | None
    teams: tuple[PlanTeam, ...]
    on_site_days: int
    minimum: int


@dataclass(frozen=True, slots=True)
class Visit:
    """An on-site visit (现场督查): its items as ``code title``, its joint group in words."""

    day: date
    place: str
    team: tuple[str, ...]
    joint: str | None
    items: tuple[str, ...]
    findings: str


@dataclass(frozen=True, slots=True)
class ItemRecord:
    """A third-party evaluation (第三方评估) or research note (调研) recorded on an item."""

    day: date
    item: str  # code title
    by: str | None  # the evaluator, or the researcher
    text: str  # the conclusion, or the findings
    extra: str | None = None  # the evaluation's grade, or the place researched


@dataclass(frozen=True, slots=True)
class WorkDoc:
    """A brief's (简报) supervision work: the section 本月督查工作 (本期 when not one whole month)."""

    heading: str
    months: tuple[MonthWork, ...]
    visits: tuple[Visit, ...] = ()
    evaluations: tuple[ItemRecord, ...] = ()
    research_notes: tuple[ItemRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class CaseOutcome:
    """An earlier bulletin's accountability case (上期通报问题整改情况): the unit, the criticising
    bulletin's number, the measure decided (约谈, 诫勉谈话 … or ""), what the head reported, the status."""

    unit: str
    bulletin_number: str
    measure: str
    causes: str
    measures: str
    status: str  # 已整改结案 | 整改中


@dataclass(frozen=True, slots=True)
class BulletinDoc:
    kind: Kind
    office: str  # 发文机关, e.g. 鞍山市人民政府督查室
    number: str  # 发文字号, e.g. 鞍政督通〔2026〕3号
    title: str
    issued: date
    period: str  # e.g. 2026年11月
    summary: tuple[str, ...] = ()
    totals_by_source: dict[str, int] = field(default_factory=dict)
    totals_by_status: dict[str, int] = field(default_factory=dict)
    units: tuple[UnitRow, ...] = ()
    praised: tuple[Remark, ...] = ()
    criticised: tuple[Remark, ...] = ()
    overdue: tuple[OverdueItem, ...] = ()
    outcomes: tuple[CaseOutcome, ...] = ()
    addressee: str = ""  # 主送机关, e.g. 各县（市）区人民政府，市政府各部门：
    copy_to: tuple[str, ...] = ()  # 抄送
    work: WorkDoc | None = None  # a brief's month of supervision work (plans, on-site days, visits)

    def __post_init__(self) -> None:
        if not (NUMBER_FORMAT.match(self.number)
                or (self.kind == "简报" and BRIEF_NUMBER_FORMAT.match(self.number))):
            raise InvalidDocumentNumber(f"document number {self.number!r} is not of the form 鞍政督通〔2026〕3号")
        if self.kind not in ("通报", "简报"):
            raise ValueError(f"kind must be 通报 or 简报, not {self.kind!r}")


_NUMERALS = "零一二三四五六七八九"


def chinese_ordinal(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一 (for 一、 and （一） headings; n < 100)."""
    if n < 10:
        return _NUMERALS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _NUMERALS[tens]) + "十" + (_NUMERALS[ones] if ones else "")

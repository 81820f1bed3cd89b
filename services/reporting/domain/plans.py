"""The monthly supervision plan (月度督查工作计划) and its on-site days (现场督查).

A month's plan names its focus, the on-site days planned and the teams; each on-site visit is
dated in the month. The rule: at least ``minimum`` (15) on-site days a month, counted as
distinct visit dates (每月现场督查时间不少于15天). Pure: ``today`` is passed in.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class BadMonth(ValueError):
    def __init__(self, text: str) -> None:
        super().__init__(f"月份 {text!r} 不合法，应写作 YYYY-MM（如 2026-12）")


class PlanNotFound(LookupError):
    def __init__(self, month: Month) -> None:
        super().__init__(f"{month.label}尚无督查计划（no plan for {month}）")


class PlanExists(ValueError):
    """A month has one plan: a second ``POST /plans`` is refused, ``PUT /plans/{month}`` replaces it."""

    def __init__(self, month: Month) -> None:
        super().__init__(f"{month.label}的督查计划已制定，如需修改请用 PUT /plans/{month}")


class MonthOver(ValueError):
    def __init__(self, month: Month) -> None:
        super().__init__(f"{month.label}已结束，不能再制定或修改督查计划")


class TooFewPlannedDays(ValueError):
    def __init__(self, planned: int, minimum: int) -> None:
        super().__init__(f"计划现场督查{planned}天，少于每月不少于{minimum}天的要求")


class TooManyPlannedDays(ValueError):
    def __init__(self, planned: int, month: Month) -> None:
        super().__init__(f"计划现场督查{planned}天，超过{month.label}的{month.days}天")


class VisitOutsideMonth(ValueError):
    def __init__(self, day: dt.date, month: Month) -> None:
        super().__init__(f"督查日期 {day} 不在{month.label}内")


class VisitInFuture(ValueError):
    def __init__(self, day: dt.date, today: dt.date) -> None:
        super().__init__(f"督查日期 {day} 晚于今天 {today}：现场督查在开展后记录")


class UnknownItems(ValueError):
    def __init__(self, item_ids: Iterable[object]) -> None:
        super().__init__(f"督办事项不存在：{'、'.join(str(i) for i in item_ids)}")


@dataclass(frozen=True, order=True, slots=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        found = _MONTH.fullmatch(text) if isinstance(text, str) else None
        if found is None or not 2000 <= int(found[1]) <= 2099:
            raise BadMonth(str(text))
        return cls(int(found[1]), int(found[2]))

    @classmethod
    def of(cls, day: dt.date) -> Month:
        return cls(day.year, day.month)

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def days(self) -> int:
        return calendar.monthrange(self.year, self.month)[1]

    @property
    def last(self) -> dt.date:
        return dt.date(self.year, self.month, self.days)

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"

    def __contains__(self, day: dt.date) -> bool:
        return (day.year, day.month) == (self.year, self.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def months_spanning(start: dt.date, end: dt.date) -> list[Month]:
    """The months that share a day with ``start``..``end`` (inclusive), in order."""
    out, month = [], Month.of(start)
    while month.first <= end:
        out.append(month)
        month = Month(month.year + month.month // 12, month.month % 12 + 1)
    return out


def check_plan(month: Month, planned_days: int, *, today: dt.date, minimum: int) -> None:
    """A plan is made (or replaced) before its month is over, for at least ``minimum`` days."""
    if today > month.last:
        raise MonthOver(month)
    if planned_days > month.days:
        raise TooManyPlannedDays(planned_days, month)
    if planned_days < minimum:
        raise TooFewPlannedDays(planned_days, minimum)


def check_visit(month: Month, day: dt.date, *, today: dt.date) -> None:
    """A visit is recorded in its plan's month, once it has happened."""
    if day not in month:
        raise VisitOutsideMonth(day, month)
    if day > today:
        raise VisitInFuture(day, today)


@dataclass(frozen=True, slots=True)
class Outlook:
    """Where a month stands against the minimum: the days done, the days still open, a warning."""

    on_site_days: int
    days_left: int  # calendar days still open for a first visit (today counts if nobody went out yet)
    minimum: int
    warning: str | None

    @property
    def reached(self) -> bool:
        return self.on_site_days >= self.minimum


def outlook(month: Month, visit_dates: Iterable[dt.date], *, today: dt.date, minimum: int) -> Outlook:
    """The on-site days (distinct visit dates) of ``month`` and a warning (Chinese) when the month
    can no longer reach ``minimum`` or, over, did not."""
    dates = {d for d in visit_dates if d in month}
    done = len(dates)
    if today > month.last:
        left = 0
    elif today < month.first:
        left = month.days
    else:
        left = (month.last - today).days + (0 if today in dates else 1)
    warning = None
    if today > month.last and done < minimum:
        warning = f"{month.label}现场督查{done}天，未达到每月不少于{minimum}天的要求。"
    elif done + left < minimum:
        warning = (f"{month.label}已现场督查{done}天，本月仅余{left}天可安排，"
                   f"已无法达到每月不少于{minimum}天的要求。")
    return Outlook(done, left, minimum, warning)


def reminder_due(month: Month, today: dt.date, *, last_days: int) -> bool:
    """In the last ``last_days`` days of ``month`` (the last week: 7)."""
    return today in month and (month.last - today).days < last_days


def reminder_text(month: Month, state: Outlook) -> tuple[str, str]:
    """The office's reminder for a month short of on-site days: title and body."""
    title = f"{month.label}现场督查天数不足提醒"
    missing = state.minimum - state.on_site_days
    if state.warning:
        advice = "本月已无法达到要求，请在本月督查工作简报中说明原因。"
    else:
        advice = f"距每月不少于{state.minimum}天的要求还差{missing}天，请抓紧安排现场督查。"
    body = f"{month.label}已现场督查{state.on_site_days}天，本月仅余{state.days_left}天。{advice}"
    return title, body

"""``GET /deadlines/preview``: the report deadline an urgency gives when an item is assigned on a
day (today by default), as the office sees it before registering (the rule is written once, in
shared/calendar/deadline_rules.py; the item's own deadline is counted from its assignment)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

from shared.calendar import WorkingCalendar
from shared.calendar.deadline_rules import report_due, sign_due
from shared.calendar.deadlines import working_days_for
from shared.clock import Clock, today_in_china
from shared.contracts.enums import Urgency
from shared.errors import errors
from shared.params import IsoDate

FIRST_YEAR, LAST_YEAR = 2000, 2099
COUNTED = (Urgency.URGENT, Urgency.NORMAL, Urgency.DIFFICULT)  # special: the leader sets the date


def deadlines_router(calendar: WorkingCalendar, clock: Clock) -> APIRouter:
    router = APIRouter(tags=["directory"])

    @router.get("/deadlines/preview", responses=errors(described={422: "紧急程度或交办日期不合法"}))
    async def preview(urgency: Annotated[Urgency, Query()],
                      start: Annotated[IsoDate | None, Query(description="the assignment day; default today")] = None,
                      ) -> dict[str, Any]:
        """The report deadline and the signing deadline of an item of ``urgency`` assigned on
        ``start``, with the words that explain them (working days skip weekends and public
        holidays; make-up working days count). A special item has none: its leader sets it."""
        day = start or today_in_china(clock)
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise HTTPException(422, detail=f"交办日期 {day.isoformat()} 不在 {FIRST_YEAR}–{LAST_YEAR} 年之间")
        if urgency not in COUNTED:
            return {"urgency": urgency.value, "start": day.isoformat(), "working_days": None, "due_date": None,
                    "sign_due_date": None, "estimated": False,
                    "explanation": f"{urgency.label}：办理期限由责任领导确定"}
        days = working_days_for(urgency)
        due, sign = report_due(calendar, urgency, day), sign_due(calendar, day)
        return {"urgency": urgency.value, "start": day.isoformat(), "working_days": days,
                "due_date": due.date.isoformat(), "sign_due_date": sign.date.isoformat(),
                "estimated": due.estimated,
                "explanation": (f"{urgency.label}：自交办之日起{days}个工作日内报告（不含周末和法定节假日，"
                                f"调休上班日计入）；{day.month}月{day.day}日交办则{due.date.month}月{due.date.day}日前报告，"
                                f"次一工作日{sign.date.month}月{sign.date.day}日前签收")}

    return router

"""A month's on-site days against the 15-day minimum, the reminder's week, the months of a period."""

import datetime as dt

import pytest

from services.reporting.domain.plans import (
    BadMonth,
    Month,
    MonthOver,
    TooFewPlannedDays,
    TooManyPlannedDays,
    VisitInFuture,
    VisitOutsideMonth,
    check_plan,
    check_visit,
    months_spanning,
    outlook,
    reminder_due,
    reminder_text,
)

DEC = Month(2026, 12)


def days(*numbers: int) -> list[dt.date]:
    return [dt.date(2026, 12, n) for n in numbers]


def test_months_are_written_yyyy_mm() -> None:
    assert (Month.parse("2026-12"), str(Month(2027, 1)), DEC.label, DEC.last) == (
        DEC, "2027-01", "2026年12月", dt.date(2026, 12, 31))
    for text in ("2026-13", "2026-1", "1999-12", "2026-12-01", 202612):
        with pytest.raises(BadMonth):
            Month.parse(text)  # type: ignore[arg-type]
    assert months_spanning(dt.date(2026, 11, 30), dt.date(2027, 1, 1)) == [Month(2026, 11), DEC, Month(2027, 1)]


def test_distinct_dates_count_and_the_warning_comes_when_15_is_out_of_reach() -> None:
    state = outlook(DEC, days(1, 1, 2) + [dt.date(2026, 11, 30)], today=dt.date(2026, 12, 18), minimum=15)
    assert (state.on_site_days, state.days_left, state.warning) == (2, 14, None)
    short = outlook(DEC, days(1, 2), today=dt.date(2026, 12, 20), minimum=15)
    assert short.days_left == 12 and "已无法达到" in short.warning
    visited_today = outlook(DEC, days(*range(1, 6), 20), today=dt.date(2026, 12, 20), minimum=15)
    assert (visited_today.on_site_days, visited_today.days_left, visited_today.warning) == (6, 11, None)
    over = outlook(DEC, days(*range(1, 15)), today=dt.date(2027, 1, 1), minimum=15)
    assert over.warning == "2026年12月现场督查14天，未达到每月不少于15天的要求。"
    reached = outlook(DEC, days(*range(1, 16)), today=dt.date(2027, 1, 1), minimum=15)
    assert reached.reached and reached.warning is None
    ahead = outlook(DEC, [], today=dt.date(2026, 11, 20), minimum=15)
    assert (ahead.days_left, ahead.warning) == (31, None)


def test_the_reminder_falls_in_the_last_week_and_says_how_far_off() -> None:
    assert [reminder_due(DEC, dt.date(2026, 12, d), last_days=7) for d in (24, 25, 31)] == [False, True, True]
    assert not reminder_due(DEC, dt.date(2027, 1, 1), last_days=7)
    title, body = reminder_text(DEC, outlook(DEC, days(*range(1, 10)), today=dt.date(2026, 12, 25), minimum=15))
    assert title == "2026年12月现场督查天数不足提醒" and "还差6天" in body and "仅余7天" in body


def test_a_plan_and_a_visit_are_checked_against_the_month_and_today() -> None:
    today = dt.date(2026, 12, 3)
    check_plan(DEC, 15, today=today, minimum=15)
    for month, planned, refused in ((Month(2026, 11), 15, MonthOver), (DEC, 14, TooFewPlannedDays),
                                    (DEC, 32, TooManyPlannedDays)):
        with pytest.raises(refused):
            check_plan(month, planned, today=today, minimum=15)
    check_visit(DEC, today, today=today)
    with pytest.raises(VisitOutsideMonth):
        check_visit(DEC, dt.date(2026, 11, 30), today=today)
    with pytest.raises(VisitInFuture):
        check_visit(DEC, dt.date(2026, 12, 4), today=today)

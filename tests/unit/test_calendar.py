"""The working-day calendar: official data, overrides, estimates, the file format."""

from __future__ import annotations

import datetime as dt
import logging
import re
from pathlib import Path

import chinese_calendar
import pytest

from shared.calendar import (
    URGENCY_WORKING_DAYS,
    CalendarFileError,
    DueDate,
    SpecialDeadlineSetByLeader,
    UnknownUrgency,
    WorkingCalendar,
    YearData,
    install_year_file,
    load_calendar,
    load_override_dir,
    official_years,
    parse_year_file,
    uncovered_year_warning,
    working_days_for,
)
from shared.contracts.enums import Urgency

D = dt.date.fromisoformat
EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "calendar" / "2026.example.yaml"
YEAR_2027 = """\
year: 2027
source: test notice
holidays:
  - {name: 元旦, from: 2027-01-01, to: 2027-01-03}
workdays:
  - 2027-01-09
"""


@pytest.fixture(scope="module")
def official() -> dict[int, YearData]:
    return official_years()


@pytest.fixture
def calendar(official: dict[int, YearData]) -> WorkingCalendar:
    return WorkingCalendar(official)


def days(first: str, last: str) -> list[dt.date]:
    start, end = D(first), D(last)
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def source_of(calendar: WorkingCalendar, year: int) -> str:
    data = calendar.year_data(year)
    assert data is not None
    return data.source


def test_official_data_covers_2004_to_2026(calendar: WorkingCalendar) -> None:
    assert calendar.covered_years == tuple(range(2004, 2027))
    assert source_of(calendar, 2026) == "chinesecalendar 1.11.0"
    assert not calendar.covers(2027)


def test_national_day_2025(calendar: WorkingCalendar) -> None:
    assert not any(calendar.is_working_day(d) for d in days("2025-10-01", "2025-10-08"))
    assert calendar.is_working_day(D("2025-09-28"))  # Sunday, 调休上班
    assert calendar.is_working_day(D("2025-10-11"))  # Saturday, 调休上班
    assert calendar.is_working_day(D("2025-10-09"))
    assert not calendar.is_working_day(D("2025-10-12"))  # an ordinary Sunday


def test_urgent_item_across_national_day(calendar: WorkingCalendar) -> None:
    assert calendar.add_working_days(D("2025-09-30"), 3) == DueDate(D("2025-10-11"), False, ())
    assert calendar.add_working_days(D("2025-09-30"), 5).date == D("2025-10-14")


def test_spring_festival_2026(calendar: WorkingCalendar) -> None:
    assert not any(calendar.is_working_day(d) for d in days("2026-02-15", "2026-02-23"))
    assert calendar.is_working_day(D("2026-02-14"))  # Saturday, 调休上班
    assert calendar.is_working_day(D("2026-02-28"))  # Saturday, 调休上班
    assert calendar.add_working_days(D("2026-02-12"), 3).date == D("2026-02-24")
    difficult = calendar.add_working_days(D("2026-02-10"), working_days_for("difficult"))
    assert difficult == DueDate(D("2026-03-02"), False, ())


def test_zero_and_negative_counts(calendar: WorkingCalendar) -> None:
    assert calendar.add_working_days(D("2025-10-03"), 0).date == D("2025-10-03")
    assert calendar.add_working_days(D("2025-10-09"), -1).date == D("2025-09-30")
    assert calendar.add_working_days(D("2025-10-01"), -1).date == D("2025-09-30")
    assert calendar.add_working_days(D("2025-10-09"), -3).date == D("2025-09-28")
    assert calendar.add_working_days(D("2025-10-11"), -3).date == D("2025-09-30")


def test_next_working_day(calendar: WorkingCalendar) -> None:
    assert calendar.next_working_day(D("2025-09-30")) == D("2025-10-09")
    assert calendar.next_working_day(D("2026-02-13")) == D("2026-02-14")


def test_working_days_between(calendar: WorkingCalendar) -> None:
    assert calendar.working_days_between(D("2025-09-30"), D("2025-10-11")) == 3
    assert calendar.working_days_between(D("2025-10-11"), D("2025-09-30")) == -3
    assert calendar.working_days_between(D("2025-10-01"), D("2025-10-08")) == 0
    assert calendar.working_days_between(D("2025-09-26"), D("2025-09-28")) == 1
    assert calendar.working_days_between(D("2026-02-10"), D("2026-02-10")) == 0
    for start, n in [("2026-02-10", 10), ("2025-12-30", 4), ("2025-09-26", 7)]:
        due = calendar.add_working_days(D(start), n).date
        assert calendar.working_days_between(D(start), due) == n


def test_silly_counts_are_refused(calendar: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="out of range"):
        calendar.add_working_days(D("2025-01-01"), 3661)
    with pytest.raises(ValueError, match="out of range"):
        calendar.add_working_days(D("2025-01-01"), -3661)
    with pytest.raises(ValueError, match="too long"):
        calendar.working_days_between(D("1900-01-01"), D("2025-01-01"))


def test_uncovered_year_is_estimated_and_warned_once(
    calendar: WorkingCalendar, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="duban.calendar")
    due = calendar.add_working_days(D("2026-12-30"), 3)
    assert due == DueDate(D("2027-01-04"), True, (2027,))  # 2027-01-01 counted: weekends only
    assert calendar.is_working_day(D("2027-01-01"))
    assert not calendar.is_working_day(D("2027-01-02"))
    assert calendar.working_days_between(D("2027-03-01"), D("2027-03-08")) == 5
    warned = [r for r in caplog.records if r.name == "duban.calendar" and "2027" in r.getMessage()]
    assert len(warned) == 1
    assert warned[0].levelno == logging.WARNING
    assert "estimated" in warned[0].getMessage()
    assert calendar.warnings_for([2026, 2027]) == [uncovered_year_warning(2027)]


def test_result_inside_covered_years_is_not_estimated(calendar: WorkingCalendar) -> None:
    assert calendar.add_working_days(D("2026-12-28"), 3) == DueDate(D("2026-12-31"), False, ())
    assert calendar.warnings_for([2025, 2026]) == []


def test_each_instance_warns_through_its_sink(official: dict[int, YearData]) -> None:
    seen: list[str] = []
    calendar = WorkingCalendar(official, warn=seen.append)
    calendar.add_working_days(D("2027-06-01"), 3)
    calendar.add_working_days(D("2027-12-30"), 3)
    assert seen == [uncovered_year_warning(2027), uncovered_year_warning(2028)]
    assert "2027" in seen[0]


def test_override_replaces_official_year(tmp_path: Path) -> None:
    (tmp_path / "2026.yaml").write_text(
        "year: 2026\nholidays:\n  - {name: 春节, from: 2026-02-15, to: 2026-02-24}\n", encoding="utf-8"
    )
    calendar = load_calendar(tmp_path)
    assert not calendar.is_working_day(D("2026-02-24"))  # added by the override
    assert not calendar.is_working_day(D("2026-02-14"))  # official workday, not in the override
    assert calendar.is_working_day(D("2026-10-01"))  # official holiday, not in the override
    assert source_of(calendar, 2026).startswith(f"override file {tmp_path / '2026.yaml'}")
    assert source_of(calendar, 2025) == "chinesecalendar 1.11.0"


def test_override_for_an_uncovered_year(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="duban.calendar")
    (tmp_path / "2027.yaml").write_text(YEAR_2027, encoding="utf-8")
    calendar = load_calendar(tmp_path)
    assert calendar.covers(2027)
    assert calendar.add_working_days(D("2026-12-30"), 3) == DueDate(D("2027-01-05"), False, ())
    assert calendar.is_working_day(D("2027-01-09"))
    assert not any("2027" in r.getMessage() for r in caplog.records)


def test_missing_calendar_dir_means_official_only(tmp_path: Path) -> None:
    assert load_calendar(tmp_path / "absent").covered_years == tuple(range(2004, 2027))
    assert load_calendar(None).covered_years == tuple(range(2004, 2027))


def test_override_dir_reads_only_year_files(tmp_path: Path) -> None:
    (tmp_path / "2026.example.yaml").write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    assert load_override_dir(tmp_path) == {}
    (tmp_path / "2028.yaml").write_text(YEAR_2027, encoding="utf-8")
    with pytest.raises(CalendarFileError, match="for 2027 but named 2028.yaml"):
        load_override_dir(tmp_path)


def test_example_file_is_exactly_the_official_2026(official: dict[int, YearData]) -> None:
    data = parse_year_file(EXAMPLE)
    assert data.year == 2026
    assert data.holidays == {d for d in chinese_calendar.holidays if d.year == 2026}
    assert data.workdays == {d for d in chinese_calendar.workdays if d.year == 2026}
    assert (data.holidays, data.workdays) == (official[2026].holidays, official[2026].workdays)
    assert "国务院办公厅" in data.source


BAD_FILES = [
    ("year: 2026\nholidays: [2027-01-01]\n", "holidays entry 1: 2027-01-01 is outside the year 2026"),
    ("year: 2026\nholidays:\n  - {name: 元旦, from: 2025-12-31, to: 2026-01-01}\n", "2025-12-31 is outside"),
    ("year: 2026\nholidays: [2026-01-04]\nworkdays: [2026-01-04]\n", "2026-01-04 is listed both"),
    ("year: 2026\nholidays: [2026-01-01]\nworkdays: [2026-01-05]\n",
     "workdays entry 1: 2026-01-05 is a Monday, not a Saturday or Sunday"),
    ("year: 2026\nholidays:\n  - {name: 春节, from: 2026-02-23, to: 2026-02-15}\n",
     "holidays entry 1 (春节): from 2026-02-23 is after to 2026-02-15"),
    ("holidays: [2026-01-01]\n", "year: missing"),
    ("year: twenty\nholidays: [2026-01-01]\n", "'twenty' is not a year"),
    ("year: 2026\nholiday: [2026-01-01]\n", "the file: unknown key(s) holiday"),
    ("year: 2026\nholidays:\n  - {name: 元旦, from: 2026-01-01, until: 2026-01-03}\n", "unknown key(s) until"),
    ("year: 2026\nholidays:\n  - {from: 2026-01-01, to: 2026-01-03}\n", "needs a name"),
    ("year: 2026\nholidays: ['2026-02-30']\n", "'2026-02-30' is not a date"),
    ("year: 2026\nholidays: [2026-01-01 09:00:00]\n", "has a time of day"),
    ("year: 2026\n", "holidays: missing"),
    ("year: 2026\nholidays: []\n", "holidays: empty"),
    ("year: 2026\nholidays: [2026-01-01, 2026-01-01]\n", "holidays entry 2: 2026-01-01 is already listed"),
    ("year: 2026\nholidays: [2026-01-01\n", "not valid YAML"),
    ("- 2026-01-01\n", "expected a mapping"),
]


@pytest.mark.parametrize(("text", "message"), BAD_FILES)
def test_bad_year_files_are_rejected_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(CalendarFileError) as caught:
        parse_year_file(text)
    assert message in str(caught.value)


def test_a_file_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "2026.yaml"
    path.write_text("year: 2026\nholidays: [2027-01-01]\n", encoding="utf-8")
    with pytest.raises(CalendarFileError, match=f"^{re.escape(str(path))}: holidays entry 1"):
        parse_year_file(path)


def test_install_writes_the_year_file(tmp_path: Path) -> None:
    src = tmp_path / "upload.yaml"
    src.write_text(YEAR_2027, encoding="utf-8")
    calendar_dir = tmp_path / "var" / "calendar"
    data = install_year_file(src, calendar_dir)
    assert (data.year, len(data.holidays), len(data.workdays)) == (2027, 3, 1)
    assert (calendar_dir / "2027.yaml").read_text(encoding="utf-8") == YEAR_2027
    assert sorted(p.name for p in calendar_dir.iterdir()) == ["2027.yaml"]
    assert str(calendar_dir / "2027.yaml") in data.source


def test_a_rejected_install_changes_nothing(tmp_path: Path) -> None:
    calendar_dir = tmp_path / "calendar"
    bad = tmp_path / "bad.yaml"
    bad.write_text("year: 2027\nholidays: [2026-12-31]\n", encoding="utf-8")
    with pytest.raises(CalendarFileError, match="outside the year 2027"):
        install_year_file(bad, calendar_dir)
    assert not calendar_dir.exists()
    calendar_dir.mkdir()
    (calendar_dir / "2027.yaml").write_text(YEAR_2027, encoding="utf-8")
    with pytest.raises(CalendarFileError):
        install_year_file(bad, calendar_dir)
    assert sorted(p.name for p in calendar_dir.iterdir()) == ["2027.yaml"]
    assert (calendar_dir / "2027.yaml").read_text(encoding="utf-8") == YEAR_2027


def test_year_data_rejects_inconsistent_days() -> None:
    with pytest.raises(ValueError, match="not in 2026"):
        YearData(2026, frozenset({D("2027-01-01")}), frozenset(), "test")
    with pytest.raises(ValueError, match="holds the data of 2026"):
        WorkingCalendar({2027: YearData(2026, frozenset(), frozenset(), "test")})


def test_urgency_working_days() -> None:
    assert dict(URGENCY_WORKING_DAYS) == {"urgent": 3, "normal": 5, "difficult": 10}
    assert [working_days_for(u) for u in ("urgent", "normal", "difficult")] == [3, 5, 10]
    assert working_days_for(Urgency.NORMAL) == 5
    with pytest.raises(SpecialDeadlineSetByLeader, match="leader sets the deadline"):
        working_days_for("special")
    with pytest.raises(UnknownUrgency, match="unknown urgency 'rush'") as caught:
        working_days_for("rush")
    assert isinstance(caught.value, ValueError)

"""`duban calendar` through the real console entry point."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from services.cli import main
from services.cli.calendar_cmd import status_report
from shared.calendar import load_calendar

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "calendar" / "2026.example.yaml"
YEAR_2027 = "year: 2027\nholidays:\n  - {name: 元旦, from: 2027-01-01, to: 2027-01-03}\n"


@pytest.fixture
def calendar_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "calendar"
    monkeypatch.setenv("DUBAN_CALENDAR_DIR", str(directory))
    return directory


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["calendar", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_due_urgent_prints_the_date_alone(calendar_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "due", "--from", "2025-09-30", "--urgency", "urgent") == (0, "2025-10-11\n", "")


def test_due_by_days_and_difficult(calendar_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "due", "--from", "2025-09-30", "--days", "5") == (0, "2025-10-14\n", "")
    assert run(capsys, "due", "--from", "2026-02-10", "--urgency", "difficult") == (0, "2026-03-02\n", "")
    assert run(capsys, "due", "--from", "2025-10-09", "--days", "-1") == (0, "2025-09-30\n", "")


def test_estimated_due_date_warns_on_stderr(calendar_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "due", "--from", "2026-12-30", "--days", "3")
    assert (code, out) == (0, "2027-01-04\n")
    assert err.count("\n") == 1
    assert "2027" in err and "estimated" in err


@pytest.mark.parametrize(("argv", "message"), [
    (["--from", "2025-13-01", "--days", "3"], "'2025-13-01' is not a date"),
    (["--from", "2025-09-30", "--urgency", "special"], "leader sets the deadline"),
    (["--from", "2025-09-30", "--urgency", "rush"], "unknown urgency 'rush'"),
    (["--from", "2025-09-30", "--days", "99999"], "out of range"),
])
def test_bad_due_input_exits_2(
    calendar_dir: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, "due", *argv)
    assert (code, out) == (2, "")
    assert message in err


def test_due_without_a_count_is_a_usage_error(calendar_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["calendar", "due", "--from", "2025-09-30"])
    assert caught.value.code == 2
    assert "--urgency" in capsys.readouterr().err


def test_load_installs_the_file(calendar_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "2027.yaml"
    src.write_text(YEAR_2027, encoding="utf-8")
    code, out, err = run(capsys, "load", str(src))
    assert (code, err) == (0, "")
    assert out.count("\n") == 1
    assert "2027: 3 holidays, 0 make-up workdays" in out
    assert str(calendar_dir / "2027.yaml") in out
    assert (calendar_dir / "2027.yaml").read_text(encoding="utf-8") == YEAR_2027
    assert run(capsys, "due", "--from", "2026-12-30", "--days", "3") == (0, "2027-01-05\n", "")


def test_load_the_2026_example(calendar_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "load", str(EXAMPLE))
    assert code == 0
    assert "2026: 33 holidays, 6 make-up workdays" in out
    assert run(capsys, "due", "--from", "2026-02-12", "--urgency", "urgent") == (0, "2026-02-24\n", "")


def test_a_rejected_load_writes_nothing(calendar_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "2027.yaml"
    bad.write_text("year: 2027\nholidays: [2027-01-01]\nworkdays: [2027-01-04]\n", encoding="utf-8")
    code, out, err = run(capsys, "load", str(bad))
    assert (code, out) == (1, "")
    assert "2027-01-04 is a Monday" in err and str(bad) in err
    assert not calendar_dir.exists()
    code, _, err = run(capsys, "load", str(tmp_path / "absent.yaml"))
    assert code == 1 and "cannot read" in err
    assert not calendar_dir.exists()


def test_a_broken_file_in_the_dir_is_reported(calendar_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    calendar_dir.mkdir()
    (calendar_dir / "2027.yaml").write_text("year: 2027\n", encoding="utf-8")
    code, out, err = run(capsys, "due", "--from", "2025-09-30", "--urgency", "urgent")
    assert (code, out) == (1, "")
    assert "2027.yaml: holidays: missing" in err


def test_status_lists_sources(calendar_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "2027.yaml"
    src.write_text(YEAR_2027, encoding="utf-8")
    run(capsys, "load", str(src))
    code, out, _ = run(capsys, "status")
    assert code == 0
    assert "2004-2026  chinesecalendar 1.11.0" in out
    assert f"2027       override file {calendar_dir / '2027.yaml'}" in out


def test_status_warns_about_this_year_and_next(tmp_path: Path) -> None:
    calendar = load_calendar(None)
    lines, warnings = status_report(calendar, tmp_path / "none", today=dt.date(2027, 3, 1))
    assert "(missing: no override files)" in lines[0]
    assert len(warnings) == 2
    assert "2027" in warnings[0] and "2028" in warnings[1]
    _, warnings = status_report(calendar, tmp_path, today=dt.date(2025, 3, 1))
    assert warnings == []
    _, warnings = status_report(calendar, tmp_path, today=dt.date(2026, 11, 1))
    assert len(warnings) == 1 and "2027" in warnings[0]

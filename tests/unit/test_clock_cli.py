"""`duban clock` and `duban run --simulated-clock` before they reach NATS: steps, times, refusals."""

from __future__ import annotations

import datetime as dt

import pytest

from services.cli import main
from services.cli.clock_cmd import Step, beijing, parse_step, parse_time
from shared.calendar import load_calendar
from shared.clock import CHINA

CALENDAR = load_calendar(None)  # the official years only


@pytest.mark.parametrize(("text", "step"), [("3d", Step(3, "d")), ("2h", Step(2, "h")), ("30m", Step(30, "m")),
                                            ("10wd", Step(10, "wd")), (" 1wd ", Step(1, "wd"))])
def test_steps_forward(text: str, step: Step) -> None:
    assert parse_step(text) == step
    assert str(step) == text.strip()


@pytest.mark.parametrize("text", ["0d", "3", "d", "3w", "1.5h", "-1d", "3D", "2h30m", "1000000d", ""])
def test_anything_else_is_not_a_step(text: str) -> None:
    with pytest.raises(ValueError, match="3d, 2h, 30m or 10wd"):
        parse_step(text)


def test_days_hours_and_minutes_are_calendar_time() -> None:
    friday = dt.datetime(2026, 3, 6, 17, 0, tzinfo=CHINA)
    assert parse_step("3d").after(friday, CALENDAR) == friday + dt.timedelta(days=3)
    assert parse_step("2h").after(friday, CALENDAR) == friday + dt.timedelta(hours=2)
    assert parse_step("30m").after(friday, CALENDAR) == friday + dt.timedelta(minutes=30)


def test_working_days_follow_the_official_calendar_and_keep_the_time_of_day() -> None:
    # Tuesday 2025-09-30 10:00: the National Day holidays (10-01..10-08) come next and
    # Saturday 10-11 is a working day, so five working days on is Tuesday 10-14
    before_holidays = dt.datetime(2025, 9, 30, 10, 0, tzinfo=CHINA)
    assert parse_step("5wd").after(before_holidays, CALENDAR) == dt.datetime(2025, 10, 14, 10, 0, tzinfo=CHINA)
    assert parse_step("1wd").after(before_holidays, CALENDAR) == dt.datetime(2025, 10, 9, 10, 0, tzinfo=CHINA)
    # counted in Beijing: 23:30 UTC on Friday is already Saturday 07:30 there
    saturday_morning = dt.datetime(2026, 3, 6, 23, 30, tzinfo=dt.UTC)
    assert parse_step("1wd").after(saturday_morning, CALENDAR) == dt.datetime(2026, 3, 9, 7, 30, tzinfo=CHINA)


def test_a_time_is_iso_with_its_offset() -> None:
    assert parse_time("2026-12-20T09:00+08:00") == dt.datetime(2026, 12, 20, 1, 0, tzinfo=dt.UTC)
    with pytest.raises(ValueError, match="offset"):
        parse_time("2026-12-20T09:00")
    with pytest.raises(ValueError, match="ISO time"):
        parse_time("next monday")


def test_times_are_printed_in_beijing() -> None:
    assert beijing(dt.datetime(2026, 12, 20, 1, 0, tzinfo=dt.UTC)) == "2026-12-20 09:00:00 Sunday (Beijing time)"


@pytest.mark.parametrize("argv", [["clock", "show"], ["clock", "set", "2026-12-20T09:00+08:00"],
                                  ["clock", "advance", "3d"]])
def test_production_refuses_every_clock_command(argv: list[str], monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DUBAN_ENV", "production")
    monkeypatch.setenv("NATS_URL", "nats://127.0.0.1:1")  # nothing is reached: refused before
    assert main(argv) == 2
    assert "DUBAN_ENV=production runs on the system clock" in capsys.readouterr().err


def test_bad_input_is_refused_before_nats_is_asked(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("NATS_URL", "nats://127.0.0.1:1")
    assert main(["clock", "set", "2026-12-20T09:00"]) == 2
    assert "needs an offset" in capsys.readouterr().err
    assert main(["clock", "advance", "3w"]) == 2
    assert "10wd" in capsys.readouterr().err


def test_an_unreachable_platform_is_said_in_a_sentence(monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("NATS_URL", "nats://127.0.0.1:1")
    assert main(["clock", "show"]) == 1
    assert "duban run --simulated-clock" in capsys.readouterr().err


@pytest.mark.parametrize(("argv", "problem"), [
    (["run", "--simulated-clock"], "--simulated-clock is refused"),
    (["run", "--clock-start", "2026-12-20T09:00+08:00"], "goes with --simulated-clock"),
])
def test_duban_run_refuses_clock_options_it_cannot_honour(argv: list[str], problem: str,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    if "--simulated-clock" in argv:
        monkeypatch.setenv("DUBAN_ENV", "production")
    assert main(argv) == 2  # before any process is started
    assert problem in capsys.readouterr().err


def test_duban_run_refuses_a_clock_start_without_an_offset(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--simulated-clock", "--clock-start", "2026-12-20T09:00"]) == 2
    assert "--clock-start: the time needs an offset" in capsys.readouterr().err

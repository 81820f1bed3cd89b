"""`duban calendar`: due dates, loading a year's official file, and coverage status.

    duban calendar due --from 2025-09-30 --urgency urgent   # prints 2025-10-11
    duban calendar due --from 2025-09-30 --days 5
    duban calendar load 2027.yaml                           # validate and install
    duban calendar status                                   # covered years, warnings

The calendar directory is ``DUBAN_CALENDAR_DIR`` (default ``var/calendar``).
Exit codes: 0 done, 1 a calendar file was rejected or unreadable, 2 bad input.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from shared.calendar import (
    CalendarFileError,
    DeadlineRuleError,
    WorkingCalendar,
    install_year_file,
    load_calendar,
    working_days_for,
)
from shared.clock import SystemClock, today_in_china
from shared.settings import CommonSettings


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "calendar",
        help="China's official working-day calendar",
        description="Working-day due dates and the per-year holiday files (DUBAN_CALENDAR_DIR).",
    )
    commands = parser.add_subparsers(dest="calendar_command", required=True, metavar="SUBCOMMAND")

    due = commands.add_parser("due", help="the date N working days after a date")
    due.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD",
                     help="the start date (it never counts itself)")
    count = due.add_mutually_exclusive_group(required=True)
    count.add_argument("--urgency", metavar="{urgent,normal,difficult}",
                       help="urgent = 3, normal = 5, difficult = 10 working days")
    count.add_argument("--days", type=int, metavar="N", help="a number of working days")
    due.set_defaults(handler=_due)

    load = commands.add_parser("load", help="validate a <year>.yaml file and install it")
    load.add_argument("file", type=Path, help="the year's file (see deploy/calendar/README.md)")
    load.set_defaults(handler=_load)

    status = commands.add_parser("status", help="covered years and where each comes from")
    status.set_defaults(handler=_status)


def _error(command: str, message: object) -> None:
    print(f"duban calendar {command}: error: {message}", file=sys.stderr)


def _due(args: argparse.Namespace) -> int:
    try:
        start = dt.date.fromisoformat(args.start)
    except ValueError:
        _error("due", f"--from {args.start!r} is not a date (write YYYY-MM-DD)")
        return 2
    try:
        n = args.days if args.days is not None else working_days_for(args.urgency)
    except DeadlineRuleError as exc:
        _error("due", exc)
        return 2
    warnings: list[str] = []
    try:
        calendar = load_calendar(CommonSettings().calendar_dir, warn=warnings.append)
    except CalendarFileError as exc:
        _error("due", exc)
        return 1
    try:
        due = calendar.add_working_days(start, n)
    except (ValueError, OverflowError) as exc:
        _error("due", exc)
        return 2
    print(due.date.isoformat())
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def _load(args: argparse.Namespace) -> int:
    calendar_dir = CommonSettings().calendar_dir
    try:
        data = install_year_file(args.file, calendar_dir)
    except CalendarFileError as exc:
        _error("load", exc)
        return 1
    except OSError as exc:
        _error("load", f"cannot write to {calendar_dir}: {exc.strerror or exc}")
        return 1
    target = calendar_dir / f"{data.year}.yaml"
    print(
        f"loaded {data.year}: {len(data.holidays)} holidays, {len(data.workdays)} make-up workdays "
        f"-> {target} (services read it at start: restart them)"
    )
    return 0


def _status(args: argparse.Namespace) -> int:
    calendar_dir = CommonSettings().calendar_dir
    try:
        calendar = load_calendar(calendar_dir)
    except CalendarFileError as exc:
        _error("status", exc)
        return 1
    lines, warnings = status_report(calendar, calendar_dir, today=today_in_china(SystemClock()))
    print("\n".join(lines))
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def status_report(calendar: WorkingCalendar, calendar_dir: Path, *, today: dt.date) -> tuple[list[str], list[str]]:
    """Lines for stdout (covered years by source) and warnings for this year and next."""
    state = "" if calendar_dir.is_dir() else " (missing: no override files)"
    lines = [f"calendar dir: {calendar_dir}{state}"]
    for first, last, source in _runs_by_source(calendar):
        span = f"{first}" if first == last else f"{first}-{last}"
        lines.append(f"{span:<10} {source}")
    return lines, calendar.warnings_for([today.year, today.year + 1])


def _runs_by_source(calendar: WorkingCalendar) -> list[tuple[int, int, str]]:
    """Consecutive covered years with the same source, as (first, last, source)."""
    runs: list[tuple[int, int, str]] = []
    for year in calendar.covered_years:
        data = calendar.year_data(year)
        source = data.source if data else "?"
        if runs and runs[-1][2] == source and runs[-1][1] == year - 1:
            runs[-1] = (runs[-1][0], year, source)
        else:
            runs.append((year, year, source))
    return runs

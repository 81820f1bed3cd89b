"""Per-year override files: how ops load a year the installed package does not know.

The State Council publishes the next year's holidays each November (国务院办公厅关于
<year>年部分节假日安排的通知). Ops write it as ``<year>.yaml`` and load it with
``duban calendar load FILE``, which validates it and installs it into the calendar
directory (``DUBAN_CALENDAR_DIR``, default ``var/calendar``). An override file REPLACES
the official package's data for its year wholesale. The format::

    year: 2026
    source: 国务院办公厅关于2026年部分节假日安排的通知  # optional text
    holidays:            # days off; a single date or a range with a name
      - {name: 元旦, from: 2026-01-01, to: 2026-01-03}
      - 2026-04-06
    workdays:            # weekend days that are working days (调休上班)
      - 2026-01-04

Rules: ``year`` is required; ``holidays`` is a non-empty list; ``workdays`` may be
omitted; every date is ``YYYY-MM-DD`` and falls in ``year``; a range has exactly
``name``, ``from`` and ``to`` with from <= to; a workday is a Saturday or a Sunday; no
date is listed twice or both as holiday and workday; no other keys are allowed.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import yaml

from shared.calendar.working_days import YearData

log = logging.getLogger("duban.calendar")

FILE_KEYS = ("year", "source", "holidays", "workdays")
RANGE_KEYS = ("name", "from", "to")
YEAR_FILE = re.compile(r"^(\d{4})\.yaml$")
YEAR_RANGE = range(1949, 2201)


class CalendarFileError(ValueError):
    """An override file that cannot be used; the message says which field and which date."""


def parse_year_file(text_or_path: str | Path) -> YearData:
    """Validate one year's file. A ``Path`` is read; a ``str`` is the YAML text itself."""
    if isinstance(text_or_path, Path):
        return _parse(_read(text_or_path), origin=str(text_or_path))
    return _parse(text_or_path, origin=None)


def load_override_dir(directory: Path | None) -> dict[int, YearData]:
    """Every ``<year>.yaml`` in ``directory`` (none when it does not exist)."""
    if directory is None or not directory.exists():
        return {}
    if not directory.is_dir():
        raise CalendarFileError(f"{directory}: the calendar directory is not a directory")
    years: dict[int, YearData] = {}
    for path in sorted(directory.glob("*.yaml")):
        match = YEAR_FILE.match(path.name)
        if not match:
            log.warning("ignoring %s: calendar override files are named <year>.yaml", path)
            continue
        data = parse_year_file(path)
        if data.year != int(match[1]):
            raise CalendarFileError(f"{path}: the file is for {data.year} but named {path.name}")
        years[data.year] = data
    return years


def install_year_file(src: Path, calendar_dir: Path) -> YearData:
    """Validate ``src`` and write it as ``<calendar_dir>/<year>.yaml`` atomically.

    A rejected file raises ``CalendarFileError`` and changes nothing.
    """
    text = _read(src)
    year = _parse(text, origin=str(src)).year
    calendar_dir.mkdir(parents=True, exist_ok=True)
    target = calendar_dir / f"{year}.yaml"
    fd, tmp = tempfile.mkstemp(dir=calendar_dir, prefix=f".{year}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return _parse(text, origin=str(target))


# -- parsing ------------------------------------------------------------------


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CalendarFileError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise CalendarFileError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _parse(text: str, origin: str | None) -> YearData:
    try:
        return _parse_document(text, origin)
    except CalendarFileError as exc:
        if origin is None:
            raise
        raise CalendarFileError(f"{origin}: {exc}") from None


def _parse_document(text: str, origin: str | None) -> YearData:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CalendarFileError(f"not valid YAML: {exc}") from None
    if not isinstance(doc, dict):
        raise CalendarFileError("expected a mapping with the keys year, source, holidays, workdays")
    _check_keys(doc, FILE_KEYS, "the file")
    year = _year(doc.get("year"))
    source = doc.get("source")
    if source is not None and not isinstance(source, str):
        raise CalendarFileError("source: must be text (the title of the State Council notice)")
    holidays = _holidays(doc.get("holidays"), year)
    workdays = _workdays(doc.get("workdays"), year)
    both = sorted(holidays & workdays)
    if both:
        raise CalendarFileError(f"{both[0].isoformat()} is listed both in holidays and in workdays")
    described = f"override file {origin}" if origin else "override file"
    if source:
        described += f" ({source.strip()})"
    return YearData(year=year, holidays=frozenset(holidays), workdays=frozenset(workdays), source=described)


def _check_keys(mapping: dict[Any, Any], allowed: tuple[str, ...], where: str) -> None:
    unknown = [str(key) for key in mapping if key not in allowed]
    if unknown:
        raise CalendarFileError(
            f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}"
        )


def _year(value: Any) -> int:
    if value is None:
        raise CalendarFileError("year: missing (for example `year: 2027`)")
    if isinstance(value, bool) or not isinstance(value, int) or value not in YEAR_RANGE:
        raise CalendarFileError(f"year: {value!r} is not a year")
    return value


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        raise CalendarFileError(f"{where}: {value} has a time of day; write the date alone (YYYY-MM-DD)")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise CalendarFileError(f"{where}: {value!r} is not a date (write YYYY-MM-DD)")


def _in_year(day: dt.date, year: int, where: str) -> dt.date:
    if day.year != year:
        raise CalendarFileError(f"{where}: {day.isoformat()} is outside the year {year}")
    return day


def _entries(value: Any, field: str, required: bool) -> list[Any]:
    if value is None and not required:
        return []
    if value is None:
        raise CalendarFileError(f"{field}: missing (list the year's days off)")
    if not isinstance(value, list):
        raise CalendarFileError(f"{field}: must be a list")
    if required and not value:
        raise CalendarFileError(f"{field}: empty (list the year's days off)")
    return value


def _range(item: dict[Any, Any], where: str, year: int) -> list[dt.date]:
    _check_keys(item, RANGE_KEYS, where)
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        raise CalendarFileError(f"{where}: a range needs a name (for example 春节)")
    where = f"{where} ({name})"
    for key in ("from", "to"):
        if key not in item:
            raise CalendarFileError(f"{where}: missing `{key}`")
    start = _in_year(_date(item["from"], f"{where} from"), year, where)
    end = _in_year(_date(item["to"], f"{where} to"), year, where)
    if start > end:
        raise CalendarFileError(f"{where}: from {start.isoformat()} is after to {end.isoformat()}")
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def _holidays(value: Any, year: int) -> set[dt.date]:
    days: set[dt.date] = set()
    for number, item in enumerate(_entries(value, "holidays", required=True), start=1):
        where = f"holidays entry {number}"
        if isinstance(item, dict):
            listed = _range(item, where, year)
        else:
            listed = [_in_year(_date(item, where), year, where)]
        for day in listed:
            if day in days:
                raise CalendarFileError(f"{where}: {day.isoformat()} is already listed")
            days.add(day)
    return days


def _workdays(value: Any, year: int) -> set[dt.date]:
    days: set[dt.date] = set()
    for number, item in enumerate(_entries(value, "workdays", required=False), start=1):
        where = f"workdays entry {number}"
        day = _in_year(_date(item, where), year, where)
        if day.weekday() < 5:
            raise CalendarFileError(
                f"{where}: {day.isoformat()} is a {day.strftime('%A')}, not a Saturday or Sunday; "
                "list only weekend days made working days (调休上班)"
            )
        if day in days:
            raise CalendarFileError(f"{where}: {day.isoformat()} is already listed")
        days.add(day)
    return days

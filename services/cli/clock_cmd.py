"""`duban clock`: show and move the platform's shared simulated clock (demos, training, tests).

    duban clock show
    duban clock set 2026-12-20T09:00+08:00        # --backwards to go back in time
    duban clock advance 3d                         # also 2h, 30m, and 10wd: ten official working days

Every service on ``DUBAN_CLOCK=simulated`` (``duban run --simulated-clock``) follows the move
at once; the workflow's timer sweep then fires each timer that fell due, once. The new time
is printed in Beijing time.

Where: the NATS of ``duban run`` (its embedded server under ``<data dir>/nats``), as the NATS
user ``clock`` with the password ``duban run`` generated there; with ``NATS_URL`` or
``DUBAN_NATS_URL`` set, that server, as ``DUBAN_CLOCK_NATS_USER``/``DUBAN_CLOCK_NATS_PASSWORD``.

Refused in production (``DUBAN_ENV=production`` runs on the system clock). A move backwards
needs ``--backwards``: it undoes nothing the services did (timers that fired stay fired,
events and reports keep their later times, items already overdue stay escalated), so the
platform's history would be later than its clock; it is meant for a fresh start.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import re
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import ClassVar, TypeVar

import nats.errors
from nats.js.client import JetStreamContext

from shared.bus.auth import CLOCK_USER
from shared.bus.clock_kv import MovesBackwards, NoClock, Reading, move_clock, read_clock
from shared.bus.connection import connect
from shared.calendar import WorkingCalendar, load_calendar
from shared.clock import CHINA, aware_utc
from shared.settings import CommonSettings

T = TypeVar("T")
STEP = re.compile(r"(?P<count>\d{1,6})(?P<unit>wd|d|h|m)")
UNITS = {"d": "days", "h": "hours", "m": "minutes", "wd": "official working days"}
PRODUCTION_REFUSAL = ("DUBAN_ENV=production runs on the system clock: there is no simulated clock to show or "
                      "move")
BACKWARDS_REFUSAL = ("moving the clock back undoes nothing the services did: timers that fired stay fired, "
                     "events and reports keep their later times, overdue items stay escalated. "
                     "For a fresh start (an emptied database) add --backwards")


class ClockCommandSettings(CommonSettings):
    """``DUBAN_CLOCK_*`` then ``DUBAN_*``: the NATS credentials of the ``clock`` user."""

    service: ClassVar[str] = "clock"


@dataclass(frozen=True)
class Step:
    """How far ``duban clock advance`` moves: ``3d``, ``2h``, ``30m`` or ``10wd``."""

    count: int
    unit: str

    def after(self, when: dt.datetime, calendar: WorkingCalendar) -> dt.datetime:
        """``when`` moved on by this step; working days are counted on the official calendar,
        in Beijing, keeping the time of day (from a Saturday, 1wd is the next working day)."""
        if self.unit != "wd":
            return when + dt.timedelta(**{UNITS[self.unit]: self.count})
        local = when.astimezone(CHINA)
        day = calendar.add_working_days(local.date(), self.count).date
        return dt.datetime.combine(day, local.time(), tzinfo=CHINA).astimezone(dt.UTC)

    def __str__(self) -> str:
        return f"{self.count}{self.unit}"


def parse_step(text: str) -> Step:
    match = STEP.fullmatch(text.strip())
    if not match or int(match["count"]) == 0:
        raise ValueError(f"{text!r} is not a step forward: write 3d, 2h, 30m or 10wd (working days)")
    return Step(int(match["count"]), match["unit"])


def parse_time(text: str) -> dt.datetime:
    """An ISO time with an offset: ``2026-12-20T09:00+08:00``."""
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO time such as 2026-12-20T09:00+08:00") from None
    return aware_utc(when)


def beijing(when: dt.datetime) -> str:
    return when.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S %A") + " (Beijing time)"


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("clock", help="show or move the shared simulated clock (not in production)",
                            description="The one simulated time of a platform started with "
                                        "`duban run --simulated-clock` (DUBAN_CLOCK=simulated).")
    commands = parser.add_subparsers(dest="clock_command", required=True, metavar="SUBCOMMAND")
    commands.add_parser("show", help="print the shared clock's time").set_defaults(handler=_show)
    set_ = commands.add_parser("set", help="set the shared clock to a time (ISO, with its offset)")
    set_.add_argument("time", help="e.g. 2026-12-20T09:00+08:00")
    set_.add_argument("--backwards", action="store_true", help="allow an earlier time (for a fresh start)")
    set_.set_defaults(handler=_set)
    advance = commands.add_parser("advance", help="move the shared clock forward")
    advance.add_argument("step", help="3d, 2h, 30m, or 10wd (official working days)")
    advance.set_defaults(handler=_advance)


def connection_settings(settings: CommonSettings) -> CommonSettings:
    """The NATS to talk to: the one configured (``NATS_URL``/``DUBAN_NATS_URL``, with
    ``DUBAN_CLOCK_NATS_USER``/``_PASSWORD``), else the embedded server of ``duban run`` under
    ``<data dir>/nats`` as the user ``clock``."""
    nats_dir = settings.data_dir / "nats"
    ports, passwords = nats_dir / "ports.json", nats_dir / "passwords.json"
    if "nats_url" in settings.model_fields_set or settings.nats_user or not ports.exists():
        return settings
    password = json.loads(passwords.read_text()).get(CLOCK_USER) if passwords.exists() else None
    port = json.loads(ports.read_text())["client"]
    return settings.model_copy(update={"nats_url": f"nats://127.0.0.1:{port}", "nats_user": CLOCK_USER,
                                       "nats_password": password})


async def on_clock(settings: CommonSettings, action: Callable[..., Awaitable[T]]) -> T:
    """Run ``action(js, root)`` on the platform's NATS as the clock's user."""
    async def quiet(_error: Exception) -> None:  # the failure is said once, by the command's edge
        return None

    target = connection_settings(settings)
    connection = await connect(target, "duban-clock", allow_reconnect=False, max_reconnect_attempts=1,
                               reconnect_time_wait=0.2, connect_timeout=3, error_cb=quiet)
    try:
        return await action(connection.jetstream(timeout=3.0), settings.bus_root)
    finally:
        await connection.close()


def _show(args: argparse.Namespace) -> int:
    reading = _run("show", lambda settings: on_clock(settings, read_clock))
    if isinstance(reading, int):
        return reading
    print(f"shared simulated clock: {beijing(reading.now)}  [{reading.now.isoformat()}]")
    print(f"started at {beijing(reading.start)}" + ("" if reading.revision else "; not moved since"))
    return 0


def _set(args: argparse.Namespace) -> int:
    try:
        when = parse_time(args.time)
    except ValueError as error:
        return _fail("set", str(error))
    return _move("set", lambda _now: when, backwards=args.backwards, start=when)


def _advance(args: argparse.Namespace) -> int:
    try:
        step = parse_step(args.step)
    except ValueError as error:
        return _fail("advance", str(error))
    settings = ClockCommandSettings()
    calendar = load_calendar(settings.calendar_dir, warn=lambda text: print(f"warning: {text}", file=sys.stderr))
    return _move("advance", lambda now: step.after(now, calendar))


def _move(command: str, target: Callable[[dt.datetime], dt.datetime], *, backwards: bool = False,
          start: dt.datetime | None = None) -> int:
    async def move(js: JetStreamContext, root: str) -> tuple[Reading, Reading]:
        return await move_clock(js, root, target, backwards=backwards, start=start)

    moved = _run(command, lambda settings: on_clock(settings, move))
    if isinstance(moved, int):
        return moved
    before, after = moved
    print(f"shared simulated clock: {beijing(after.now)}  [{after.now.isoformat()}]")
    if before.revision == 0 and before.now == after.now:
        print("a new shared clock: the services of this platform start on it")
    else:
        print(f"moved from {beijing(before.now)} by {after.now - before.now}")
    return 0


def _run(command: str, call: Callable[[CommonSettings], Awaitable[T]]) -> T | int:
    """The command's edge: production refuses; failures are said in a sentence, exit 1 or 2."""
    settings = ClockCommandSettings()
    if settings.env == "production":
        return _fail(command, PRODUCTION_REFUSAL)
    try:
        return asyncio.run(call(settings))
    except MovesBackwards as error:
        return _fail(command, f"{beijing(error.to)} is before the shared clock's {beijing(error.now)}; "
                              f"{BACKWARDS_REFUSAL}")
    except NoClock as error:
        return _fail(command, f"{error}: start the platform with `duban run --simulated-clock` "
                              "(DUBAN_CLOCK=simulated), or give it a time with `duban clock set`", code=1)
    except nats.errors.Error as error:
        return _fail(command, f"NATS: {error or type(error).__name__}; is the platform running with "
                              "`duban run --simulated-clock`?", code=1)
    except (OSError, ValueError, OverflowError) as error:
        return _fail(command, str(error), code=1)


def _fail(command: str, text: str, code: int = 2) -> int:
    print(f"duban clock {command}: error: {text}", file=sys.stderr)
    return code

"""Clocks. Business code receives one; it never calls ``now()`` itself.

Every clock can also tell a background loop that it jumped: ``clock.moves()`` gives the
caller an ``asyncio.Event`` of its own, set each time the clock is moved (never, for the
wall clock). A loop that schedules by the clock clears it, looks at ``now()``, does its
work and waits on it (with ``shared.waiting.first_of``), so a jump is acted on at once:

    moved = clock.moves()
    while not stop.is_set():
        moved.clear()
        await fire_what_is_due(clock.now())
        await first_of(stop, moved, timeout=interval)
"""

from __future__ import annotations

import asyncio
import datetime as dt
import weakref
from typing import Protocol
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current time, timezone-aware (UTC)."""
        ...

    def moves(self) -> asyncio.Event:
        """An event of the caller's own, set each time this clock jumps."""
        ...


def today_in_china(clock: Clock) -> dt.date:
    """The official date (Asia/Shanghai) at the clock's current time."""
    return clock.now().astimezone(CHINA).date()


def aware_utc(when: dt.datetime, what: str = "time") -> dt.datetime:
    """``when`` in UTC; a time without an offset is refused (whose 09:00 would it be?)."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"the {what} needs an offset, e.g. 2026-12-20T09:00+08:00")
    return when.astimezone(dt.UTC)


class MoveSignal:
    """Tells every waiter that a clock jumped: one ``asyncio.Event`` per waiter, so one
    waiter clearing its event never hides the jump from another. Events nobody holds any
    more are forgotten."""

    def __init__(self) -> None:
        self._events: weakref.WeakSet[asyncio.Event] = weakref.WeakSet()

    def subscribe(self) -> asyncio.Event:
        event = asyncio.Event()
        self._events.add(event)
        return event

    def notify(self) -> None:
        for event in list(self._events):
            event.set()


class SystemClock:
    """The wall clock. It never jumps: its ``moves()`` event is never set."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def moves(self) -> asyncio.Event:
        return asyncio.Event()


class SettableClock:
    """A clock for tests and simulation: it stands still until moved."""

    def __init__(self, start: dt.datetime) -> None:
        self._now = aware_utc(start, "start of a SettableClock")
        self._moved = MoveSignal()

    def now(self) -> dt.datetime:
        return self._now

    def moves(self) -> asyncio.Event:
        return self._moved.subscribe()

    def set(self, when: dt.datetime) -> None:
        self._now = aware_utc(when)
        self._moved.notify()

    def advance(self, delta: dt.timedelta) -> dt.datetime:
        self._now += delta
        self._moved.notify()
        return self._now


class ClockNotLoaded(RuntimeError):
    """The shared clock was read before its first value came from the bus."""


class SharedClock:
    """This process's view of the platform's shared simulated clock (shared/bus/clock_kv.py).

    The time lives on the bus; ``follow`` is called with each value the bus holds, and
    ``now()`` returns the last one from memory (synchronous, as engine steps need). It
    stands still between moves. Reading it before the first value arrived raises
    ``ClockNotLoaded``: a service never runs on a time the platform does not share.
    """

    def __init__(self) -> None:
        self._now: dt.datetime | None = None
        self._moved = MoveSignal()

    @property
    def loaded(self) -> bool:
        return self._now is not None

    def now(self) -> dt.datetime:
        if self._now is None:
            raise ClockNotLoaded("the shared simulated clock has not been read from the bus yet")
        return self._now

    def moves(self) -> asyncio.Event:
        return self._moved.subscribe()

    def follow(self, when: dt.datetime) -> None:
        """The bus says the platform's time is ``when`` (the first value, or a move)."""
        when = aware_utc(when, "shared clock's time")
        if when != self._now:
            first = self._now is None
            self._now = when
            if not first:
                self._moved.notify()

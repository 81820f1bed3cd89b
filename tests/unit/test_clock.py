"""The clocks in memory: what ``now()`` says, and who is woken when a clock jumps."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc

import pytest

from shared.clock import CHINA, ClockNotLoaded, SettableClock, SharedClock, SystemClock, aware_utc

START = dt.datetime(2026, 12, 20, 9, 0, tzinfo=CHINA)


def test_a_time_without_an_offset_is_refused_everywhere() -> None:
    naive = dt.datetime(2026, 12, 20, 9, 0)
    with pytest.raises(ValueError, match="offset"):
        aware_utc(naive)
    with pytest.raises(ValueError, match="offset"):
        SettableClock(naive)
    with pytest.raises(ValueError, match="offset"):
        SharedClock().follow(naive)
    assert aware_utc(START) == dt.datetime(2026, 12, 20, 1, 0, tzinfo=dt.UTC)
    assert aware_utc(START).tzinfo is dt.UTC


async def test_every_waiter_of_a_settable_clock_is_woken_by_each_move() -> None:
    clock = SettableClock(START)
    sweep, dispatcher = clock.moves(), clock.moves()
    assert not sweep.is_set() and not dispatcher.is_set()
    clock.advance(dt.timedelta(days=3))
    assert sweep.is_set() and dispatcher.is_set()
    sweep.clear()  # one waiter clearing its event hides nothing from the other
    assert dispatcher.is_set()
    clock.set(START + dt.timedelta(days=4))
    assert sweep.is_set()
    assert clock.now() == START + dt.timedelta(days=4)


async def test_a_waiter_blocked_on_the_event_resumes_when_the_clock_moves() -> None:
    clock = SettableClock(START)
    moved = clock.moves()
    woken = asyncio.create_task(moved.wait())
    await asyncio.sleep(0)  # let the waiter block (no time passes: the event decides)
    assert not woken.done()
    clock.advance(dt.timedelta(hours=2))
    await asyncio.wait_for(woken, timeout=5)
    assert woken.result() is True


def test_an_event_nobody_holds_any_more_is_forgotten() -> None:
    clock = SettableClock(START)
    kept = clock.moves()
    clock.moves()  # dropped at once
    gc.collect()
    assert len(clock._moved._events) == 1
    clock.advance(dt.timedelta(minutes=30))
    assert kept.is_set()


def test_the_wall_clock_never_jumps() -> None:
    clock = SystemClock()
    moved = clock.moves()
    before = clock.now()
    assert before.tzinfo is dt.UTC and not moved.is_set()
    assert clock.now() >= before


def test_the_shared_clock_cannot_be_read_before_its_first_value() -> None:
    clock = SharedClock()
    assert not clock.loaded
    with pytest.raises(ClockNotLoaded):
        clock.now()


def test_the_shared_clock_keeps_the_last_value_in_memory_and_wakes_on_moves_only() -> None:
    clock = SharedClock()
    moved = clock.moves()
    clock.follow(START)  # the first value: a start, not a jump
    assert clock.loaded and clock.now() == START and not moved.is_set()
    clock.follow(START.astimezone(dt.UTC))  # the same instant again (a watcher's redelivery)
    assert not moved.is_set()
    later = START + dt.timedelta(days=3)
    clock.follow(later)
    assert moved.is_set()
    assert clock.now() == later and clock.now().tzinfo is dt.UTC
    moved.clear()
    clock.follow(START)  # the bus went back (`duban clock set --backwards`): followed as well
    assert moved.is_set() and clock.now() == START

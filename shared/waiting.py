"""Waiting in background loops: for a wake-up, a stop, or the next interval."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from shared.clock import Clock

log = logging.getLogger("duban.background")


async def first_of(*events: asyncio.Event, timeout: float) -> None:
    """Wait until one of the events is set or the timeout passes."""
    waiters = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


def every(clock: Clock, seconds: float, step: Callable[[], Awaitable[bool]],
          what: str, wake: asyncio.Event | None = None) -> Callable[[asyncio.Event], Awaitable[None]]:
    """A background loop running ``step`` every ``seconds``, again at once while it answers True
    (more to do), at once when the (simulated) clock jumps and when ``wake`` is set (the step
    clears it); a failing step is logged and retried at the next turn."""

    async def loop(stop: asyncio.Event) -> None:
        moved = clock.moves()
        woken = (wake,) if wake is not None else ()
        while not stop.is_set():
            moved.clear()
            try:
                more = await step()
            except Exception:
                log.exception(f"{what} failed; retrying")
                more = False
            if not more:
                await first_of(stop, moved, *woken, timeout=seconds)

    return loop

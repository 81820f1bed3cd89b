"""Sending e-mail and webhook deliveries, with retries and a budget.

``dispatch_once`` claims the pending deliveries that are due by the clock, sends them
concurrently (each with its own timeout, so one slow or failing channel holds back no
other), and records each outcome in its own short transaction: sent; or tried again
after a back-off; or, once the attempts are spent, failed with the last error.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from services.notification import store
from services.notification.channels import Outgoing, Sender
from shared.clock import Clock
from shared.waiting import first_of

log = logging.getLogger("duban.notification.dispatcher")


@dataclass(frozen=True)
class RetryBudget:
    max_attempts: int
    backoff: tuple[float, ...]  # seconds before the 2nd, 3rd, … attempt; the last repeats

    def retry_at(self, attempts: int, now: dt.datetime) -> dt.datetime | None:
        """When to try again after ``attempts`` failed attempts; None once the budget is spent."""
        if attempts >= self.max_attempts:
            return None
        return now + dt.timedelta(seconds=self.backoff[min(attempts, len(self.backoff)) - 1])


class Dispatcher:
    def __init__(self, engine: AsyncEngine, clock: Clock, senders: Mapping[str, Sender], budget: RetryBudget,
                 *, send_timeout: float, batch: int = 50, idle_interval: float = 5.0) -> None:
        self.engine, self.clock, self.senders, self.budget = engine, clock, senders, budget
        self.send_timeout, self.batch, self.idle_interval = send_timeout, batch, idle_interval
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """New deliveries were committed: send them now rather than at the next interval."""
        self._wake.set()

    async def dispatch_once(self) -> int:
        """Send what is due; the number of deliveries attempted."""
        now = self.clock.now()
        lease_until = now + dt.timedelta(seconds=self.send_timeout * 2 + 60)
        async with self.engine.begin() as connection:
            claimed = await store.claim_due(connection, now, lease_until, self.batch)
        await asyncio.gather(*(self._attempt(Outgoing.from_row(row), row.attempts + 1) for row in claimed))
        return len(claimed)

    async def _attempt(self, outgoing: Outgoing, attempt: int) -> None:
        try:
            sender = self.senders[outgoing.channel]
            await asyncio.wait_for(sender.send(outgoing), self.send_timeout)
        except Exception as error:  # any failure of one delivery is that delivery's alone
            await self._failed(outgoing, attempt, error)
        else:
            async with self.engine.begin() as connection:
                await store.record_sent(connection, outgoing.id, attempt, self.clock.now())

    async def _failed(self, outgoing: Outgoing, attempt: int, error: Exception) -> None:
        retry_at = self.budget.retry_at(attempt, self.clock.now())
        reason = f"{type(error).__name__}: {error}" if str(error) else repr(error)
        log.warning("delivery failed", extra={"delivery": str(outgoing.id), "channel": outgoing.channel,
                                               "attempt": attempt, "error": reason, "gave_up": retry_at is None})
        async with self.engine.begin() as connection:
            await store.record_failure(connection, outgoing.id, attempt, reason, retry_at)

    async def run(self, stop: asyncio.Event) -> None:
        """The background loop: dispatch when woken, or every ``idle_interval`` for due retries."""
        while not stop.is_set():
            self._wake.clear()
            try:
                full = await self.dispatch_once() >= self.batch
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("dispatch failed; trying again")
                full = False
            if not full:
                await first_of(self._wake, stop, timeout=self.idle_interval)

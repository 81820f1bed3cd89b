"""Sending e-mail and webhook deliveries, with retries and a budget.

``dispatch_once`` runs a few workers (``workers``, so one slow or failing channel holds
back no other). Each worker takes one due delivery at a time: the claim gives that
delivery a lease of ``send_timeout`` plus a small margin, starting as its send starts; the
worker sends it (bounded by ``send_timeout``) and records the outcome in its own short
transaction (sent; or tried again after a back-off; or, once the attempts are spent,
failed with the last error) before it takes the next one.

At-least-once: a worker that dies after the receiver accepted but before the outcome is
recorded leaves the delivery to be sent again once its lease ends; the repeat carries the
same ``Message-ID`` (e-mail) or ``delivery_id`` (webhook), so the receiver can drop it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from services.notification import store
from services.notification.channels import Outgoing, Sender
from services.notification.clean import plain_text
from shared.clock import Clock
from shared.waiting import first_of

log = logging.getLogger("duban.notification.dispatcher")

LEASE_MARGIN_SECONDS = 5.0  # claim to send, and send to record, on a healthy database


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
                 *, send_timeout: float, batch: int = 50, workers: int = 4, idle_interval: float = 5.0,
                 lease_margin: float = LEASE_MARGIN_SECONDS) -> None:
        self.engine, self.clock, self.senders, self.budget = engine, clock, senders, budget
        self.send_timeout, self.batch, self.workers, self.idle_interval = send_timeout, batch, workers, idle_interval
        self.lease = dt.timedelta(seconds=send_timeout + lease_margin)
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """New deliveries were committed: send them now rather than at the next interval."""
        self._wake.set()

    async def dispatch_once(self) -> int:
        """Send what is due, ``workers`` at a time, at most ``batch``; the number attempted."""
        left = [self.batch]  # shared by the workers (one event loop: no lock needed)
        # a worker whose database fails stops; the others finish and record what they are sending
        done = await asyncio.gather(*(self._work(left) for _ in range(min(self.workers, self.batch))),
                                    return_exceptions=True)
        for outcome in done:
            if isinstance(outcome, BaseException):
                raise outcome
        return sum(n for n in done if isinstance(n, int))

    async def _work(self, left: list[int]) -> int:
        attempted = 0
        while left[0] > 0:
            left[0] -= 1
            row = await self._claim()
            if row is None:
                break
            await self._attempt(Outgoing.from_row(row), row.attempts + 1)
            attempted += 1
        return attempted

    async def _claim(self) -> Any:
        now = self.clock.now()
        async with self.engine.begin() as connection:
            return await store.claim_next(connection, now, now + self.lease)

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
        reason = plain_text(f"{type(error).__name__}: {error}" if str(error) else repr(error))
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

"""The dispatch loop: e-mail and webhooks go out when new deliveries are committed, and
retries when they fall due."""

from __future__ import annotations

import asyncio
import logging

from services.notification.service import NotificationService

log = logging.getLogger("duban.notification.dispatch")


async def dispatch_loop(service: NotificationService, stop: asyncio.Event, *, idle_interval: float) -> None:
    """Dispatch when woken, or every ``idle_interval`` seconds for due retries, until ``stop``;
    then (the service stopping) the senders' connections are closed."""
    try:
        while not stop.is_set():
            try:
                full = await service.dispatch_due() >= service.dispatching.batch
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("dispatch failed; trying again")
                full = False
            if not full:  # a full round: more may be due at once
                await service.wait_for_work(stop, idle_interval)
    finally:
        await service.close()

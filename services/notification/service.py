"""The notification service's use cases, each in one transaction of its store.

- ``record``: events (or free messages) consumed together are recorded once each, their
  items updated and their deliveries written in one transaction (events no rule reacts to,
  about half of an item's, are left out: nothing to record); the inbox channel is
  delivered right there (its row is the message), e-mail and webhooks wait for
  ``dispatch_due``, which is woken after the commit.
- ``send_free_message``: the ``SendNotification`` command, one delivery per (command,
  recipient, channel); an unknown recipient is skipped with a warning.
- ``inbox`` / ``mark_read``: the caller's own messages (站内信).
- ``deliveries`` / ``retry_delivery``: the office's view of e-mail and webhook deliveries.
- ``dispatch_due``: a round of sends in chunks of ``workers``. One statement claims a chunk
  of due deliveries with a lease of the send timeout plus a margin, starting as their sends
  start; they are sent at once (each bounded by the timeout) and one statement records their
  outcomes, in the transaction that claims the next chunk. At-least-once: a dispatcher that
  dies after the receiver accepted but before the outcome is recorded leaves the delivery to
  be sent again once its lease ends; the repeat carries the same ``Message-ID`` (e-mail) or ``delivery_id`` (webhook).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Protocol
from uuid import UUID

from services.notification.domain import deliveries as d
from services.notification.domain.clean import plain_text
from services.notification.domain.deliveries import Attempt, Delivery, NewDelivery, Outgoing, Render
from services.notification.domain.messages import clean_item
from services.notification.domain.rules import Directory, ItemInfo, Notice, item_after, notices_for, reacts_to
from shared.clock import Clock
from shared.contracts.base import Event, Message
from shared.contracts.commands import SendNotification
from shared.retry import RetryPolicy
from shared.waiting import first_of

log = logging.getLogger("duban.notification")
LEASE_MARGIN_SECONDS = 5.0  # claim to send, and send to record, on a healthy database


# --- what the use cases need (the adapters, or fakes) ----------------------------------------------
class Transaction(Protocol):
    async def record_consumed(self, messages: Sequence[Message], now: dt.datetime) -> list[Message]: ...
    async def items(self, item_ids: set[UUID]) -> dict[UUID, ItemInfo]: ...
    async def save_items(self, changed: Sequence[ItemInfo], now: dt.datetime) -> None: ...
    async def add_deliveries(self, new: Sequence[NewDelivery]) -> int: ...
    async def claim_due(self, now: dt.datetime, lease_until: dt.datetime, limit: int) -> list[Delivery]: ...
    async def record_attempts(self, attempts: Sequence[Attempt]) -> None: ...
    async def retry_failed(self, delivery_id: int, now: dt.datetime) -> Delivery | None: ...
    async def delivery(self, delivery_id: int) -> Delivery | None: ...
    async def with_status(self, status: str, limit: int) -> list[Delivery]: ...
    async def inbox(self, username: str, *, unread_only: bool, limit: int) -> tuple[list[Delivery], int]: ...
    async def mark_read(self, message_id: int, username: str, now: dt.datetime) -> Delivery | None: ...


class Store(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[Transaction]: ...
    def reading(self) -> AbstractAsyncContextManager[Transaction]: ...


class Sender(Protocol):
    async def send(self, outgoing: Outgoing) -> None: ...
    async def round_done(self) -> None: ...
    async def close(self) -> None: ...


# --- refusals -----------------------------------------------------------------------------------------
class NoSuchMessage(LookupError):
    def __init__(self, message_id: int) -> None:
        super().__init__(f"消息 {message_id} 不存在")


class NoSuchDelivery(LookupError):
    def __init__(self, delivery_id: int) -> None:
        super().__init__(f"投递 {delivery_id} 不存在")


class DeliveryNotFailed(RuntimeError):
    def __init__(self, delivery: Delivery) -> None:
        super().__init__(f"投递 {delivery.id} 的状态是 {delivery.status}，未失败，不能重发")


@dataclass(frozen=True)
class Inbox:
    messages: list[Delivery]
    unread: int


@dataclass(frozen=True)
class Dispatching:
    """How deliveries are sent: attempts and back-off, the send timeout, a round's size."""

    retry: RetryPolicy
    send_timeout: float
    batch: int = 50  # deliveries attempted by one round at most
    workers: int = 4  # deliveries in flight at once
    lease_margin: float = LEASE_MARGIN_SECONDS


@dataclass
class NotificationService:
    store: Store
    clock: Clock
    directory: Directory
    render: Render
    senders: Mapping[str, Sender]
    dispatching: Dispatching
    _due: asyncio.Event = field(default_factory=asyncio.Event, init=False)

    # --- recording --------------------------------------------------------------------------------
    async def record(self, messages: Sequence[Message]) -> int:
        """Messages consumed together, in stream order, in one transaction; how many were new.
        An event no rule reacts to is not even recorded (nor is a transaction opened for a batch
        of only such events): it changes nothing and tells nobody, so a repeat of it cannot either."""
        now, planned = self.clock.now(), []
        wanted = [m for m in messages if isinstance(m, SendNotification) or (isinstance(m, Event) and reacts_to(m))]
        if not wanted:
            return 0
        async with self.store.transaction() as tx:
            fresh = await tx.record_consumed(wanted, now)
            known = await tx.items({i for m in fresh if isinstance(m, Event)  # all react: filtered above
                                    and (i := getattr(m, "item_id", None)) is not None})
            changed: dict[UUID, ItemInfo] = {}
            for message in fresh:
                planned += self._deliveries_of(message, known, changed, now)
            await tx.save_items(list(changed.values()), now)
            await tx.add_deliveries(planned)
        if any(delivery.status == d.PENDING for delivery in planned):
            self.wake()
        return len(fresh)

    async def record_event(self, event: Event) -> None:
        await self.record([event])

    async def send_free_message(self, command: SendNotification) -> None:
        await self.record([command])

    def _deliveries_of(self, message: Message, known: dict[UUID, ItemInfo], changed: dict[UUID, ItemInfo],
                       now: dt.datetime) -> list[NewDelivery]:
        item = None
        if isinstance(message, SendNotification):
            notices = [Notice(name, d.FREE_MESSAGE) for name in message.recipients]
        elif isinstance(message, Event) and reacts_to(message):
            item_id = getattr(message, "item_id", None)
            after = item_after(message, known.get(item_id) if item_id else None)
            item = clean_item(after) if after is not None else None  # one line, and no NUL for PostgreSQL
            if item is not None and item != known.get(item.item_id):
                known[item.item_id] = changed[item.item_id] = item
            notices = notices_for(message, item, self.directory)  # UnknownItem: retried until the item is known
        else:
            return []
        planned = d.plan(message, item, notices, self.directory, self.render, now)
        for recipient in planned.unknown:
            log.warning("recipient not in the directory",
                        extra={"recipient": recipient, "event": str(message.event_id), "kind": message.kind})
        return planned.deliveries

    # --- the inbox and the office's view ---------------------------------------------------------------
    async def inbox(self, username: str, *, unread_only: bool = False, limit: int = 50) -> Inbox:
        async with self.store.reading() as tx:
            return Inbox(*await tx.inbox(username, unread_only=unread_only, limit=limit))

    async def mark_read(self, message_id: int, username: str) -> Delivery:
        """Mark one of the user's messages read (the first time only); someone else's is not found."""
        async with self.store.transaction() as tx:
            message = await tx.mark_read(message_id, username, self.clock.now())
        if message is None:
            raise NoSuchMessage(message_id)
        return message

    async def deliveries(self, status: str, limit: int = 100) -> list[Delivery]:
        async with self.store.reading() as tx:
            return await tx.with_status(status, limit)

    async def retry_delivery(self, delivery_id: int) -> Delivery:
        """A failed e-mail or webhook delivery is sent again, with a fresh retry budget."""
        async with self.store.transaction() as tx:
            again = await tx.retry_failed(delivery_id, self.clock.now())
            found = again or await tx.delivery(delivery_id)
        if found is None:
            raise NoSuchDelivery(delivery_id)
        if again is None:
            raise DeliveryNotFailed(found)
        self.wake()
        return again

    # --- dispatching -------------------------------------------------------------------------------------
    def wake(self) -> None:
        """New deliveries are due: dispatch them now rather than at the next interval."""
        self._due.set()

    @property
    def has_work(self) -> bool:
        """Woken since the last dispatch round started."""
        return self._due.is_set()

    async def wait_for_work(self, stop: asyncio.Event, timeout: float) -> None:
        """Until woken (at once if woken during the last round), stopped, or ``timeout``
        seconds have passed (for due retries)."""
        await first_of(self._due, stop, timeout=timeout)

    async def dispatch_due(self) -> int:
        """Send what is due, at most ``batch``, in chunks of ``workers`` sent at once; the
        number attempted. A chunk costs two statements (its claim, its outcomes) however
        many it holds, and a claim that finds fewer than it asked for is the round's last."""
        self._due.clear()  # what is committed from now on wakes the next round
        round_ = _Round(self, left=self.dispatching.batch)
        try:
            return await round_.run()
        finally:
            for sender in self.senders.values():
                await sender.round_done()

    async def close(self) -> None:
        """Release the senders' connections (at shutdown)."""
        for sender in self.senders.values():
            await sender.close()


@dataclass
class _Round:
    """Chunks of at most ``workers`` deliveries: one statement claims a chunk, its sends run
    at once, and one statement records their outcomes, in the transaction that claims the
    next chunk. A chunk's sends all start as it is claimed, so each lease (the send timeout
    plus a margin) starts with its send; the next chunk waits for the chunk's slowest send
    (at most the send timeout)."""

    service: NotificationService
    left: int

    async def run(self) -> int:
        s = self.service
        lease = dt.timedelta(seconds=s.dispatching.send_timeout + s.dispatching.lease_margin)
        attempted, outcomes, take = 0, [], min(s.dispatching.workers, self.left)
        while True:
            async with s.store.transaction() as tx:  # the last chunk's outcomes, then the next claim
                await tx.record_attempts(outcomes)
                now = s.clock.now()
                claimed = await tx.claim_due(now, now + lease, take) if take else []
            if not claimed:
                return attempted
            self.left -= len(claimed)
            # fewer than asked for: nothing else was due, so no claim after this chunk
            take = min(take, self.left) if len(claimed) == take else 0
            outcomes = list(await asyncio.gather(*(self._attempt(delivery) for delivery in claimed)))
            attempted += len(claimed)

    async def _attempt(self, delivery: Delivery) -> Attempt:
        s, attempt = self.service, delivery.attempts + 1
        try:
            await asyncio.wait_for(s.senders[delivery.channel].send(Outgoing.of(delivery)),
                                   s.dispatching.send_timeout)
        except Exception as error:  # any failure of one delivery is that delivery's alone
            delay = s.dispatching.retry.delay_after(attempt)
            now = s.clock.now()
            retry_at = None if delay is None else now + dt.timedelta(seconds=delay)
            reason = plain_text(f"{type(error).__name__}: {error}" if str(error) else repr(error))
            log.warning("delivery failed", extra={"delivery": str(delivery.id), "channel": delivery.channel,
                                                   "attempt": attempt, "error": reason, "gave_up": retry_at is None})
            return Attempt(delivery_id=delivery.id, attempts=attempt, error=reason, retry_at=retry_at)
        return Attempt(delivery_id=delivery.id, attempts=attempt, sent_at=s.clock.now())

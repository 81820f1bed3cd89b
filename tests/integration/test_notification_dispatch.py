"""The dispatcher against a real database (SQLite and PostgreSQL) and a real SMTP server:
a lease per delivery from the moment its send starts, each send recorded before the
worker's next one, a few sends at once, and what a dispatcher that dies leaves behind."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.notification import store
from services.notification.channels import Outgoing, SmtpSender
from services.notification.dispatcher import LEASE_MARGIN_SECONDS, Dispatcher, RetryBudget
from services.notification.tables import deliveries
from shared.clock import SettableClock
from shared.storage.database import create_engine
from shared.storage.migrations import upgrade
from tests.integration.test_notification_delivery import free_port, smtp_server
from tests.support.eventually import eventually
from tests.support.services import NOW

SEND_TIMEOUT = 12.0
LEASE = dt.timedelta(seconds=SEND_TIMEOUT + LEASE_MARGIN_SECONDS)
BUDGET = RetryBudget(3, (60.0,))


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    await asyncio.to_thread(upgrade, database_url, "notification")
    engine = create_engine(database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


async def add_mails(engine: AsyncEngine, count: int) -> list[int]:
    event_id = uuid.uuid4()
    rows = [{"event_id": event_id, "recipient": f"user{n}", "channel": "email", "address": f"user{n}@example.gov.cn",
             "event_kind": "item.assigned", "template": "item_assigned_lead", "item_id": None, "item_code": None,
             "title": f"【督办交办】第{n}件", "body": "请签收。", "link": None, "status": store.PENDING,
             "attempts": 0, "next_attempt_at": NOW, "last_error": None, "created_at": NOW, "sent_at": None,
             "read_at": None} for n in range(count)]
    async with engine.begin() as connection:
        await store.add_deliveries(connection, rows)
        found = await connection.execute(select(deliveries.c.id).where(deliveries.c.event_id == event_id)
                                         .order_by(deliveries.c.id))
        return [row.id for row in found]


async def states(engine: AsyncEngine) -> dict[int, tuple[str, dt.datetime | None]]:
    async with engine.connect() as connection:
        found = await connection.execute(select(deliveries.c.id, deliveries.c.status, deliveries.c.next_attempt_at))
        return {row.id: (row.status, row.next_attempt_at) for row in found}


def dispatcher(engine: AsyncEngine, clock: SettableClock, sender: Any, workers: int = 1) -> Dispatcher:
    return Dispatcher(engine, clock, {"email": sender}, BUDGET, send_timeout=SEND_TIMEOUT, workers=workers)


class Stuck:
    """A send that never comes back: the dispatcher holding it is killed mid-send."""

    def __init__(self) -> None:
        self.started = asyncio.Event()

    async def send(self, outgoing: Outgoing) -> None:
        self.started.set()
        await asyncio.Event().wait()


async def test_a_mail_claimed_by_a_dispatcher_that_died_is_due_again_after_its_short_lease_and_not_before(
        engine: AsyncEngine) -> None:
    clock = SettableClock(NOW)
    [mail_id] = await add_mails(engine, 1)
    stuck = Stuck()
    dying = asyncio.create_task(dispatcher(engine, clock, stuck).dispatch_once())
    await asyncio.wait_for(stuck.started.wait(), timeout=10)
    dying.cancel()  # the process dies: nothing is recorded
    with pytest.raises(asyncio.CancelledError):
        await dying
    assert (await states(engine))[mail_id] == (store.PENDING, NOW + LEASE)

    port = free_port()
    with smtp_server(port) as mailbox:
        healthy = dispatcher(engine, clock, SmtpSender("127.0.0.1", port, "duban@example.gov.cn", timeout=5.0))
        clock.advance(LEASE - dt.timedelta(seconds=1))
        assert await healthy.dispatch_once() == 0 and mailbox.mails == []
        clock.advance(dt.timedelta(seconds=1))
        assert await healthy.dispatch_once() == 1
        [mail] = mailbox.mails
    assert (await states(engine))[mail_id] == (store.SENT, None)
    assert mail["Message-ID"].startswith(f"<delivery-{mail_id}.")


async def test_each_lease_starts_with_its_own_send_and_each_send_is_recorded_before_the_next(
        engine: AsyncEngine) -> None:
    clock = SettableClock(NOW)
    ids = await add_mails(engine, 3)
    seen: list[dict[int, tuple[str, dt.datetime | None]]] = []

    class Slow:
        """Each send takes a minute of the clock; it notes what the database says as it starts."""

        async def send(self, outgoing: Outgoing) -> None:
            seen.append(await states(engine))
            clock.advance(dt.timedelta(minutes=1))

    assert await dispatcher(engine, clock, Slow()).dispatch_once() == 3
    minute = dt.timedelta(minutes=1)
    first, second, third = ids
    assert seen[0] == {first: (store.PENDING, NOW + LEASE), second: (store.PENDING, NOW), third: (store.PENDING, NOW)}
    assert seen[1] == {first: (store.SENT, None), second: (store.PENDING, NOW + minute + LEASE),
                       third: (store.PENDING, NOW)}
    assert seen[2] == {first: (store.SENT, None), second: (store.SENT, None),
                       third: (store.PENDING, NOW + 2 * minute + LEASE)}
    assert await states(engine) == dict.fromkeys(ids, (store.SENT, None))


async def test_a_few_workers_send_at_once_and_no_more(engine: AsyncEngine) -> None:
    clock = SettableClock(NOW)
    ids = await add_mails(engine, 5)
    gate, in_flight, most = asyncio.Event(), [0], [0]

    class Gated:
        async def send(self, outgoing: Outgoing) -> None:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
            await gate.wait()
            in_flight[0] -= 1

    async def flying() -> int:
        return in_flight[0]

    round_ = asyncio.create_task(dispatcher(engine, clock, Gated(), workers=2).dispatch_once())
    await eventually(flying, lambda n: n == 2)
    leased = {i for i, (_, at) in (await states(engine)).items() if at != NOW}
    assert len(leased) == 2 and leased < set(ids)  # the other three are not claimed while two are in flight
    gate.set()
    assert await round_ == 5
    assert most[0] == 2 and await states(engine) == dict.fromkeys(ids, (store.SENT, None))

"""Dispatching against a real database (SQLite and PostgreSQL) and a real SMTP server:
a lease per delivery from the moment its send starts, each send recorded before the
next claim, a chunk of sends at once and their outcomes recorded together, what a dispatcher that dies leaves behind, and
SMTP connections kept across rounds (one per worker) until 15 s idle."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from services.notification.adapters.channels import SmtpSender, WebhookSender
from services.notification.adapters.store import SqlStore
from services.notification.adapters.tables import deliveries
from services.notification.app import build_service
from services.notification.config import NotificationSettings
from services.notification.domain.deliveries import PENDING, SENT, NewDelivery, Outgoing
from services.notification.service import LEASE_MARGIN_SECONDS, NotificationService, Sender
from shared.clock import SettableClock
from shared.identity import load_directory
from shared.storage.database import create_engine
from shared.storage.migrations import upgrade
from tests.integration.test_notification_delivery import free_port, smtp_server
from tests.support.eventually import eventually
from tests.support.services import NOW, REPO

SETTINGS = NotificationSettings(delivery_max_attempts=3, delivery_backoff_seconds=[60.0],
                                smtp_timeout=11.0, webhook_timeout=5.0)
SEND_TIMEOUT = 12.0  # the longer of the two timeouts, plus a second
LEASE = dt.timedelta(seconds=SEND_TIMEOUT + LEASE_MARGIN_SECONDS)
DIRECTORY = load_directory(REPO / "deploy" / "org.example.yaml")


class FakeSender:
    """A sender of the test's own: ``send`` is the test's; nothing to close."""

    async def round_done(self) -> None:
        pass

    async def close(self) -> None:
        pass


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
    new = [NewDelivery(event_id=event_id, recipient=f"user{n}", channel="email", address=f"user{n}@example.gov.cn",
                       event_kind="item.assigned", template="item_assigned_lead", item_id=None, item_code=None,
                       title=f"【督办交办】第{n}件", body="请签收。", link=None, status=PENDING, attempts=0,
                       next_attempt_at=NOW, last_error=None, created_at=NOW, sent_at=None, read_at=None)
           for n in range(count)]
    async with SqlStore(engine).transaction() as tx:
        assert await tx.add_deliveries(new) == count
    async with engine.connect() as connection:
        found = await connection.execute(select(deliveries.c.id).where(deliveries.c.event_id == event_id)
                                         .order_by(deliveries.c.id))
        return [row.id for row in found]


async def states(engine: AsyncEngine) -> dict[int, tuple[str, dt.datetime | None]]:
    async with engine.connect() as connection:
        found = await connection.execute(select(deliveries.c.id, deliveries.c.status, deliveries.c.next_attempt_at))
        return {row.id: (row.status, row.next_attempt_at) for row in found}


def dispatcher(engine: AsyncEngine, clock: SettableClock, sender: Sender, workers: int = 1) -> NotificationService:
    settings = SETTINGS.model_copy(update={"delivery_workers": workers})
    return build_service(settings, clock=clock, directory=DIRECTORY, db=engine, senders={"email": sender})


class Stuck(FakeSender):
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
    dying = asyncio.create_task(dispatcher(engine, clock, stuck).dispatch_due())
    await asyncio.wait_for(stuck.started.wait(), timeout=10)
    dying.cancel()  # the process dies: nothing is recorded
    with pytest.raises(asyncio.CancelledError):
        await dying
    assert (await states(engine))[mail_id] == (PENDING, NOW + LEASE)

    port = free_port()
    with smtp_server(port) as mailbox:
        healthy = dispatcher(engine, clock, SmtpSender("127.0.0.1", port, "duban@example.gov.cn", timeout=5.0))
        assert healthy.dispatching.send_timeout == SEND_TIMEOUT
        clock.advance(LEASE - dt.timedelta(seconds=1))
        assert await healthy.dispatch_due() == 0 and mailbox.mails == []
        clock.advance(dt.timedelta(seconds=1))
        assert await healthy.dispatch_due() == 1
        [mail] = mailbox.mails
    assert (await states(engine))[mail_id] == (SENT, None)
    assert mail["Message-ID"].startswith(f"<delivery-{mail_id}.")


async def test_each_lease_starts_with_its_own_send_and_each_send_is_recorded_before_the_next(
        engine: AsyncEngine) -> None:
    clock = SettableClock(NOW)
    ids = await add_mails(engine, 3)
    seen: list[dict[int, tuple[str, dt.datetime | None]]] = []

    class Slow(FakeSender):
        """Each send takes a minute of the clock; it notes what the database says as it starts."""

        async def send(self, outgoing: Outgoing) -> None:
            seen.append(await states(engine))
            clock.advance(dt.timedelta(minutes=1))

    assert await dispatcher(engine, clock, Slow()).dispatch_due() == 3
    minute = dt.timedelta(minutes=1)
    first, second, third = ids
    assert seen[0] == {first: (PENDING, NOW + LEASE), second: (PENDING, NOW), third: (PENDING, NOW)}
    assert seen[1] == {first: (SENT, None), second: (PENDING, NOW + minute + LEASE),
                       third: (PENDING, NOW)}
    assert seen[2] == {first: (SENT, None), second: (SENT, None),
                       third: (PENDING, NOW + 2 * minute + LEASE)}
    assert await states(engine) == dict.fromkeys(ids, (SENT, None))


async def test_a_few_workers_send_at_once_and_no_more(engine: AsyncEngine) -> None:
    clock = SettableClock(NOW)
    ids = await add_mails(engine, 5)
    gate, in_flight, most = asyncio.Event(), [0], [0]

    class Gated(FakeSender):
        async def send(self, outgoing: Outgoing) -> None:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
            await gate.wait()
            in_flight[0] -= 1

    async def flying() -> int:
        return in_flight[0]

    round_ = asyncio.create_task(dispatcher(engine, clock, Gated(), workers=2).dispatch_due())
    await eventually(flying, lambda n: n == 2)
    leased = {i for i, (_, at) in (await states(engine)).items() if at != NOW}
    assert len(leased) == 2 and leased < set(ids)  # the other three are not claimed while two are in flight
    gate.set()
    assert await round_ == 5
    assert most[0] == 2 and await states(engine) == dict.fromkeys(ids, (SENT, None))


async def test_the_outcomes_of_a_chunk_are_recorded_together_each_its_own(engine: AsyncEngine) -> None:
    clock = SettableClock(NOW)
    ids = await add_mails(engine, 3)
    refused = ids[1]

    class Picky(FakeSender):
        async def send(self, outgoing: Outgoing) -> None:
            if outgoing.id == refused:
                raise ConnectionRefusedError("no such mailbox")

    assert await dispatcher(engine, clock, Picky(), workers=3).dispatch_due() == 3
    async with engine.connect() as connection:
        found = {row.id: row for row in await connection.execute(select(deliveries).where(deliveries.c.id.in_(ids)))}
    assert {i: (r.status, r.attempts, r.sent_at, r.next_attempt_at) for i, r in found.items()} == {
        ids[0]: (SENT, 1, NOW, None), refused: (PENDING, 1, None, NOW + dt.timedelta(seconds=60)),
        ids[2]: (SENT, 1, NOW, None)}
    assert found[refused].last_error == "ConnectionRefusedError: no such mailbox"
    assert found[ids[0]].last_error is None


class Sessions:
    """An aiosmtpd handler noting the client end (address, port) of the connection each mail came on."""

    def __init__(self) -> None:
        self.peers: list[tuple[str, int]] = []

    async def handle_DATA(self, server: object, session: Any, envelope: object) -> str:
        self.peers.append(session.peer)
        return "250 OK"


async def test_a_round_sends_its_mails_over_at_most_one_connection_per_worker(engine: AsyncEngine) -> None:
    clock = SettableClock(NOW)
    ids = await add_mails(engine, 6)
    port, sessions = free_port(), Sessions()
    controller = Controller(sessions, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        smtp = SmtpSender("127.0.0.1", port, "duban@example.gov.cn", timeout=5.0)
        service = dispatcher(engine, clock, smtp, workers=2)
        assert await service.dispatch_due() == 6
        first_round = set(sessions.peers)
        assert len(sessions.peers) == 6 and len(first_round) <= 2  # at most one per worker, not one per mail
        assert await states(engine) == dict.fromkeys(ids, (SENT, None))
        [more] = await add_mails(engine, 1)
        assert await service.dispatch_due() == 1  # the next round goes on one of the first round's connections
        assert sessions.peers[-1] in first_round and (await states(engine))[more] == (SENT, None)
        assert smtp.opened == len(first_round)
    finally:
        await smtp.close()
        controller.stop()


class Timer:
    """The SMTP sender's monotonic clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_the_smtp_sender_keeps_its_connection_while_in_use_and_quits_it_after_15_idle_seconds(
        engine: AsyncEngine) -> None:
    clock, timer = SettableClock(NOW), Timer()
    port, sessions = free_port(), Sessions()
    controller = Controller(sessions, hostname="127.0.0.1", port=port)
    controller.start()
    smtp = SmtpSender("127.0.0.1", port, "duban@example.gov.cn", timeout=5.0, timer=timer)
    service = dispatcher(engine, clock, smtp, workers=1)
    try:
        for n in range(4):  # one mail a round, 14 s apart: never idle long enough to be closed
            [mail_id] = await add_mails(engine, 1)
            assert await service.dispatch_due() == 1 and (await states(engine))[mail_id] == (SENT, None)
            timer.now += 14.0
        assert len(sessions.peers) == 4 and len(set(sessions.peers)) == 1 and smtp.opened == 1
        timer.now += 1.5  # 15.5 s idle: the end of the next round says QUIT
        assert await service.dispatch_due() == 0 and smtp.open_connections == 0
        await add_mails(engine, 1)
        assert await service.dispatch_due() == 1
        assert smtp.opened == 2 and sessions.peers[-1] != sessions.peers[0]

        controller.stop()  # the server goes away while the connection is idle, and comes back
        controller = Controller(sessions, hostname="127.0.0.1", port=port)
        controller.start()
        [mail_id] = await add_mails(engine, 1)
        assert await service.dispatch_due() == 1  # the dead connection is replaced, the mail sent at once
        assert (await states(engine))[mail_id] == (SENT, None) and smtp.opened == 3 and len(sessions.peers) == 6
    finally:
        await smtp.close()
        controller.stop()


async def test_the_webhook_sender_keeps_one_client_and_its_connection_across_deliveries(engine: AsyncEngine) -> None:
    connections, bodies = [], []

    async def keep_alive(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer.get_extra_info("peername"))
        with contextlib.suppress(asyncio.IncompleteReadError):  # the client hung up
            while head := await reader.readuntil(b"\r\n\r\n"):
                length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length:"))
                bodies.append(await reader.readexactly(length))
                writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
                await writer.drain()
        writer.close()

    server = await asyncio.start_server(keep_alive, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/robot"
    hooks = WebhookSender(timeout=5.0)
    try:
        ids = await add_mails(engine, 3)
        async with engine.begin() as connection:
            await connection.execute(update(deliveries).values(channel="webhook", address=url))
        clock = SettableClock(NOW)
        one_at_a_time = SETTINGS.model_copy(update={"delivery_workers": 1})  # sends in parallel open more
        service = build_service(one_at_a_time, clock=clock, directory=DIRECTORY, db=engine, senders={"webhook": hooks})
        assert await service.dispatch_due() == 3
        assert await service.dispatch_due() == 0
        assert len(bodies) == 3 and len(connections) == 1  # one connection, kept alive across sends and rounds
        assert await states(engine) == dict.fromkeys(ids, (SENT, None))
    finally:
        await hooks.close()
        server.close()
        await server.wait_closed()
    assert hooks.client.is_closed

"""The notification service's use cases with fakes: an in-memory store (a transaction that
raises leaves it as it was) and senders that record or fail, wired through ``build_service``."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import datetime as dt
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx
import pytest

from services.notification.app import NotificationDeps, build_service, create_app
from services.notification.config import NotificationSettings
from services.notification.domain.deliveries import (
    FAILED,
    INBOX,
    PENDING,
    SENT,
    Attempt,
    Delivery,
    NewDelivery,
    Outgoing,
)
from services.notification.domain.rules import ItemInfo, UnknownItem
from services.notification.service import DeliveryNotFailed, NoSuchDelivery, NoSuchMessage, NotificationService
from shared.clock import SettableClock
from shared.contracts.base import Message
from shared.contracts.commands import SendNotification
from shared.contracts.events import TaskCreated
from shared.identity import load_directory
from tests.support.item_story import ItemStory
from tests.support.services import NOW, REPO, TEST_SECRET, auth, runtime_for

DIRECTORY = load_directory(REPO / "deploy" / "org.example.yaml")
SETTINGS = NotificationSettings(console_url="https://duban.example.gov.cn", delivery_max_attempts=3,
                                delivery_backoff_seconds=[60.0, 300.0])


class FakeStore:
    """The store's contract in memory; ``transaction`` keeps nothing of a block that raised."""

    def __init__(self) -> None:
        self.consumed: dict[uuid.UUID, Message] = {}
        self.items: dict[uuid.UUID, ItemInfo] = {}
        self.deliveries: dict[int, Delivery] = {}
        self.transactions = 0

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[FakeTransaction]:
        saved = copy.deepcopy((self.consumed, self.items, self.deliveries))
        try:
            yield FakeTransaction(self)
        except BaseException:
            self.consumed, self.items, self.deliveries = saved
            raise
        self.transactions += 1

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[FakeTransaction]:
        yield FakeTransaction(self)

    def of(self, **where: Any) -> list[Delivery]:
        return [d for d in self.deliveries.values() if all(getattr(d, k) == v for k, v in where.items())]


@dataclasses.dataclass
class FakeTransaction:
    store: FakeStore

    async def record_consumed(self, messages: Sequence[Message], now: dt.datetime) -> list[Message]:
        fresh = []
        for message in messages:
            if message.event_id not in self.store.consumed:
                self.store.consumed[message.event_id] = message
                fresh.append(message)
        return fresh

    async def items(self, item_ids: set[uuid.UUID]) -> dict[uuid.UUID, ItemInfo]:
        return {i: self.store.items[i] for i in item_ids if i in self.store.items}

    async def save_items(self, changed: Sequence[ItemInfo], now: dt.datetime) -> None:
        self.store.items.update({item.item_id: item for item in changed})

    async def add_deliveries(self, new: Sequence[NewDelivery]) -> int:
        added = 0
        for delivery in new:
            if not self.store.of(event_id=delivery.event_id, recipient=delivery.recipient, channel=delivery.channel):
                number = len(self.store.deliveries) + 1
                self.store.deliveries[number] = Delivery(id=number, **dataclasses.asdict(delivery))
                added += 1
        return added

    def _change(self, delivery: Delivery, **changes: Any) -> Delivery:
        self.store.deliveries[delivery.id] = changed = dataclasses.replace(delivery, **changes)
        return changed

    async def claim_due(self, now: dt.datetime, lease_until: dt.datetime, limit: int) -> list[Delivery]:
        due = sorted((d for d in self.store.of(status=PENDING) if d.next_attempt_at and d.next_attempt_at <= now),
                     key=lambda d: (d.next_attempt_at, d.id))
        return [self._change(d, next_attempt_at=lease_until) for d in due[:limit]]

    async def record_attempts(self, attempts: Sequence[Attempt]) -> None:
        for a in attempts:
            delivery = self.store.deliveries[a.delivery_id]
            if a.sent_at is not None:
                self._change(delivery, status=SENT, attempts=a.attempts, sent_at=a.sent_at, next_attempt_at=None)
            else:
                self._change(delivery, status=a.status, attempts=a.attempts, last_error=a.error,
                             next_attempt_at=a.retry_at)

    async def delivery(self, delivery_id: int) -> Delivery | None:
        found = self.store.deliveries.get(delivery_id)
        return found if found is not None and found.channel != INBOX else None

    async def retry_failed(self, delivery_id: int, now: dt.datetime) -> Delivery | None:
        found = await self.delivery(delivery_id)
        if found is None or found.status != FAILED:
            return None
        return self._change(found, status=PENDING, attempts=0, next_attempt_at=now)

    async def with_status(self, status: str, limit: int) -> list[Delivery]:
        return sorted((d for d in self.store.of(status=status) if d.channel != INBOX), key=lambda d: -d.id)[:limit]

    async def inbox(self, username: str, *, unread_only: bool, limit: int) -> tuple[list[Delivery], int]:
        mine = sorted(self.store.of(recipient=username, channel=INBOX), key=lambda d: -d.id)
        unread = [d for d in mine if d.read_at is None]
        return (unread if unread_only else mine)[:limit], len(unread)

    async def mark_read(self, message_id: int, username: str, now: dt.datetime) -> Delivery | None:
        [found] = self.store.of(id=message_id, recipient=username, channel=INBOX) or [None]
        if found is None or found.read_at is not None:
            return found
        return self._change(found, read_at=now)


class Sender:
    """Accepts every message, or refuses the first ``failures``."""

    def __init__(self, failures: int = 0) -> None:
        self.failures, self.sent, self.rounds, self.closed = failures, [], 0, False

    async def send(self, outgoing: Outgoing) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionRefusedError("the relay is down")
        self.sent.append(outgoing)

    async def round_done(self) -> None:
        self.rounds += 1

    async def close(self) -> None:
        self.closed = True


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(NOW)


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


def service_with(store: FakeStore, clock: SettableClock, mail: Sender | None = None,
                 hooks: Sender | None = None) -> NotificationService:
    return build_service(SETTINGS, clock=clock, directory=DIRECTORY, store=store,
                         senders={"email": mail or Sender(), "webhook": hooks or Sender()})


async def test_an_assignment_is_in_the_inbox_at_once_and_mailed_by_the_next_round(
        store: FakeStore, clock: SettableClock) -> None:
    mail, hooks = Sender(), Sender()
    service = service_with(store, clock, mail, hooks)
    story = ItemStory(lead="zjj", co=("tiedong",))
    assert await service.record([story.registered(), story.approved(), story.assigned()]) == 3
    assert store.transactions == 1  # the batch in one transaction
    assert [(d.recipient, d.channel, d.status) for d in store.deliveries.values()] == [
        ("zjj-liaison", "inbox", SENT), ("zjj-liaison", "email", PENDING),
        ("tiedong-liaison", "inbox", SENT), ("tiedong-liaison", "email", PENDING),
        ("tiedong-liaison", "webhook", PENDING)]
    assert store.items[story.item_id].due_date == dt.date(2026, 3, 9)
    assert service.has_work
    assert await service.dispatch_due() == 3
    assert [o.recipient for o in mail.sent] == ["zjj-liaison", "tiedong-liaison"]
    assert [o.recipient for o in hooks.sent] == ["tiedong-liaison"]
    assert {d.status for d in store.deliveries.values()} == {SENT} and (mail.rounds, hooks.rounds) == (1, 1)
    assert mail.sent[0].title == "【督办交办】督办〔2026〕1号 推进老旧小区改造"
    assert mail.sent[0].link == f"https://duban.example.gov.cn/items/{story.item_id}"


async def test_a_repeated_event_changes_nothing(store: FakeStore, clock: SettableClock) -> None:
    service = service_with(store, clock)
    story = ItemStory()
    events = [story.registered(), story.assigned()]
    await service.record(events)
    before = copy.deepcopy(store.deliveries)
    assert await service.record(events) == 0
    assert await service.record([events[1], events[1]]) == 0
    assert store.deliveries == before


async def test_an_event_no_rule_reacts_to_is_not_recorded_and_a_repeat_still_tells_no_one_twice(
        store: FakeStore, clock: SettableClock) -> None:
    service = service_with(store, clock)
    story = ItemStory()
    registered, assigned, signed, submitted = story.registered(), story.assigned(), story.signed(), story.submitted()
    assert await service.record([signed, submitted]) == 0
    assert (store.transactions, store.consumed) == (0, {})  # no transaction at all for them
    assert await service.record([registered, signed, assigned, submitted]) == 2
    assert set(store.consumed) == {registered.event_id, assigned.event_id}
    before = copy.deepcopy(store.deliveries)
    assert before and await service.record([assigned, signed]) == 0  # redelivered: no second notice
    assert store.deliveries == before


async def test_a_batch_naming_an_item_not_yet_known_records_nothing_and_goes_through_once_it_is(
        store: FakeStore, clock: SettableClock) -> None:
    service = service_with(store, clock)
    story = ItemStory()
    registered, assigned, closed = story.registered(), story.assigned(), story.closed("2026-03-06")
    with pytest.raises(UnknownItem):  # the consumer retries it (then one by one, with back-off)
        await service.record([assigned, closed])
    assert (store.consumed, store.deliveries) == ({}, {})
    await service.record_event(registered)
    assert await service.record([assigned, closed]) == 2
    assert [d.template for d in store.of(recipient="zjj-liaison", channel=INBOX)] == ["item_assigned_lead",
                                                                                       "item_closed"]


async def test_a_free_message_reaches_each_known_recipient_once(store: FakeStore, clock: SettableClock,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    service = service_with(store, clock)
    command = SendNotification(occurred_at=NOW, actor="office", recipients=["zjj-liaison", "nobody", "office"],
                               title="关于报送材料的通知", body="请于3月20日前报送。",
                               link="https://duban.example.gov.cn/docs/1")
    await service.send_free_message(command)
    await service.send_free_message(command)
    assert sorted((d.recipient, d.channel) for d in store.deliveries.values()) == [
        ("office", "email"), ("office", "inbox"), ("zjj-liaison", "email"), ("zjj-liaison", "inbox")]
    assert {(d.title, d.link) for d in store.deliveries.values()} == {
        ("【通知】关于报送材料的通知", "https://duban.example.gov.cn/docs/1")}
    assert [r.recipient for r in caplog.records if r.getMessage() == "recipient not in the directory"] == ["nobody"]


async def test_a_named_task_is_told_to_its_user_by_its_bpmn_name(store: FakeStore, clock: SettableClock) -> None:
    service = service_with(store, clock)
    story = ItemStory(leader="leader")
    task = TaskCreated(occurred_at=NOW, actor="system", task_id=uuid.uuid4(), task_kind="approve_item",
                       task_name="分管领导审批立项", item_id=story.item_id, assignee_unit=None,
                       assignee_role="leader", assignee_user="mayor", due_date=dt.date(2026, 3, 9))
    await service.record([story.registered(), task])
    [told] = store.of(channel=INBOX)
    assert (told.recipient, told.title) == ("mayor", "【待办提醒】分管领导审批立项 督办〔2026〕1号 推进老旧小区改造")


async def test_the_inbox_counts_unread_and_each_user_marks_only_their_own(store: FakeStore,
                                                                         clock: SettableClock) -> None:
    service = service_with(store, clock)
    story = ItemStory()
    await service.record([story.registered(), story.assigned(), story.closed("2026-03-06")])
    inbox = await service.inbox("zjj-liaison")
    assert inbox.unread == 2 and [m.template for m in inbox.messages] == ["item_closed", "item_assigned_lead"]
    newest = inbox.messages[0]
    with pytest.raises(NoSuchMessage, match=f"消息 {newest.id} 不存在"):
        await service.mark_read(newest.id, "tiexi-liaison")
    clock.advance(dt.timedelta(minutes=5))
    read = await service.mark_read(newest.id, "zjj-liaison")
    clock.advance(dt.timedelta(minutes=5))
    assert (await service.mark_read(newest.id, "zjj-liaison")).read_at == read.read_at == NOW + dt.timedelta(minutes=5)
    left = await service.inbox("zjj-liaison", unread_only=True)
    assert left.unread == 1 and [m.template for m in left.messages] == ["item_assigned_lead"]


async def test_a_failing_channel_is_retried_with_back_off_then_failed_and_the_office_retries_it(
        store: FakeStore, clock: SettableClock) -> None:
    mail = Sender(failures=10)
    service = service_with(store, clock, mail)
    story = ItemStory(co=())
    await service.record([story.registered(), story.assigned()])
    assert await service.dispatch_due() == 1
    [email] = store.of(channel="email")
    assert (email.status, email.attempts, email.next_attempt_at) == (PENDING, 1, NOW + dt.timedelta(seconds=60))
    assert "ConnectionRefusedError: the relay is down" in (email.last_error or "")
    assert await service.dispatch_due() == 0  # not due yet
    for backoff in (60, 300):
        clock.advance(dt.timedelta(seconds=backoff))
        assert await service.dispatch_due() == 1
    assert (await service.deliveries(FAILED))[0].attempts == 3  # the budget is spent
    assert await service.deliveries(PENDING) == []

    mail.failures = 0
    again = await service.retry_delivery(email.id)
    assert (again.status, again.attempts) == (PENDING, 0) and service.has_work
    assert await service.dispatch_due() == 1 and len(mail.sent) == 1
    with pytest.raises(DeliveryNotFailed, match="sent"):
        await service.retry_delivery(email.id)
    [inbox] = store.of(channel=INBOX)
    for missing in (inbox.id, 999):  # an inbox message is not a delivery to retry
        with pytest.raises(NoSuchDelivery):
            await service.retry_delivery(missing)


async def test_a_round_sends_at_most_its_batch_and_closing_closes_the_senders(store: FakeStore,
                                                                              clock: SettableClock) -> None:
    mail, hooks = Sender(), Sender()
    service = build_service(SETTINGS.model_copy(update={"delivery_batch": 3}), clock=clock, directory=DIRECTORY,
                            store=store, senders={"email": mail, "webhook": hooks})
    command = SendNotification(occurred_at=NOW, actor="office", title="通知", body="请阅。",
                               recipients=[u.username for u in DIRECTORY.users if u.channels == ["inbox", "email"]][:5])
    await service.send_free_message(command)
    assert (await service.dispatch_due(), await service.dispatch_due(), await service.dispatch_due()) == (3, 2, 0)
    assert len(mail.sent) == 5 and len({o.id for o in mail.sent}) == 5
    await service.close()
    assert mail.closed and hooks.closed


async def test_the_routes_call_the_use_cases_and_never_the_database(store: FakeStore, clock: SettableClock,
                                                                    tmp_path: Any) -> None:
    """The app wired with a fake store: nothing listens where its database and NATS would be."""
    settings = NotificationSettings(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none",
                                    nats_url="nats://127.0.0.1:1", org_file=REPO / "deploy" / "org.example.yaml",
                                    calendar_dir=tmp_path, data_dir=tmp_path, jwt_secret=TEST_SECRET)
    mail = Sender()
    app = create_app(settings, NotificationDeps(runtime_for(settings, clock), store=store,
                                                senders={"email": mail, "webhook": Sender()}))
    story = ItemStory(co=())
    await app.state.service.record([story.registered(), story.assigned()])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        inbox = (await client.get("/inbox", headers=auth("zjj-liaison"))).json()
        assert inbox["unread"] == 1 and inbox["items"][0]["title"].startswith("【督办交办】")
        read = await client.post(f"/inbox/{inbox['items'][0]['id']}/read", headers=auth("zjj-liaison"))
        assert read.status_code == 200 and read.json()["read"] is True
        missing = await client.post("/inbox/77/read", headers=auth("zjj-liaison"))
        assert (missing.status_code, missing.json()) == (404, {"detail": "消息 77 不存在"})
        pending = (await client.get("/deliveries", params={"status": "pending"}, headers=auth("office"))).json()
        assert [d["channel"] for d in pending["items"]] == ["email"]
        refused = await client.post(f"/deliveries/{pending['items'][0]['id']}/retry", headers=auth("office"))
        assert refused.status_code == 409 and "pending" in refused.json()["detail"]
    assert mail.sent == []  # nothing was dispatched: the app's loops never ran

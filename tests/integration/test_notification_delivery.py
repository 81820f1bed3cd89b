"""The notification service against real NATS, a real database, a real SMTP server and
a local webhook receiver: one delivery per (event, recipient, channel), retries, failures."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import email
import email.policy
import json
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiosmtpd.controller import Controller
from fastapi import FastAPI
from sqlalchemy import select

from services.notification.adapters.tables import consumed, deliveries, items
from services.notification.app import create_app
from services.notification.config import NotificationSettings
from shared.bus.publisher import JetStreamPublisher
from shared.bus.topology import Topology
from shared.clock import SettableClock
from shared.contracts.commands import SendNotification
from shared.contracts.events import ItemAssigned, ItemRegistered, TaskCreated
from tests.support.eventually import eventually
from tests.support.samples import item_registered
from tests.support.services import NOW, REPO, TEST_SECRET, auth, runtime_for, serving

BACKOFF = [60.0, 300.0]


# --- receivers -------------------------------------------------------------------------------------
class Mailbox:
    """An aiosmtpd handler keeping every accepted mail."""

    def __init__(self) -> None:
        self.mails: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mails.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@contextlib.contextmanager
def smtp_server(port: int) -> Iterator[Mailbox]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()


class WebhookReceiver:
    """A tiny HTTP server: answers each POST with the next planned status (then 200)."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.received: list[tuple[int, dict[str, Any]]] = []
        self.url = ""

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:"))
        body = json.loads(await reader.readexactly(length))
        status = self.statuses.pop(0) if self.statuses else 200
        self.received.append((status, body))
        writer.write(f"HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        writer.close()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[WebhookReceiver]:
        server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/robot"
        try:
            yield self
        finally:
            server.close()
            await server.wait_closed()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- the service -------------------------------------------------------------------------------------
def org_file(tmp_path: Path, **channels: dict[str, Any]) -> Path:
    """The demo org with inbox-only users, except those given (username=dict(channels=…, webhook=…))."""
    org = yaml.safe_load((REPO / "deploy" / "org.example.yaml").read_text(encoding="utf-8"))
    for user in org["users"]:
        user.update({"channels": ["inbox"], "webhook": None})
        user.update(channels.get(user["username"].replace("-", "_"), {}))
    path = tmp_path / "org.yaml"
    path.write_text(yaml.safe_dump(org, allow_unicode=True), encoding="utf-8")
    return path


def notification_app(nats_url: str, database_url: str, topology: Topology, tmp_path: Path, clock: SettableClock,
                     org: Path, **overrides: Any) -> FastAPI:
    settings = NotificationSettings(
        nats_url=nats_url, database_url=database_url, bus_root=topology.root, data_dir=tmp_path,
        calendar_dir=tmp_path / "calendar", org_file=org, jwt_secret=TEST_SECRET, retry_delays=[0.0],
        console_url="https://duban.example.gov.cn", delivery_max_attempts=3, delivery_backoff_seconds=BACKOFF,
        dispatch_interval_seconds=3600.0, smtp_timeout=2.0, webhook_timeout=2.0, **overrides)
    return create_app(settings, deps=runtime_for(settings, clock))


def item_events() -> tuple[ItemRegistered, ItemAssigned]:
    """An item registered and assigned to 市住建局 (zjj), with 铁东区 (tiedong) helping."""
    registered = item_registered(lead_unit="zjj", co_units=["tiedong"])
    assignment = ItemAssigned(occurred_at=NOW, actor="system", item_id=registered.item_id, lead_unit="zjj",
                              co_units=["tiedong"], due_date=dt.date(2026, 3, 9), due_date_estimated=False,
                              sign_due_date=dt.date(2026, 3, 3))
    return registered, assignment


def workflow_publisher(app: FastAPI) -> JetStreamPublisher:
    """Publishes on the service's bus as the workflow service, the producer its events and commands name."""
    return JetStreamPublisher(app.state.runtime.bus, app.state.runtime.topology, "workflow")


async def publish_item(app: FastAPI) -> uuid.UUID:
    registered, assignment = item_events()
    for event in (registered, assignment):
        await workflow_publisher(app).publish(event)
    await drained(app, 2)
    return registered.item_id


async def drained(app: FastAPI, count: int, *, commands: bool = False) -> None:
    """Wait until the service's consumer (of events, or of the send command) has handled ``count`` messages."""
    runtime = app.state.runtime
    js = runtime.bus.js
    stream, durable = ((runtime.topology.commands_stream, "notification-send") if commands
                       else (runtime.topology.events_stream, "notification"))
    await eventually(lambda: js.consumer_info(stream, durable),
                     lambda c: c.delivered.stream_seq >= count and c.num_pending == 0 and c.num_ack_pending == 0)


async def rows(app: FastAPI, **where: Any) -> list[Any]:
    query = select(deliveries).where(*(deliveries.c[k] == v for k, v in where.items()))
    async with app.state.runtime.db.connect() as connection:
        return list((await connection.execute(query.order_by(deliveries.c.channel))).all())


async def one_row(app: FastAPI, channel: str) -> Any:
    [row] = await rows(app, recipient="zjj-liaison", channel=channel)
    return row


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(NOW)


# --- the tests -------------------------------------------------------------------------------------------
async def test_the_same_event_twice_gives_one_notification_per_channel(
        nats_url: str, database_url: str, topology: Topology, tmp_path: Path, clock: SettableClock) -> None:
    port = free_port()
    async with WebhookReceiver([]).running() as hook:
        org = org_file(tmp_path, zjj_liaison={"channels": ["inbox", "email", "webhook"], "webhook": hook.url})
        app = notification_app(nats_url, database_url, topology, tmp_path, clock, org, smtp_port=port)
        with smtp_server(port) as mailbox:
            async with serving(app) as client:
                registered, assignment = item_events()
                publisher = workflow_publisher(app)
                await publisher.publish(registered)
                await publisher.publish(assignment)
                # the same event again under another message id: the stream keeps both copies
                copy = await publisher.publish_raw(assignment.subject, assignment.to_json(), message_id="copy")
                assert not copy.duplicate
                await drained(app, 3)
                await eventually(lambda: _value(len(mailbox.mails) + len(hook.received)), lambda n: n == 2)
                # the receivers have the messages a moment before the dispatcher records them sent
                sent = await eventually(lambda: rows(app, recipient="zjj-liaison"),
                                        lambda got: all(r.status == "sent" for r in got))
                assert await app.state.service.dispatch_due() == 0
                assert [(r.channel, r.status, r.attempts) for r in sent] == [
                    ("email", "sent", 1), ("inbox", "sent", 0), ("webhook", "sent", 1)]
                assert [r.channel for r in await rows(app, recipient="tiedong-liaison")] == ["inbox"]
                link = f"https://duban.example.gov.cn/items/{registered.item_id}"
                [mail] = mailbox.mails
                assert mail["To"] == "zjj-liaison@example.gov.cn"
                assert mail["Subject"] == "【督办交办】督办〔2026〕1号 推进老旧小区改造"
                assert link in mail.get_content() and "2026年3月3日前签收" in mail.get_content()
                [(status, body)] = hook.received
                assert (status, body["event"], body["item_code"], body["link"]) == (
                    200, "item.assigned", "督办〔2026〕1号", link)
                assert body["title"] == mail["Subject"] and "2026年3月9日" in body["text"]
                inbox = (await client.get("/inbox", headers=auth("zjj-liaison"))).json()
                assert inbox["unread"] == 1 and [m["title"] for m in inbox["items"]] == [mail["Subject"]]


async def test_smtp_down_the_mail_is_retried_and_delivered_once_it_is_back(
        nats_url: str, database_url: str, topology: Topology, tmp_path: Path, clock: SettableClock) -> None:
    port = free_port()  # nothing listens here yet: connection refused
    org = org_file(tmp_path, zjj_liaison={"channels": ["inbox", "email"]})
    app = notification_app(nats_url, database_url, topology, tmp_path, clock, org, smtp_port=port)
    async with serving(app) as client:
        await publish_item(app)
        first = await eventually(lambda: one_row(app, "email"), lambda r: r.attempts == 1)
        assert first.status == "pending" and first.last_error
        assert first.next_attempt_at == NOW + dt.timedelta(seconds=BACKOFF[0])
        # the inbox did not wait for the mail
        assert (await client.get("/inbox", headers=auth("zjj-liaison"))).json()["unread"] == 1
        service = app.state.service
        assert await service.dispatch_due() == 0  # not due yet

        clock.advance(dt.timedelta(seconds=BACKOFF[0]))
        assert await service.dispatch_due() == 1  # still down: second attempt fails
        second = await one_row(app, "email")
        assert (second.status, second.attempts) == ("pending", 2)
        assert second.next_attempt_at == clock.now() + dt.timedelta(seconds=BACKOFF[1])

        with smtp_server(port) as mailbox:
            clock.advance(dt.timedelta(seconds=BACKOFF[1]))
            assert await service.dispatch_due() == 1
            clock.advance(dt.timedelta(hours=1))
            assert await service.dispatch_due() == 0
            sent = await one_row(app, "email")
            assert (sent.status, sent.attempts, sent.sent_at) == ("sent", 3, clock.now() - dt.timedelta(hours=1))
            [mail] = mailbox.mails
            assert mail["To"] == "zjj-liaison@example.gov.cn" and "督办〔2026〕1号" in mail["Subject"]


async def test_webhook_answering_500_then_200_is_delivered_once(
        nats_url: str, database_url: str, topology: Topology, tmp_path: Path, clock: SettableClock) -> None:
    async with WebhookReceiver([500, 200]).running() as hook:
        org = org_file(tmp_path, zjj_liaison={"channels": ["inbox", "webhook"], "webhook": hook.url})
        app = notification_app(nats_url, database_url, topology, tmp_path, clock, org)
        async with serving(app):
            await publish_item(app)
            failed = await eventually(lambda: one_row(app, "webhook"), lambda r: r.attempts == 1)
            assert failed.status == "pending" and "500" in failed.last_error
            clock.advance(dt.timedelta(seconds=BACKOFF[0]))
            assert await app.state.service.dispatch_due() == 1
            clock.advance(dt.timedelta(days=1))
            assert await app.state.service.dispatch_due() == 0
            delivered = await one_row(app, "webhook")
            assert (delivered.status, delivered.attempts) == ("sent", 2)
            assert [status for status, _ in hook.received] == [500, 200]
            assert {body["delivery_id"] for _, body in hook.received} == {delivered.id}


async def test_after_the_retry_budget_a_delivery_is_failed_and_listed_for_the_office(
        nats_url: str, database_url: str, topology: Topology, tmp_path: Path, clock: SettableClock) -> None:
    async with WebhookReceiver([]).running() as hook:
        org = org_file(tmp_path, zjj_liaison={"channels": ["inbox", "email", "webhook"], "webhook": hook.url})
        app = notification_app(nats_url, database_url, topology, tmp_path, clock, org, smtp_port=free_port())
        async with serving(app) as client:
            await publish_item(app)
            # one failing channel holds back no other: the webhook went out on the first try
            first = await eventually(lambda: rows(app, recipient="zjj-liaison"), lambda got: [
                (r.channel, r.attempts, r.status) for r in got if r.channel != "inbox"] == [
                ("email", 1, "pending"), ("webhook", 1, "sent")])
            assert len(first) == 3 and len(hook.received) == 1
            for backoff in BACKOFF:
                clock.advance(dt.timedelta(seconds=backoff))
                assert await app.state.service.dispatch_due() == 1
            clock.advance(dt.timedelta(days=1))
            assert await app.state.service.dispatch_due() == 0
            email_row = await one_row(app, "email")
            assert (email_row.status, email_row.attempts, email_row.next_attempt_at) == ("failed", 3, None)

            listed = await client.get("/deliveries", params={"status": "failed"}, headers=auth("office"))
            assert listed.status_code == 200
            [failed] = listed.json()["items"]
            assert (failed["id"], failed["recipient"], failed["channel"], failed["attempts"]) == (
                email_row.id, "zjj-liaison", "email", 3)
            assert failed["last_error"] == email_row.last_error and failed["address"] == "zjj-liaison@example.gov.cn"
            sent = (await client.get("/deliveries", params={"status": "sent"}, headers=auth("office"))).json()
            assert [d["channel"] for d in sent["items"]] == ["webhook"]
            refused = await client.get("/deliveries", params={"status": "failed"}, headers=auth("zjj-liaison"))
            assert refused.status_code == 403 and refused.json()["detail"]
            bad = await client.get("/deliveries", params={"status": "lost"}, headers=auth("office"))
            assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "status"]

            # the relay is fixed: the office sends it again, with a fresh budget
            retry = f"/deliveries/{email_row.id}/retry"
            assert (await client.post(retry, headers=auth("zjj-liaison"))).status_code == 403
            with smtp_server(app.state.runtime.settings.smtp_port) as mailbox:
                again = await client.post(retry, headers=auth("office"))
                assert again.status_code == 200 and (again.json()["status"], again.json()["attempts"]) == (
                    "pending", 0)
                await eventually(lambda: one_row(app, "email"), lambda r: r.status == "sent")  # woken at once
                assert len(mailbox.mails) == 1
            sent_again = await client.post(retry, headers=auth("office"))
            assert sent_again.status_code == 409 and "sent" in sent_again.json()["detail"]
            assert (await client.post("/deliveries/999999/retry", headers=auth("office"))).status_code == 404


async def test_a_unit_sees_only_its_own_notifications(
        nats_url: str, database_url: str, topology: Topology, tmp_path: Path, clock: SettableClock) -> None:
    app = notification_app(nats_url, database_url, topology, tmp_path, clock, org_file(tmp_path))
    async with serving(app) as client:
        await publish_item(app)
        zjj = (await client.get("/inbox", headers=auth("zjj-liaison"))).json()
        assert zjj["unread"] == 1 and len(zjj["items"]) == 1
        [message] = zjj["items"]
        assert message["event"] == "item.assigned" and message["read"] is False
        assert (await client.get("/inbox", headers=auth("tiexi-liaison"))).json() == {"items": [], "unread": 0}
        assert (await client.get("/inbox", headers=auth("zjj-head"))).json()["unread"] == 0
        assert "协办单位" in (await client.get("/inbox", headers=auth("tiedong-liaison"))).json()["items"][0]["text"]

        other = await client.post(f"/inbox/{message['id']}/read", headers=auth("tiexi-liaison"))
        assert other.status_code == 404 and other.json()["detail"]
        assert (await client.get("/inbox", headers=auth("zjj-liaison"))).json()["unread"] == 1
        read = await client.post(f"/inbox/{message['id']}/read", headers=auth("zjj-liaison"))
        assert read.status_code == 200 and read.json()["read"] is True
        again = await client.post(f"/inbox/{message['id']}/read", headers=auth("zjj-liaison"))
        assert again.json()["read_at"] == read.json()["read_at"]
        after = (await client.get("/inbox", headers=auth("zjj-liaison"))).json()
        assert after["unread"] == 0 and after["items"][0]["read"] is True
        assert (await client.get("/inbox", params={"unread_only": True}, headers=auth("zjj-liaison"))).json()[
            "items"] == []

        bad = await client.post("/inbox/not-a-number/read", headers=auth("zjj-liaison"))
        assert bad.status_code == 422 and bad.json()["detail"]
        assert (await client.get("/inbox", params={"limit": 0}, headers=auth("zjj-liaison"))).status_code == 422
        assert (await client.get("/inbox")).status_code == 401


async def test_the_send_command_tells_each_known_recipient_once_and_skips_unknown_ones(
        nats_url: str, database_url: str, topology: Topology, tmp_path: Path, clock: SettableClock,
        caplog: pytest.LogCaptureFixture) -> None:
    port = free_port()
    org = org_file(tmp_path, zjj_liaison={"channels": ["inbox", "email"]})
    app = notification_app(nats_url, database_url, topology, tmp_path, clock, org, smtp_port=port)
    command = SendNotification(occurred_at=NOW, actor="office", recipients=["zjj-liaison", "nobody", "office"],
                               title="关于报送第一季度督查材料的通知", body="请于3月20日前报送第一季度督查材料。",
                               link="https://duban.example.gov.cn/docs/2026-1")
    with smtp_server(port) as mailbox:
        async with serving(app) as client:
            publisher = workflow_publisher(app)
            await publisher.publish(command)
            # the same command again under another message id: the stream keeps both copies
            copy = await publisher.publish_raw(command.subject, command.to_json(), message_id="copy")
            assert not copy.duplicate
            await drained(app, 2, commands=True)
            sent = await eventually(lambda: rows(app, event_id=command.event_id),
                                    lambda got: len(got) == 3 and all(r.status == "sent" for r in got))
            assert sorted((r.recipient, r.channel, r.attempts) for r in sent) == [
                ("office", "inbox", 0), ("zjj-liaison", "email", 1), ("zjj-liaison", "inbox", 0)]
            assert {(r.event_kind, r.template, r.item_id, r.link) for r in sent} == {
                ("notification.send", "free_message", None, command.link)}
            assert any(r.getMessage() == "recipient not in the directory" and getattr(r, "recipient", "") == "nobody"
                       for r in caplog.records)

            [mail] = mailbox.mails
            assert (mail["To"], mail["Subject"]) == ("zjj-liaison@example.gov.cn", "【通知】关于报送第一季度督查材料的通知")
            assert "请于3月20日前报送第一季度督查材料。" in mail.get_content() and command.link in mail.get_content()
            [message] = (await client.get("/inbox", headers=auth("office"))).json()["items"]
            assert (message["event"], message["title"], message["link"]) == (
                "notification.send", mail["Subject"], command.link)
            assert message["text"].startswith("王丽同志：\n请于3月20日前报送")
            async with app.state.runtime.db.connect() as connection:
                recorded = (await connection.execute(select(consumed.c.event_id, consumed.c.subject))).all()
            assert [(r.event_id, r.subject) for r in recorded] == [(command.event_id, command.subject)]
            js = app.state.runtime.bus.js
            assert (await js.stream_info(app.state.runtime.topology.dead_letter_stream)).state.messages == 0


async def test_a_new_task_of_the_office_or_a_leader_is_a_to_do_notice(
        nats_url: str, database_url: str, topology: Topology, tmp_path: Path, clock: SettableClock) -> None:
    app = notification_app(nats_url, database_url, topology, tmp_path, clock, org_file(tmp_path))
    registered = item_registered(lead_unit="zjj", co_units=["tiedong"], leader="mayor")

    def new_task(kind: str, role: str, unit: str | None = None) -> TaskCreated:
        return TaskCreated(occurred_at=NOW, actor="system", task_id=uuid.uuid4(), task_kind=kind,
                           item_id=registered.item_id, assignee_unit=unit, assignee_role=role,
                           due_date=dt.date(2026, 3, 9))

    approve, sign, review = new_task("approve_item", "leader"), new_task("sign", "liaison", "zjj"), new_task(
        "review", "office")
    async with serving(app) as client:
        for event in (registered, approve, sign, review):
            await workflow_publisher(app).publish(event)
        await drained(app, 4)
        async with app.state.runtime.db.connect() as connection:
            [item] = (await connection.execute(select(items))).all()
        assert (item.item_id, item.leader) == (registered.item_id, "mayor")
        assert [r.recipient for r in await rows(app, event_id=approve.event_id)] == ["mayor"]
        assert await rows(app, event_id=sign.event_id) == []  # the unit hears of it with item.assigned
        assert sorted(r.recipient for r in await rows(app, event_id=review.event_id)) == ["office", "office2"]
        [todo] = (await client.get("/inbox", headers=auth("mayor"))).json()["items"]
        assert todo["title"] == "【待办提醒】审批立项 督办〔2026〕1号 推进老旧小区改造"
        assert todo["link"] == f"https://duban.example.gov.cn/tasks/{approve.task_id}"
        assert "待您审批立项，请于2026年3月9日前办理" in todo["text"] and todo["event"] == "task.created"
        assert (await client.get("/inbox", headers=auth("leader"))).json()["items"] == []


async def _value(value: Any) -> Any:
    return value


# --- what one unit typed cannot break another's mail ---------------------------------------------------
# (NUL too: PostgreSQL text cannot hold it, so it must not reach the tables)
TITLE_WITH_BREAKS = "推进老旧小区改造\r二期\u2028工程\u2029（第\x85\x00一批）\r\nBcc: everyone@example.gov.cn"
CLEAN_SUBJECT = "【督办交办】督办〔2026〕1号 推进老旧小区改造 二期 工程 （第 一批） Bcc: everyone@example.gov.cn"


async def test_a_title_with_line_breaks_is_mailed_with_a_clean_one_line_subject(
        nats_url: str, database_url: str, topology: Topology, tmp_path: Path, clock: SettableClock) -> None:
    port = free_port()
    async with WebhookReceiver([]).running() as hook:
        org = org_file(tmp_path, zjj_liaison={"channels": ["inbox", "email", "webhook"], "webhook": hook.url})
        app = notification_app(nats_url, database_url, topology, tmp_path, clock, org, smtp_port=port)
        with smtp_server(port) as mailbox:
            async with serving(app) as client:
                registered, assignment = item_events()
                registered = item_registered(item_id=registered.item_id, lead_unit="zjj", co_units=["tiedong"],
                                             title=TITLE_WITH_BREAKS)
                for event in (registered, assignment):
                    await workflow_publisher(app).publish(event)
                await drained(app, 2)
                await eventually(lambda: rows(app, recipient="zjj-liaison"),
                                 lambda got: [r.status for r in got] == ["sent"] * 3)
                [mail] = mailbox.mails
                assert mail["Subject"] == CLEAN_SUBJECT and mail["Bcc"] is None
                assert len(mail.get_all("Subject")) == 1
                [(_, body)] = hook.received
                assert body["title"] == CLEAN_SUBJECT
                assert "\r" not in body["text"] and "\u2028" not in body["text"] and "\x85" not in body["text"]
                [message] = (await client.get("/inbox", headers=auth("zjj-liaison"))).json()["items"]
                assert message["title"] == CLEAN_SUBJECT
                async with app.state.runtime.db.connect() as connection:
                    [item] = (await connection.execute(select(items))).all()
                assert item.title == "推进老旧小区改造 二期 工程 （第 一批） Bcc: everyone@example.gov.cn"


async def test_rows_stored_before_the_rules_are_sent_and_shown_clean_with_no_bad_link(
        nats_url: str, database_url: str, topology: Topology, tmp_path: Path, clock: SettableClock) -> None:
    port = free_port()
    async with WebhookReceiver([]).running() as hook:
        org = org_file(tmp_path, zjj_liaison={"channels": ["inbox", "email", "webhook"], "webhook": hook.url})
        app = notification_app(nats_url, database_url, topology, tmp_path, clock, org, smtp_port=port)
        with smtp_server(port) as mailbox:
            async with serving(app) as client:
                event_id, link = uuid.uuid4(), "javascript:alert(document.cookie)"
                stored = {"event_id": event_id, "recipient": "zjj-liaison", "event_kind": "notification.send",
                          "template": "free_message", "item_id": None, "item_code": None,
                          "title": "【通知】报送\r\n材料\u2028", "body": f"潘磊同志：\n请报送。\r\n详情：{link}",
                          "link": link, "attempts": 0, "last_error": None, "created_at": NOW, "read_at": None}
                async with app.state.runtime.db.begin() as connection:
                    await connection.execute(deliveries.insert(), [
                        {**stored, "channel": "inbox", "address": None, "status": "sent", "next_attempt_at": None,
                         "sent_at": NOW},
                        *({**stored, "channel": channel, "address": address, "status": "pending",
                           "next_attempt_at": NOW, "sent_at": None}
                          for channel, address in (("email", "zjj-liaison@example.gov.cn"), ("webhook", hook.url)))])
                await app.state.service.dispatch_due()  # (or the service's own loop, just started, sends them)
                await eventually(lambda: rows(app, status="sent"), lambda got: len(got) == 3)
                [message] = (await client.get("/inbox", headers=auth("zjj-liaison"))).json()["items"]
                assert (message["title"], message["text"], message["link"]) == ("【通知】报送 材料", "潘磊同志：\n请报送。", None)
                [mail] = mailbox.mails
                assert mail["Subject"] == "【通知】报送 材料" and "javascript" not in mail.get_content()
                [(_, body)] = hook.received
                assert (body["title"], body["text"], body["link"]) == ("【通知】报送 材料", "潘磊同志：\n请报送。", None)
                [email_row] = await rows(app, channel="email")
                assert mail["Message-ID"] == f"<delivery-{email_row.id}.{event_id}@example.gov.cn>"


async def test_ids_that_fit_no_column_are_refused_never_a_server_error(
        nats_url: str, database_url: str, topology: Topology, tmp_path: Path, clock: SettableClock) -> None:
    app = notification_app(nats_url, database_url, topology, tmp_path, clock, org_file(tmp_path))
    async with serving(app) as client:
        for path in ("/inbox/{}/read", "/deliveries/{}/retry"):
            for bad in (2**63, 2**64, 10**30, 0, -1):
                answer = await client.post(path.format(bad), headers=auth("office"))
                assert answer.status_code == 422 and answer.json()["detail"][0]["loc"][0] == "path", (path, bad)
            largest = await client.post(path.format(2**63 - 1), headers=auth("office"))
            assert largest.status_code == 404 and largest.json()["detail"]
        for params in ({"limit": 201}, {"limit": 2**64}, {"unread_only": "perhaps"}):
            assert (await client.get("/inbox", params=params, headers=auth("office"))).status_code == 422
        assert (await client.get("/deliveries", params={"limit": 2**64}, headers=auth("office"))).status_code == 422
        documented = (await client.get("/openapi.json")).json()["paths"]
        assert set(documented["/deliveries/{delivery_id}/retry"]["post"]["responses"]) == {
            "200", "401", "403", "404", "409", "422"}
        assert set(documented["/inbox/{message_id}/read"]["post"]["responses"]) == {"200", "401", "404", "422"}

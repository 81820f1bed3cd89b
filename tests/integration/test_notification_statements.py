"""What an item's lifecycle costs the notification service in SQL (SQLite and PostgreSQL).

The lifecycle of the platform bench (register → approve → sign → report → review accept →
closed: 15 events, 4 user tasks) is recorded event by event (a quiet bus: each event is its
own transaction) and as one batch (a backlog), with the deliveries dispatched whenever
recording woke the dispatcher. Statements are counted with SQLAlchemy's
``before_cursor_execute``, transactions with its ``begin`` event.

Before the reshape (the same lifecycle, the code of 2026-12-01): 78 statements in 47
transactions event by event, 66 statements in 21 transactions as a batch (recording: 46
statements in 15 transactions, or in 1; dispatching: 32 in 32, or 20 in 20).
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.notification.adapters.tables import deliveries
from services.notification.app import build_service
from services.notification.config import NotificationSettings
from services.notification.domain.deliveries import Outgoing
from services.notification.service import NotificationService
from shared.clock import SettableClock
from shared.contracts import events as ev
from shared.contracts.base import Message
from shared.identity import load_directory
from shared.storage.database import create_engine
from shared.storage.migrations import upgrade
from tests.support.item_story import ItemStory
from tests.support.services import NOW, REPO

DIRECTORY = load_directory(REPO / "deploy" / "org.example.yaml")
WORKERS = NotificationSettings().delivery_workers


def lifecycle() -> list[Message]:
    """The 15 events of one normal item, as the workflow service emits them."""
    story = ItemStory()

    def created(kind: str, name: str, role: str, unit: str | None = None, user: str | None = None) -> ev.TaskCreated:
        return ev.TaskCreated(occurred_at=story.now, actor="system", task_id=uuid.uuid4(), task_kind=kind,
                              task_name=name, item_id=story.item_id, assignee_unit=unit, assignee_role=role,
                              assignee_user=user, due_date=dt.date(2026, 3, 9))

    def completed(task: ev.TaskCreated, actor: str) -> ev.TaskCompleted:
        return ev.TaskCompleted(occurred_at=story.now, actor=actor, task_id=task.task_id, task_kind=task.task_kind,
                                task_name=task.task_name, item_id=story.item_id)

    approve = created("approve_item", "审批立项", "leader", user="leader")
    sign, report = created("sign", "签收", "liaison", "zjj"), created("report", "报告办理情况", "liaison", "zjj")
    review = created("review", "审核报告", "office")
    return [story.registered(), approve, completed(approve, "leader"), story.approved(), story.assigned(),
            sign, completed(sign, "zjj-liaison"), story.signed(), report, completed(report, "zjj-liaison"),
            story.submitted(), review, completed(review, "office"), story.accepted(), story.closed("2026-03-06")]


class Accepting:
    """Every e-mail and webhook is accepted at once."""

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []

    async def send(self, outgoing: Outgoing) -> None:
        self.sent.append(outgoing)

    async def round_done(self) -> None:
        pass

    async def close(self) -> None:
        pass


class Counted:
    """Counts the statements and transactions on ``db``, apart for recording and dispatching."""

    def __init__(self, db: AsyncEngine) -> None:
        self.db = db
        self.statements: collections.Counter[str] = collections.Counter()
        self.transactions: collections.Counter[str] = collections.Counter()
        self.phase = "recording"
        event.listen(db.sync_engine, "before_cursor_execute", self._statement)
        event.listen(db.sync_engine, "begin", self._begin)

    def stop(self) -> None:
        event.remove(self.db.sync_engine, "before_cursor_execute", self._statement)
        event.remove(self.db.sync_engine, "begin", self._begin)

    def _statement(self, connection: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements[self.phase] += 1
        self.statements[statement.split(None, 1)[0].upper()] += 1

    def _begin(self, connection: Any) -> None:
        self.transactions[self.phase] += 1

    def report(self, title: str) -> None:
        kinds = {k: v for k, v in self.statements.items() if k.isupper()}
        print(f"\n{title}: recording {self.statements['recording']} statements in "
              f"{self.transactions['recording']} transactions, dispatching {self.statements['dispatching']} in "
              f"{self.transactions['dispatching']}; {kinds}")


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[AsyncEngine]:
    await asyncio.to_thread(upgrade, database_url, "notification")
    db = create_engine(database_url)
    try:
        yield db
    finally:
        await db.dispose()


def service_on(db: AsyncEngine, sender: Accepting) -> NotificationService:
    return build_service(NotificationSettings(), clock=SettableClock(NOW), directory=DIRECTORY, db=db,
                         senders={"email": sender, "webhook": sender})


async def delivered(db: AsyncEngine) -> tuple[int, int]:
    """How many inbox messages and how many e-mail or webhook deliveries there are."""
    async with db.connect() as connection:
        found = dict((await connection.execute(select(deliveries.c.channel, func.count())
                                               .group_by(deliveries.c.channel))).all())
    return found.pop("inbox", 0), sum(found.values())


async def test_a_lifecycle_event_by_event(db: AsyncEngine) -> None:
    sender = Accepting()
    service, counted = service_on(db, sender), Counted(db)
    rounds = 0
    for message in lifecycle():
        counted.phase = "recording"
        await service.record([message])
        if service.has_work:  # what the dispatch loop does when woken
            counted.phase, rounds = "dispatching", rounds + 1
            await service.dispatch_due()
    counted.stop()
    counted.report("event by event")
    assert (await delivered(db), len(sender.sent), rounds) == ((6, 8), 8, 4)
    # a transaction per event some rule reacts to (6 of the 15; the 4 task completions, signed,
    # submitted, accepted and the unit's 2 tasks are not even recorded): its record, its item,
    # 2 item changes, the deliveries of the 4 that tell someone (before: 46 statements in 15
    # transactions, then 29 in 15 with every event recorded)
    assert (counted.statements["recording"], counted.transactions["recording"]) == (18, 6)
    # per round (of 3, 2, 2 and 1 here) one claim of up to WORKERS deliveries and one update of
    # their outcomes: a claim that finds fewer than it asked for is the round's last (before:
    # 32 statements in 32 transactions, then up to 2 per delivery and one per worker started)
    assert (counted.statements["dispatching"], counted.transactions["dispatching"]) == (2 * rounds, 2 * rounds)


async def test_a_lifecycle_as_one_batch(db: AsyncEngine) -> None:
    sender = Accepting()
    service, counted, events = service_on(db, sender), Counted(db), lifecycle()
    assert await service.record(events) == 6  # the events some rule reacts to; the others are not recorded
    assert service.has_work
    counted.phase = "dispatching"
    assert await service.dispatch_due() == 8
    counted.stop()
    counted.report("one batch")
    assert (await delivered(db), len(sender.sent)) == ((6, 8), 8)
    # one transaction of 4 statements (before: 46): the records, the items, the item changes, the deliveries
    assert (counted.statements["recording"], counted.transactions["recording"]) == (4, 1)
    # chunks of WORKERS (4): claim 4; their outcomes and a claim of 4; their outcomes and a claim
    # that finds none (before: 20 statements in 20 transactions, then up to 2 per delivery + WORKERS)
    assert WORKERS == 4 and (counted.statements["dispatching"], counted.transactions["dispatching"]) == (5, 3)
    assert await service.record(events[:1] * 3) == 0  # nothing new: recorded once, whatever the repeats

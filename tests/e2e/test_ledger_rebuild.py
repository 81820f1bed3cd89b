"""`duban ledger rebuild` replays the stream into an empty read model equal to the live one."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys
import uuid
from pathlib import Path
from typing import Any

import nats
from sqlalchemy import delete, select, update

from services.ledger.adapters import tables
from services.ledger.app import create_app
from services.ledger.config import LedgerSettings
from shared.bus.topology import Topology
from shared.contracts.enums import BulletinKind
from shared.contracts.events import BulletinPublished, TaskCreated
from shared.contracts.registry import PRODUCER_HEADER
from shared.storage.database import create_engine
from tests.e2e.test_ledger_api import consumed, publish_all
from tests.support.item_story import START, ItemStory
from tests.support.services import REPO, TEST_SECRET, runtime_for, serving, settings_for

DUBAN = Path(sys.executable).parent / "duban"


async def snapshot(database_url: str) -> dict[str, Any]:
    """The read model without what depends on when it was written (ids, received_at)."""
    engine = create_engine(database_url)
    async with engine.connect() as connection:
        items = [dict(r) for r in (await connection.execute(
            select(tables.items).order_by(tables.items.c.item_id))).mappings()]
        units = (await connection.execute(select(tables.item_units).order_by(
            tables.item_units.c.item_id, tables.item_units.c.unit))).all()
        timeline = (await connection.execute(select(tables.timeline.c.event_id, tables.timeline.c.item_id,
                                                    tables.timeline.c.occurred_at, tables.timeline.c.kind,
                                                    tables.timeline.c.actor, tables.timeline.c.unit,
                                                    tables.timeline.c.text).order_by(tables.timeline.c.event_id))).all()
        inbox = (await connection.execute(select(tables.inbox.c.event_id, tables.inbox.c.payload)
                                          .order_by(tables.inbox.c.event_id))).all()
    await engine.dispose()
    return {"items": items, "units": units, "timeline": timeline, "inbox": inbox}


async def damage(database_url: str) -> None:
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        await connection.execute(update(tables.items).values(title="损坏", rounds=99))
        await connection.execute(delete(tables.timeline).where(tables.timeline.c.kind == "item.assigned"))
    await engine.dispose()


def mixed_events() -> list[Any]:
    events: list[Any] = []
    for n in range(12):
        story = ItemStory(code=f"督办〔2026〕{n + 1}号", lead=("zjj", "fgw", "tiedong")[n % 3],
                          co=() if n % 3 else ("tiedong",), major=n % 4 == 0)
        life = story.life()
        events += life[: 4 + n % 9]  # items at every stage
    events.append(BulletinPublished(occurred_at=START, actor="office", bulletin_id=uuid.uuid4(),
                                    bulletin_kind=BulletinKind.BULLETIN, title="2026年第1期督查通报",
                                    period_start=dt.date(2026, 3, 1), period_end=dt.date(2026, 3, 31)))
    events.append(TaskCreated(occurred_at=START, actor="system", task_id=uuid.uuid4(), task_kind="report",
                              item_id=events[0].item_id, assignee_unit="zjj", assignee_role="liaison",
                              due_date=dt.date(2026, 3, 30)))
    return events


async def test_rebuild_equals_live(nats_url: str, database_url: str, topology: Topology, tmp_path: Path) -> None:
    settings = settings_for(LedgerSettings, nats_url=nats_url, database_url=database_url, topology=topology,
                            data_dir=tmp_path)
    events = mixed_events()
    async with serving(create_app(settings, deps=runtime_for(settings))):
        # reordered within groups of 16, one event twice under another message id, one malformed message
        await publish_all(nats_url, topology, events, concurrency=16)
        await publish_all(nats_url, topology, [events[5]], msg_ids=["copy-of-5"])
        connection = await nats.connect(nats_url)
        await connection.jetstream().publish(topology.subject("duban.events.item.registered"), b"{not json",
                                             headers={"Nats-Msg-Id": "garbage", PRODUCER_HEADER: "workflow"})
        await connection.close()
        await consumed(nats_url, topology)
    live = await snapshot(database_url)
    assert len(live["inbox"]) == len(events) and len(live["items"]) == 12

    await damage(database_url)  # the rebuild starts from nothing, whatever the tables hold
    assert await snapshot(database_url) != live

    env = {**os.environ, "DUBAN_NATS_URL": nats_url, "DUBAN_BUS_ROOT": topology.root,
           "DUBAN_DATABASE_URL": database_url, "DUBAN_ORG_FILE": str(REPO / "deploy" / "org.example.yaml"),
           "DUBAN_CALENDAR_DIR": str(tmp_path / "calendar"), "DUBAN_DATA_DIR": str(tmp_path),
           "DUBAN_JWT_SECRET": TEST_SECRET}
    process = await asyncio.create_subprocess_exec(str(DUBAN), "ledger", "rebuild", "--batch", "50", env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, err.decode()
    total = len(events) + 2
    assert f"{total} events read, {len(events)} applied, 1 malformed skipped" in out.decode()
    rebuilt = await snapshot(database_url)
    assert rebuilt == live

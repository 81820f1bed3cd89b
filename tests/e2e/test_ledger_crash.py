"""The ledger process killed in the middle of a batch, then restarted: nothing lost, nothing doubled.

Runs ``python -m services.ledger`` as a real subprocess configured by environment
variables, SIGKILLs it while it consumes a few hundred events and starts it again.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import nats
from nats.js.client import JetStreamContext
from nats.js.errors import NotFoundError
from sqlalchemy import func, select

from services.ledger.adapters import tables
from services.ledger.domain.state import ItemState
from shared.bus.topology import Topology
from shared.storage.database import create_engine
from shared.storage.migrations import upgrade
from tests.e2e.test_ledger_api import consumed, publish_all
from tests.support.eventually import eventually
from tests.support.item_story import ItemStory, projection
from tests.support.services import REPO, TEST_SECRET

ITEMS = 50  # 20 events each (12 and the progress the workflow sends between them): 1,000 events
KILL_AFTER = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_ledger(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "services.ledger"], env=env, cwd=REPO, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


async def test_a_killed_consumer_loses_and_doubles_nothing(nats_url: str, database_url: str, topology: Topology,
                                                           tmp_path: Path) -> None:
    env = {**os.environ, "DUBAN_NATS_URL": nats_url, "DUBAN_BUS_ROOT": topology.root,
           "DUBAN_DATABASE_URL": database_url, "DUBAN_ORG_FILE": str(REPO / "deploy" / "org.example.yaml"),
           "DUBAN_CALENDAR_DIR": str(tmp_path / "calendar"), "DUBAN_DATA_DIR": str(tmp_path),
           "DUBAN_JWT_SECRET": TEST_SECRET, "DUBAN_LEDGER_PORT": str(free_port()),
           "DUBAN_LEDGER_FETCH_BATCH": "25", "DUBAN_LEDGER_FETCH_MAX_WAIT": "0.2",
           "DUBAN_LEDGER_ACK_WAIT_SECONDS": "2", "DUBAN_LOG_LEVEL": "WARNING"}
    stories = [ItemStory(code=f"督办〔2026〕{n + 1}号") for n in range(ITEMS)]
    events = [e for s in stories for e in s.life()]
    upgrade(database_url, "ledger")
    engine = create_engine(database_url)

    async def applied() -> int:
        async with engine.connect() as connection:
            return (await connection.execute(select(func.count()).select_from(tables.inbox))).scalar_one()

    connection = await nats.connect(nats_url)
    js = connection.jetstream()
    log = tmp_path / "ledger.log"
    first = start_ledger(env, log)
    try:
        await eventually(lambda: consumer_exists(js, topology), bool, timeout=60)
        await publish_all(nats_url, topology, events)
        at_kill = await eventually(applied, lambda n: n >= KILL_AFTER, timeout=60)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        at_kill = await applied()
        assert KILL_AFTER <= at_kill < len(events), "the process must die in the middle of the stream"

        second = start_ledger(env, log)
        try:
            assert await eventually(applied, lambda n: n == len(events), timeout=90) == len(events)
            await consumed(nats_url, topology)
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=30)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
        await connection.close()

    async with engine.connect() as connection:
        timeline = (await connection.execute(select(tables.timeline.c.event_id))).scalars().all()
        rows = {r["item_id"]: ItemState.from_row(dict(r))
                for r in (await connection.execute(select(tables.items))).mappings()}
    await engine.dispose()
    # every event that makes an entry, once (a change of progress makes none)
    assert sorted(timeline) == sorted(e.event_id for e in events if e.kind != "item.progressed")
    for story in stories:  # counters and rounds would show an event applied twice
        expected = ItemState(story.item_id)
        for event in (e for e in events if e.item_id == story.item_id):
            expected, _ = projection().apply(expected, event)
        assert rows[story.item_id] == expected
    assert "Traceback" not in log.read_text(errors="replace")


async def consumer_exists(js: JetStreamContext, topology: Topology) -> bool:
    try:
        await js.consumer_info(topology.events_stream, "ledger")
    except NotFoundError:
        return False
    return True

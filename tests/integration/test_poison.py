"""Poison on a real NATS server: a message that cannot decode, or comes from a service its
contract does not name, is dead-lettered alone and never holds up or changes anything else.

Regression for issue 8 §2: a message with ``occurred_at`` 0001-01-01T00:00+08:00 raised
``OverflowError`` in the decoder, its whole fetched batch was never acked, and after the
redeliveries the ledger lost 5 and notification 7 valid events.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
from fastapi import FastAPI
from nats.js.client import JetStreamContext
from sqlalchemy import func, select

from services.ledger.adapters import tables
from services.ledger.app import create_app
from services.ledger.config import LedgerSettings
from services.ledger.entrypoints.rebuild import rebuild
from shared.bus.publisher import JetStreamPublisher
from shared.bus.topology import Topology
from shared.contracts.base import Message
from shared.contracts.registry import PRODUCER_HEADER
from tests.integration.test_bus import consuming, dead_letters
from tests.support.eventually import eventually
from tests.support.item_story import ItemStory
from tests.support.samples import item_registered
from tests.support.services import auth, runtime_for, serving, settings_for

POISON_MOMENT = "0001-01-01T00:00+08:00"  # UTC cannot hold it: the year 0 does not exist


@pytest.fixture
async def js(nats_url: str) -> AsyncIterator[JetStreamContext]:
    connection = await nats.connect(nats_url)
    yield connection.jetstream()
    await connection.close()


async def all_acked(js: JetStreamContext, topology: Topology, durable: str, count: int) -> Any:
    return await eventually(lambda: js.consumer_info(topology.events_stream, durable),
                            lambda c: c.delivered.stream_seq >= count and c.num_pending == 0
                            and c.num_ack_pending == 0)


@pytest.mark.parametrize("path", ["one by one", "batch handler"])
async def test_a_poison_in_a_fetched_batch_is_dead_lettered_and_each_valid_neighbour_handled_once(
        path: str, nats_url: str, topology: Topology, js: JetStreamContext) -> None:
    events = [item_registered(title=f"事项{n}") for n in range(9)]
    poison = json.dumps({**json.loads(item_registered(title="毒丸").to_json()), "occurred_at": POISON_MOMENT}).encode()
    subject = topology.subject(events[0].subject)
    # all ten are stored before the consumer starts, so its first fetch takes them as one batch
    for n, event in enumerate(events):
        if n == 4:
            await js.publish(subject, poison, headers={"Nats-Msg-Id": "poison", PRODUCER_HEADER: "workflow"})
        await js.publish(subject, event.to_json(), headers={"Nats-Msg-Id": event.msg_id, PRODUCER_HEADER: "workflow"})
    handled: list[Message] = []
    batches: list[int] = []

    async def one(message: Message) -> None:
        handled.append(message)

    async def many(messages: list[Message]) -> None:
        batches.append(len(messages))
        handled.extend(messages)

    async with consuming(nats_url, topology, one, many if path == "batch handler" else None):
        consumer_state = await all_acked(js, topology, "ledger", len(events) + 1)
        assert consumer_state.num_redelivered == 0  # every message of the batch was settled on its first delivery
        assert handled == events  # each valid one once, in stream order
        if path == "batch handler":
            assert batches == [len(events)]  # one batch: the poison was taken out, the rest applied at once
        [dead] = await dead_letters(js, topology)
        assert dead.data == poison
        assert dead.subject == f"{topology.root}.dlq.events.item.registered"
        reason = dead.headers["Duban-Dlq-Reason"]
        assert reason.startswith("malformed: ") and "occurred_at" in reason and "out of range" in reason
        assert [dead.headers[f"Duban-Dlq-{name}"] for name in ("Consumer", "Stream-Seq", "Deliveries", "Subject")] == [
            "ledger", "5", "1", subject]


async def test_an_item_assigned_from_another_service_or_none_changes_nothing_in_the_ledger(
        nats_url: str, database_url: str, topology: Topology, tmp_path: Path, js: JetStreamContext) -> None:
    settings = settings_for(LedgerSettings, nats_url=nats_url, database_url=database_url, topology=topology,
                            data_dir=tmp_path)
    app = create_app(settings, deps=runtime_for(settings))
    story = ItemStory(lead="zjj", co=("tiedong",))
    registered, assigned = story.registered(), story.assigned()
    # an hour later, the same item "assigned" to 市发展改革委 (fgw), so that its liaison could read it
    forger = ItemStory(item_id=story.item_id, lead="fgw", co=(), start=story.now + dt.timedelta(hours=1))
    forged, unsigned = forger.assigned(), forger.assigned()
    async with serving(app) as client:
        runtime = app.state.runtime
        workflow = JetStreamPublisher(runtime.bus, runtime.topology, "workflow")
        await workflow.publish(registered)
        await workflow.publish(assigned)
        await JetStreamPublisher(runtime.bus, runtime.topology, "ledger").publish(forged)
        await js.publish(topology.subject(unsigned.subject), unsigned.to_json(), headers={"Nats-Msg-Id": "unsigned"})
        await all_acked(js, topology, "ledger", 4)
        letters = await eventually(lambda: dead_letters(js, topology), lambda got: len(got) == 2)

        assert sorted(letter.headers["Duban-Dlq-Reason"] for letter in letters) == [
            "producer 'ledger' may not publish item.assigned (only workflow)",
            "producer missing: item.assigned is published by workflow"]
        assert sorted(letter.data for letter in letters) == sorted([forged.to_json(), unsigned.to_json()])
        await assert_unchanged(client, app, story)
        # a rebuild reads the stream through the same door: it skips them too
        report = await rebuild(runtime.db, js, topology, app.state.service.store, runtime.clock)
        assert (report.read, report.applied, report.malformed) == (4, 2, 2)
        await assert_unchanged(client, app, story)


async def assert_unchanged(client: httpx.AsyncClient, app: FastAPI, story: ItemStory) -> None:
    """The item is still 市住建局's, as the workflow assigned it, and 市发展改革委's liaison cannot read it."""
    item = (await client.get(f"/items/{story.item_id}", headers=auth("office"))).json()
    assert (item["lead_unit"], [e["kind"] for e in item["timeline"]]) == ("zjj", ["item.registered", "item.assigned"])
    assert (await client.get("/items", headers=auth("fgw-liaison"))).json()["total"] == 0
    assert (await client.get(f"/items/{story.item_id}", headers=auth("fgw-liaison"))).status_code == 404
    async with app.state.runtime.db.connect() as connection:
        recorded = (await connection.execute(select(func.count()).select_from(tables.inbox))).scalar_one()
    assert recorded == 2

"""Benchmark: events through the outbox, JetStream and a durable consumer into an inbox.

Prints, for each database: the rate of staging events in the outbox (one transaction
each), the relay's publish rate, and the end-to-end rate until the ledger's inbox holds
them all. Uses NATS_URL / DATABASE_URL when set, otherwise an embedded NATS and SQLite.

    .venv/bin/python bench/bus_pipeline.py [--events 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.ledger.adapters import tables as ledger_tables  # noqa: E402
from services.workflow.adapters import tables as workflow_tables  # noqa: E402
from shared.bus.connection import BusConnection, NatsConnection  # noqa: E402
from shared.bus.consumer import Fetch, PullConsumer  # noqa: E402
from shared.bus.embedded import EmbeddedNats  # noqa: E402
from shared.bus.publisher import JetStreamPublisher  # noqa: E402
from shared.bus.topology import Topology, delete_streams, ensure_streams  # noqa: E402
from shared.clock import SystemClock  # noqa: E402
from shared.retry import RetryPolicy  # noqa: E402
from shared.storage.database import create_engine  # noqa: E402
from shared.storage.inbox import InboxRecorder, count  # noqa: E402
from shared.storage.migrations import upgrade  # noqa: E402
from shared.storage.outbox import Outbox, OutboxRelay  # noqa: E402
from tests.support.infra import postgres_schema  # noqa: E402
from tests.support.samples import item_registered  # noqa: E402


async def run_once(nats_url: str, database_url: str, events: int) -> dict[str, float]:
    for service in ("workflow", "ledger"):
        upgrade(database_url, service)
    engine = create_engine(database_url)
    clock = SystemClock()
    topology = Topology(root=f"b{uuid.uuid4().hex[:10]}")
    bus = BusConnection(NatsConnection(url=nats_url, name="bench"))  # as a service holds its one connection
    await bus.open()
    js = bus.js
    await ensure_streams(js, topology)
    consumer = PullConsumer(topology, JetStreamPublisher(bus, topology, "ledger"), durable="ledger",
                            filter_subject="duban.events.>", handler=InboxRecorder(engine, ledger_tables.inbox, clock),
                            retry=RetryPolicy(), fetch=Fetch(batch_size=1))
    await consumer.open(js)
    stop = asyncio.Event()
    consuming: asyncio.Task[None] | None = None
    outbox = Outbox(workflow_tables.outbox, clock)
    relay = OutboxRelay(engine, outbox, JetStreamPublisher(bus, topology, "workflow"), batch=500)
    try:
        messages = [item_registered() for _ in range(events)]
        started = time.perf_counter()
        for message in messages:
            async with engine.begin() as connection:
                await outbox.stage(connection, message)
        staged = time.perf_counter()
        while await relay.relay_once():
            pass
        relayed = time.perf_counter()
        consuming = asyncio.create_task(consumer.run(stop))
        while True:
            async with engine.connect() as connection:
                if await count(connection, ledger_tables.inbox) >= events:
                    break
            await asyncio.sleep(0.05)
        consumed = time.perf_counter()
    finally:
        stop.set()
        if consuming is not None:
            await consuming
        await delete_streams(js, topology)
        await bus.close()
        await engine.dispose()
    return {
        "stage (tx/s)": events / (staged - started),
        "relay (msg/s)": events / (relayed - staged),
        "consume into inbox (msg/s)": events / (consumed - relayed),
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        embedded = None
        nats_url = os.environ.get("NATS_URL")
        if not nats_url:
            embedded = EmbeddedNats(Path(tmp) / "nats")
            nats_url = embedded.start()
        try:
            targets = {"sqlite": f"sqlite:///{tmp}/bench.db"}
            if os.environ.get("DATABASE_URL", "").startswith("postgresql"):
                targets["postgresql"] = os.environ["DATABASE_URL"]
            for name, url in targets.items():
                if name == "postgresql":
                    with postgres_schema(url) as schema_url:
                        figures = await run_once(nats_url, schema_url, args.events)
                else:
                    figures = await run_once(nats_url, url, args.events)
                line = ", ".join(f"{k} {v:,.0f}" for k, v in figures.items())
                print(f"{name:<10} {args.events} events: {line}")
        finally:
            if embedded:
                embedded.stop()
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    asyncio.run(main())

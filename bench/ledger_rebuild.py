"""Benchmark: the ledger's live consumption and its rebuild, in events per second.

Publishes N item events (12 per item: registered … closed) to a fresh stream, lets the
ledger's durable consumer drain the backlog (the batch consumer the service runs: one
transaction per fetched batch), then rebuilds the read model from the stream (one
transaction per batch). Uses NATS_URL / DATABASE_URL when set, otherwise an embedded NATS
and SQLite (SQLite is always measured).

    .venv/bin/python bench/ledger_rebuild.py [--events 20000] [--fetch-batch 100] [--batch 500]
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

import nats  # noqa: E402

from services.ledger.adapters import tables  # noqa: E402
from services.ledger.entrypoints.rebuild import rebuild  # noqa: E402
from services.ledger.service import LedgerService  # noqa: E402
from shared.bus.connection import BusConnection, NatsConnection  # noqa: E402
from shared.bus.consumer import Fetch, PullConsumer  # noqa: E402
from shared.bus.embedded import EmbeddedNats  # noqa: E402
from shared.bus.publisher import JetStreamPublisher  # noqa: E402
from shared.bus.topology import Topology, delete_streams, ensure_streams  # noqa: E402
from shared.calendar import load_calendar  # noqa: E402
from shared.clock import SystemClock  # noqa: E402
from shared.contracts.registry import PRODUCER_HEADER  # noqa: E402
from shared.identity import load_directory  # noqa: E402
from shared.retry import RetryPolicy  # noqa: E402
from shared.storage.database import create_engine  # noqa: E402
from shared.storage.inbox import count  # noqa: E402
from shared.storage.migrations import upgrade  # noqa: E402
from tests.support.infra import postgres_schema  # noqa: E402
from tests.support.item_story import ItemStory  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PIPELINE = 256  # publishes in flight


def make_events(n: int) -> list:
    events = []
    while len(events) < n:
        events += ItemStory(code=f"督办〔2026〕{len(events) // 12 + 1}号").life()
    return events[:n]


async def publish(js, topology: Topology, events: list) -> None:
    for start in range(0, len(events), PIPELINE):
        await asyncio.gather(*(js.publish(topology.subject(e.subject), e.to_json(),
                                          headers={"Nats-Msg-Id": str(e.event_id),
                                                   PRODUCER_HEADER: min(e.producers)})
                               for e in events[start:start + PIPELINE]))


async def run_once(nats_url: str, database_url: str, n: int, fetch_batch: int, batch: int) -> dict[str, float]:
    upgrade(database_url, "ledger")
    engine = create_engine(database_url)
    service = LedgerService(engine, SystemClock(), load_calendar(None), load_directory(ROOT / "deploy" /
                                                                                      "org.example.yaml"))
    topology = Topology(root=f"b{uuid.uuid4().hex[:10]}")
    bus = BusConnection(NatsConnection(url=nats_url, name="ledger"))  # the ledger service's connection
    stop = asyncio.Event()
    await bus.open()
    publishing = await nats.connect(nats_url)  # outlives the ledger's, for publishing and the rebuild
    js = publishing.jetstream()
    await ensure_streams(js, topology)
    consumer = PullConsumer(topology, JetStreamPublisher(bus, topology, "ledger"), durable="ledger",
                            filter_subject="duban.events.>", handler=service.consume,
                            batch_handler=service.consume_batch, retry=RetryPolicy(),
                            fetch=Fetch(batch_size=fetch_batch))  # as the ledger service wires it
    await consumer.open(bus.js)
    try:
        events = make_events(n)
        started = time.perf_counter()
        await publish(js, topology, events)
        published = time.perf_counter()
        running = asyncio.create_task(consumer.run(stop))
        while True:
            async with engine.connect() as connection:
                if await count(connection, tables.inbox) >= n:
                    break
            await asyncio.sleep(0.05)
        consumed = time.perf_counter()
        stop.set()
        await running
        report = await rebuild(engine, js, topology, service.store, SystemClock(), batch_size=batch)
        assert report.applied == n, report
    finally:
        await delete_streams(js, topology)
        await bus.close()
        await publishing.close()
        await engine.dispose()
    return {"publish (events/s)": n / (published - started), "live consumption (events/s)": n / (consumed - published),
            "rebuild (events/s)": report.rate}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--fetch-batch", type=int, default=100, help="the live consumer's fetch batch")
    parser.add_argument("--batch", type=int, default=500, help="events per rebuild transaction")
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
                        figures = await run_once(nats_url, schema_url, args.events, args.fetch_batch, args.batch)
                else:
                    figures = await run_once(nats_url, url, args.events, args.fetch_batch, args.batch)
                line = ", ".join(f"{k} {v:,.0f}" for k, v in figures.items())
                print(f"{name:<10} {args.events} events: {line}", flush=True)
        finally:
            if embedded:
                embedded.stop()
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    asyncio.run(main())

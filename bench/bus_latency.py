"""Benchmark: how long one event takes from publish to handler on a quiet bus.

Publishes events one at a time through ``JetStreamPublisher`` and waits for the durable
consumer's handler to see each; prints the median and 95th percentile. Uses NATS_URL
when set, otherwise an embedded NATS.

    .venv/bin/python bench/bus_latency.py [--events 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shared.bus.connection import BusConnection, NatsConnection  # noqa: E402
from shared.bus.consumer import Fetch, PullConsumer  # noqa: E402
from shared.bus.embedded import EmbeddedNats  # noqa: E402
from shared.bus.publisher import JetStreamPublisher  # noqa: E402
from shared.bus.topology import Topology, delete_streams, ensure_streams  # noqa: E402
from shared.contracts.base import Message  # noqa: E402
from shared.retry import RetryPolicy  # noqa: E402
from tests.support.samples import item_registered  # noqa: E402


async def measure(nats_url: str, events: int) -> list[float]:
    topology = Topology(root=f"b{uuid.uuid4().hex[:10]}")
    bus = BusConnection(NatsConnection(url=nats_url, name="bench"))
    arrived: asyncio.Queue[float] = asyncio.Queue()

    async def handler(message: Message) -> None:
        arrived.put_nowait(time.perf_counter())

    await bus.open()
    js = bus.js
    await ensure_streams(js, topology)
    consumer = PullConsumer(topology, JetStreamPublisher(bus, topology, "bench"), durable="bench",
                            filter_subject="duban.events.>", handler=handler, retry=RetryPolicy(), fetch=Fetch())
    await consumer.open(js)
    stop = asyncio.Event()
    running = asyncio.create_task(consumer.run(stop))
    publisher = JetStreamPublisher(bus, topology, "workflow")
    latencies = []
    try:
        for _ in range(events):
            sent = time.perf_counter()
            await publisher.publish(item_registered())
            latencies.append(await asyncio.wait_for(arrived.get(), 10) - sent)
    finally:
        stop.set()
        await running
        await delete_streams(js, topology)
        await bus.close()
    return latencies


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        embedded = None if os.environ.get("NATS_URL") else EmbeddedNats(Path(tmp))
        url = os.environ.get("NATS_URL") or embedded.start()
        try:
            latencies = sorted(await measure(url, args.events))
        finally:
            if embedded:
                embedded.stop()
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    print(f"publish -> handler, {args.events} events one at a time: "
          f"median {statistics.median(latencies) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, "
          f"max {latencies[-1] * 1000:.1f} ms")


if __name__ == "__main__":
    asyncio.run(main())

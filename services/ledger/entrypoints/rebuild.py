"""Rebuild: replay the events stream from its start into an emptied read model.

An ephemeral pull consumer (no acks) reads the stream in order; each fetched batch is
applied in one transaction by the same code the live consumer uses, so the result
equals the live read model; a message the live consumer dead-letters (malformed, or
from a producer its contract does not name) is counted as malformed and skipped. Stop
the ledger service while it runs: its consumer would otherwise write into the tables
being rebuilt.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import nats.errors
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.client import JetStreamContext
from sqlalchemy.ext.asyncio import AsyncEngine

from services.ledger.adapters.store import LedgerStore, clear
from shared.bus.topology import Topology
from shared.clock import Clock
from shared.contracts.base import Message
from shared.contracts.registry import MalformedMessage, decode
from shared.contracts.subjects import EVENTS_WILDCARD

log = logging.getLogger("duban.ledger.rebuild")
FETCH_TIMEOUT = 2.0


@dataclass(frozen=True)
class RebuildReport:
    read: int
    applied: int
    malformed: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.read / self.seconds if self.seconds > 0 else float(self.read)


async def rebuild(db: AsyncEngine, js: JetStreamContext, topology: Topology, store: LedgerStore, clock: Clock,
                  *, batch_size: int = 500) -> RebuildReport:
    started = time.perf_counter()
    stream = topology.events_stream
    last = (await js.stream_info(stream)).state.last_seq
    async with db.begin() as connection:
        await clear(connection)
    read = applied = malformed = 0
    if last == 0:
        return RebuildReport(0, 0, 0, time.perf_counter() - started)
    subject = topology.subject(EVENTS_WILDCARD)
    config = ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL, inactive_threshold=60.0,
                            max_ack_pending=-1)
    subscription = await js.pull_subscribe(subject, stream=stream, config=config)
    try:
        position = 0
        while position < last:
            try:
                raws = await subscription.fetch(batch_size, timeout=FETCH_TIMEOUT)
            except nats.errors.TimeoutError:
                raise RuntimeError(f"the stream {stream} stopped at {position} of {last} messages") from None
            messages: list[Message] = []
            for raw in raws:
                position = max(position, raw.metadata.sequence.stream)
                try:  # the live consumer's door: what it dead-letters, the rebuild skips
                    messages.append(decode(raw.subject, raw.data, raw.headers, topology.root))
                except MalformedMessage as error:  # a wrong producer too
                    malformed += 1
                    log.warning("skipped a malformed message", extra={"seq": raw.metadata.sequence.stream,
                                                                      "error": str(error)})
            read += len(raws)
            async with db.begin() as connection:
                applied += await store.apply(connection, messages, clock.now())
    finally:
        await subscription.unsubscribe()
    return RebuildReport(read, applied, malformed, time.perf_counter() - started)

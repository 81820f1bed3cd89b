"""At-least-once consumption of contract messages from a durable pull consumer.

Each delivery is decoded at the edge into its contract model (``decode``: the subject
names the model, the ``Duban-Producer`` header must be one of its producers). A message
that does not decode, whatever the reason, goes straight to the dead-letter stream with
its payload and the reason, and the rest of its batch goes on. A handler that raises is
nacked with a back-off and redelivered; after ``max_deliver`` deliveries it is
dead-lettered and acked. FastStream's default of terminating a message on the first
error is never used.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

import nats.errors
from faststream import AckPolicy
from faststream.nats import JStream, NatsBroker, NatsMessage, PullSub
from nats.aio.msg import Msg
from nats.js.api import AckPolicy as JsAckPolicy
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.client import JetStreamContext

from shared.bus.publisher import JetStreamPublisher
from shared.bus.topology import Topology
from shared.contracts.base import Message
from shared.contracts.registry import PRODUCER_HEADER, MalformedMessage, WrongProducer, decode
from shared.contracts.text import one_line

log = logging.getLogger("duban.bus.consumer")
SWEEP = 0.05  # seconds a batch consumer waits for more once it has a message

T = TypeVar("T")
Handler = Callable[[Message], Awaitable[None]]
BatchHandler = Callable[[list[Message]], Awaitable[None]]
"""Applies a fetched batch at once (e.g. in one transaction); must be idempotent per message."""


@dataclass(frozen=True)
class RetryPolicy:
    max_deliver: int = 5
    delays: tuple[float, ...] = (1.0, 5.0, 30.0, 120.0)
    ack_wait: float = 30.0

    def delay_after(self, deliveries: int) -> float:
        if not self.delays:
            return 0.0
        return self.delays[min(deliveries, len(self.delays)) - 1]


@dataclass
class Delivery:
    """Handles the deliveries of one durable consumer: decode, handle, settle.

    No message holds up another: one that does not decode is dead-lettered on its own,
    and one whose settling fails (the dead-letter stream or the server did not answer) is
    left unacknowledged, to come back after ``ack_wait``, while the others go on.
    """

    durable: str
    handler: Handler
    topology: Topology
    dead_letters: JetStreamPublisher
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    async def __call__(self, raw: Msg) -> None:
        """Handle one message; never raises."""
        await self._guarded(raw, self._one(raw))

    async def batch(self, raws: list[Msg], handler: BatchHandler) -> None:
        """Apply a fetched batch with one call; if that fails, each message on its own
        (so one bad message is retried and dead-lettered alone, the rest still applied).
        Never raises."""
        decoded = [(raw, message) for raw in raws
                   if (message := await self._guarded(raw, self._decode(raw))) is not None]
        if not decoded:
            return
        try:
            await handler([message for _, message in decoded])
        except Exception as error:
            log.warning("batch failed; handling its messages one by one",
                        extra={"consumer": self.durable, "size": len(decoded), "error": repr(error)})
            for raw, message in decoded:
                await self._guarded(raw, self._handle(raw, message))
        else:
            for raw, _ in decoded:
                await self._guarded(raw, raw.ack())

    async def _one(self, raw: Msg) -> None:
        message = await self._decode(raw)
        if message is not None:
            await self._handle(raw, message)

    async def _guarded(self, raw: Msg, step: Awaitable[T]) -> T | None:
        try:
            return await step
        except Exception:
            log.exception("could not settle a message; it comes back after ack_wait",
                          extra={"consumer": self.durable, "subject": raw.subject})
            return None

    async def _decode(self, raw: Msg) -> Message | None:
        """The message, or None once it is dead-lettered: any failure to decode is this message's alone."""
        try:
            return decode(raw.subject, raw.data, raw.headers, self.topology.root)
        except WrongProducer as error:
            reason = error.reason
        except MalformedMessage as error:
            reason = f"malformed: {error}"
        except Exception as error:  # decode raises MalformedMessage only; should that ever break, still one message
            log.exception("decoding raised", extra={"consumer": self.durable, "subject": raw.subject})
            reason = f"malformed: {type(error).__name__}: {error}"
        await self._dead_letter(raw, reason)
        return None

    async def _handle(self, raw: Msg, message: Message) -> None:
        try:
            await self.handler(message)
        except Exception as error:  # any failure is retried, then dead-lettered
            await self._failed(raw, error)
        else:
            await raw.ack()

    async def _failed(self, raw: Msg, error: Exception) -> None:
        deliveries = raw.metadata.num_delivered or 1
        log.warning(
            "handler failed",
            extra={"consumer": self.durable, "subject": raw.subject, "deliveries": deliveries, "error": repr(error)},
        )
        if deliveries >= self.retry.max_deliver:
            await self._dead_letter(raw, f"failed {deliveries} times: {error!r}")
        else:
            await raw.nak(delay=self.retry.delay_after(deliveries))

    async def _dead_letter(self, raw: Msg, reason: str) -> None:
        meta = raw.metadata
        canonical = self.topology.canonical(raw.subject)
        headers = {
            "Duban-Dlq-Reason": one_line(reason)[:1000],  # a header value holds no line break
            "Duban-Dlq-Consumer": self.durable,
            "Duban-Dlq-Subject": raw.subject,
            "Duban-Dlq-Stream-Seq": str(meta.sequence.stream),
            "Duban-Dlq-Deliveries": str(meta.num_delivered),
        }
        if producer := (raw.headers or {}).get(PRODUCER_HEADER):
            headers["Duban-Dlq-Producer"] = one_line(producer)[:100]
        await self.dead_letters.publish_raw(self.topology.dead_letter_subject(canonical), raw.data,
                                            message_id=f"{self.durable}:{meta.stream}:{meta.sequence.stream}",
                                            headers=headers)
        log.error("dead-lettered", extra={"consumer": self.durable, "subject": raw.subject, "reason": reason})
        await raw.ack()


def subscribe(
    broker: NatsBroker,
    topology: Topology,
    *,
    durable: str,
    filter_subject: str,
    handler: Handler,
    retry: RetryPolicy,
    batch_size: int = 1,
    max_wait: float = 5.0,
) -> None:
    """Wire ``handler`` to a durable pull consumer on ``filter_subject`` (a canonical name).

    A fetch of one message returns as soon as it arrives. A larger ``batch_size`` drains a
    backlog faster, but nats-py's fetch then lingers until the batch is full or
    ``max_wait`` has passed, which delays events on a quiet bus by up to ``max_wait``
    (``batch_consumer`` has no such delay).
    """
    subject = topology.subject(filter_subject)
    delivery = Delivery(durable, handler, topology, JetStreamPublisher(broker, topology, durable), retry)

    async def on_batch(body: list[bytes], msg: NatsMessage) -> None:
        # one fetched batch, handled in stream order: per-item order is kept and a
        # consumer's writes never contend with each other
        for raw in msg.raw_message:
            await delivery(raw)

    async def raw_bodies(msg: NatsMessage) -> list[bytes]:  # decoding is the Delivery's job
        return [raw.data for raw in msg.raw_message]

    broker.subscriber(
        subject,
        stream=JStream(topology.stream_for(subject), declare=False),
        durable=durable,
        pull_sub=PullSub(batch_size=batch_size, timeout=max_wait, batch=True),
        config=consumer_config(durable, subject, retry),
        ack_policy=AckPolicy.MANUAL,
        decoder=raw_bodies,
        title=f"{durable}:{filter_subject}",
    )(on_batch)


def consumer_config(durable: str, subject: str, retry: RetryPolicy) -> ConsumerConfig:
    return ConsumerConfig(
        durable_name=durable,
        ack_policy=JsAckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        # one more than ours: the server's own limit (and its advisory, kept in the
        # dead-letter stream) only catches a message whose handler never returns,
        # e.g. one that crashes the process each time
        max_deliver=retry.max_deliver + 1,
        ack_wait=retry.ack_wait,
        filter_subject=subject,
    )


class BatchConsumer:
    """A pull loop that applies whatever backlog is there, up to ``batch_size`` messages,
    with one ``batch_handler`` call (``open`` creates the durable consumer at start, ``run``
    loops as a background task until ``stop`` is set).

    Each round waits for one message (returned as soon as it arrives), then takes what
    else is already pending without waiting (nats-py's no-wait probe; ``SWEEP`` bounds
    the wait when nothing is). So a quiet bus is handled at once and a backlog in
    batches. FastStream's batch subscriber is not used: it fills every batch until its
    timeout, and lets nats-py's ``asyncio.TimeoutError`` escape when the time runs out
    mid-fetch, which restarts its task.
    """

    def __init__(self, broker: NatsBroker, topology: Topology, *, durable: str, filter_subject: str,
                 handler: Handler, batch_handler: BatchHandler, retry: RetryPolicy, batch_size: int = 100,
                 max_wait: float = 5.0) -> None:
        self.broker, self.topology, self.durable, self.retry = broker, topology, durable, retry
        self.subject = topology.subject(filter_subject)
        self.batch_handler, self.batch_size, self.max_wait = batch_handler, batch_size, max_wait
        self.delivery = Delivery(durable, handler, topology, JetStreamPublisher(broker, topology, durable), retry)
        self._pull: JetStreamContext.PullSubscription | None = None

    async def open(self) -> None:
        js = self.broker.connection.jetstream()
        self._pull = await js.pull_subscribe(self.subject, durable=self.durable,
                                             stream=self.topology.stream_for(self.subject),
                                             config=consumer_config(self.durable, self.subject, self.retry))

    async def run(self, stop: asyncio.Event) -> None:
        if self._pull is None:
            await self.open()
        pull = self._pull
        assert pull is not None
        stopped = asyncio.create_task(stop.wait())
        try:
            while not stop.is_set():
                waiting = asyncio.create_task(pull.fetch(1, timeout=self.max_wait))
                await asyncio.wait([waiting, stopped], return_when=asyncio.FIRST_COMPLETED)
                if not waiting.done():  # stopping: a message fetched meanwhile is redelivered later
                    waiting.cancel()
                    break
                try:
                    raws = waiting.result()
                except (nats.errors.TimeoutError, asyncio.TimeoutError):
                    continue
                if self.batch_size > 1:
                    with contextlib.suppress(nats.errors.TimeoutError, asyncio.TimeoutError):
                        raws += await pull.fetch(self.batch_size - 1, timeout=SWEEP)
                try:
                    if len(raws) > 1:
                        await self.delivery.batch(raws, self.batch_handler)
                    else:
                        await self.delivery(raws[0])
                except Exception:  # never let the loop die; unacked messages come back
                    log.exception("batch consumer failed", extra={"consumer": self.durable})
        finally:
            stopped.cancel()
            with contextlib.suppress(Exception):
                await pull.unsubscribe()

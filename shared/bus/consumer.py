"""At-least-once consumption of contract messages from a durable pull consumer (nats-py).

One implementation for every consumer of the platform (``Runtime.consume``):

- A round waits for one message (returned as soon as it arrives: a quiet bus is handled at
  once), then takes the backlog behind it: the message's metadata says how many are
  pending, and exactly that many (up to the batch size) are asked for, which the server
  answers at once instead of lingering until a batch fills.
- Each delivery is decoded at the edge into its contract model (``decode``: the subject
  names the model, the ``Duban-Producer`` header must name one of its producers). A
  message that does not decode, whatever the reason, goes straight to the dead-letter
  stream with its payload and the reason, and the rest of its batch goes on.
- A batch handler applies the decoded batch at once (one transaction); if it fails, each
  message is handled on its own. A handler that raises is nacked with the retry policy's
  back-off and redelivered; once its attempts are spent it is dead-lettered and acked.
- ``open`` creates the durable at start; ``run`` stops between messages, never inside a
  handler. The connection's own inbox prefix (``_INBOX.<user>``, the only one a service's
  NATS user may subscribe to) carries the pulled messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import nats.errors
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.client import JetStreamContext

from shared.bus.topology import Topology
from shared.contracts.base import Message
from shared.contracts.registry import PRODUCER_HEADER, MalformedMessage, WrongProducer, decode
from shared.contracts.text import one_line
from shared.retry import RetryPolicy

log = logging.getLogger("duban.bus.consumer")

SWEEP = 0.05
"""Seconds the backlog request may wait: it asks for messages the server says are pending,
so it returns at once unless another process of the same durable took them meanwhile."""
RECONNECT_PAUSE = 1.0  # seconds between fetches while the server cannot be reached

T = TypeVar("T")
Handler = Callable[[Any], Awaitable[None]]
"""Handles one decoded message (its contract model); must be idempotent."""
BatchHandler = Callable[[list[Any]], Awaitable[None]]
"""Applies a fetched batch at once (e.g. in one transaction); must be idempotent per message."""
_TIMEOUTS = (nats.errors.TimeoutError, asyncio.TimeoutError)


class DeadLetters(Protocol):
    async def publish_raw(self, canonical_subject: str, payload: bytes, message_id: str,
                          headers: dict[str, str] | None = None) -> Any: ...


@dataclass(frozen=True)
class Fetch:
    """How a consumer pulls: at most ``batch_size`` at once, each fetch waiting at most
    ``max_wait`` on a quiet bus (no message waits for it), ``ack_wait`` before the server
    redelivers a message nobody settled."""

    batch_size: int = 100
    max_wait: float = 5.0
    ack_wait: float = 30.0


def consumer_config(durable: str, subject: str, retry: RetryPolicy, ack_wait: float) -> ConsumerConfig:
    return ConsumerConfig(
        durable_name=durable,
        ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        # one more than ours: the server's own limit (and its advisory, kept in the
        # dead-letter stream) only catches a message whose handler never returns,
        # e.g. one that crashes the process each time
        max_deliver=retry.max_attempts + 1,
        ack_wait=ack_wait,
        filter_subject=subject,
    )


@dataclass
class Delivery:
    """Decode, handle and settle the deliveries of one durable consumer.

    No message holds up another: one that does not decode is dead-lettered on its own, and
    one whose settling fails (the dead-letter stream or the server did not answer) is left
    unacknowledged, to come back after ``ack_wait``, while the others go on.
    """

    durable: str
    handler: Handler
    topology: Topology
    dead_letters: DeadLetters
    retry: RetryPolicy

    async def __call__(self, raw: Msg) -> None:
        """Handle one message; never raises."""
        message = await self._guarded(raw, self._decode(raw))
        if message is not None:
            await self._guarded(raw, self._handle(raw, message))

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
        delay = self.retry.delay_after(deliveries)
        log.warning("handler failed", extra={"consumer": self.durable, "subject": raw.subject,
                                             "deliveries": deliveries, "error": repr(error)})
        if delay is None:
            await self._dead_letter(raw, f"failed {deliveries} times: {error!r}")
        else:
            await raw.nak(delay=delay)

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


class PullConsumer:
    """One durable pull consumer on ``filter_subject`` (a canonical subject or wildcard).

    Without a ``batch_handler`` the messages of a round are handled one by one, in stream
    order (per-item order is kept; a consumer's writes never contend with each other).
    """

    def __init__(self, topology: Topology, dead_letters: DeadLetters, *, durable: str, filter_subject: str,
                 handler: Handler, retry: RetryPolicy, batch_handler: BatchHandler | None = None,
                 fetch: Fetch = Fetch()) -> None:
        self.topology, self.durable, self.fetch = topology, durable, fetch
        self.subject = topology.subject(filter_subject)
        self.batch_handler = batch_handler
        self.config = consumer_config(durable, self.subject, retry, fetch.ack_wait)
        self.delivery = Delivery(durable, handler, topology, dead_letters, retry)
        self._pull: JetStreamContext.PullSubscription | None = None

    async def open(self, js: JetStreamContext) -> None:
        """Create (or update) the durable and subscribe to its deliveries."""
        self._pull = await js.pull_subscribe(self.subject, durable=self.durable,
                                             stream=self.topology.stream_for(self.subject), config=self.config)

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until ``stop`` is set (a background task; ``open`` first)."""
        if self._pull is None:
            raise RuntimeError(f"consumer {self.durable!r} was not opened")
        pull = self._pull
        stopped = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                raws = await self._next_round(pull, stopped)
                try:
                    await self._settle(raws, stop)
                except Exception:  # never let the loop die; unacked messages come back
                    log.exception("consumer round failed", extra={"consumer": self.durable})
        finally:
            stopped.cancel()
            with contextlib.suppress(Exception):
                await pull.unsubscribe()

    async def _next_round(self, pull: JetStreamContext.PullSubscription, stopped: asyncio.Future[Any]) -> list[Msg]:
        """The next message and the backlog behind it; [] on a quiet interval or once stopping."""
        waiting = asyncio.ensure_future(pull.fetch(1, timeout=self.fetch.max_wait))
        await asyncio.wait([waiting, stopped], return_when=asyncio.FIRST_COMPLETED)
        if not waiting.done():  # stopping: a message fetched meanwhile is redelivered after ack_wait
            waiting.cancel()
            with contextlib.suppress(BaseException):
                await waiting
            return []
        try:
            raws = waiting.result()
        except _TIMEOUTS:
            return []
        except Exception as error:  # e.g. the server is restarting: ask again shortly
            log.warning("fetch failed", extra={"consumer": self.durable, "error": repr(error)})
            await asyncio.wait([stopped], timeout=RECONNECT_PAUSE)
            return []
        backlog = min(raws[-1].metadata.num_pending or 0, self.fetch.batch_size - 1)
        if backlog > 0:
            with contextlib.suppress(*_TIMEOUTS):
                raws += await pull.fetch(backlog, timeout=SWEEP)
        return raws

    async def _settle(self, raws: list[Msg], stop: asyncio.Event) -> None:
        if self.batch_handler is not None and len(raws) > 1:
            await self.delivery.batch(raws, self.batch_handler)
            return
        for n, raw in enumerate(raws):
            if stop.is_set():  # between messages: hand the rest back for another process or the restart
                for left in raws[n:]:
                    with contextlib.suppress(Exception):
                        await left.nak()
                return
            await self.delivery(raw)

"""Publishing a contract message to JetStream: stored once, confirmed by the stream."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import NamedTuple, Protocol

from nats.js.api import PubAck

from shared.bus.connection import BusConnection
from shared.bus.topology import Topology
from shared.contracts.base import Message
from shared.contracts.registry import PRODUCER_HEADER

PUBLISH_TIMEOUT = 5.0
log = logging.getLogger("duban.bus.publisher")


class Outgoing(NamedTuple):
    """One message to publish as it is stored: canonical subject, payload, ``Nats-Msg-Id``."""

    subject: str
    payload: bytes
    message_id: str


class Publisher(Protocol):
    async def publish(self, message: Message) -> PubAck: ...


class JetStreamPublisher:
    """Publishes with ``Nats-Msg-Id`` = ``event_id`` and waits for the stream's ack.

    A repeated publish of the same message inside the stream's duplicate window is
    stored once (the ack then says ``duplicate``), so a retrying outbox relay is safe.
    Every message carries ``Duban-Producer: <producer>``, the publishing service's name;
    consumers refuse a contract message whose contract does not name that producer.
    It publishes on its process's connection (``bus``), once that is open.
    """

    def __init__(self, bus: BusConnection, topology: Topology, producer: str) -> None:
        if not producer:
            raise ValueError("a publisher names the service it publishes for")
        self.bus = bus
        self.topology = topology
        self.producer = producer

    def _headers(self, message_id: str) -> dict[str, str]:
        return {"Nats-Msg-Id": message_id, "content-type": "application/json", PRODUCER_HEADER: self.producer}

    async def publish(self, message: Message) -> PubAck:
        return await self.publish_raw(message.subject, message.to_json(), str(message.event_id))

    async def publish_raw(self, canonical_subject: str, payload: bytes, message_id: str,
                          headers: dict[str, str] | None = None) -> PubAck:
        subject = self.topology.subject(canonical_subject)
        return await self.bus.js.publish(subject, payload, timeout=PUBLISH_TIMEOUT,
                                         stream=self.topology.stream_for(subject),
                                         headers={**(headers or {}), **self._headers(message_id)})

    async def publish_pipelined(self, messages: Sequence[Outgoing], timeout: float = PUBLISH_TIMEOUT) -> int:
        """Send all messages in order without waiting between them, then wait for every ack.

        Returns how many messages, counted from the first, the stream confirmed: all of them,
        or fewer when an ack failed or did not come within ``timeout`` (then said in the log).
        A message after the first unconfirmed one may have been stored too; publishing it again
        is harmless (``Nats-Msg-Id``).
        """
        if not messages:
            return 0
        acks: list[asyncio.Future[PubAck]] = []
        try:
            js = self.bus.js
            for m in messages:
                subject = self.topology.subject(m.subject)
                # no wait_stall: with one, nats-py waits for its semaphore in a task of its own, a
                # turn of the event loop per message (seconds for a batch when the loop is busy)
                acks.append(await js.publish_async(subject, m.payload, stream=self.topology.stream_for(subject),
                                                   headers=self._headers(m.message_id)))
        except Exception as error:  # not connected, too many in flight: what was sent still counts
            log.warning("pipelined publish stopped", extra={"sent": len(acks), "error": repr(error)})
        if acks:
            await asyncio.wait(acks, timeout=timeout)
        confirmed = 0
        while confirmed < len(acks) and _stored(acks[confirmed]):
            confirmed += 1
        for ack in acks:
            if not ack.done():
                ack.cancel()  # frees its slot in nats-py's table of pending acks
            elif not ack.cancelled():
                ack.exception()  # retrieved, so asyncio does not report it again
        if confirmed < len(messages):
            reason = "not sent" if confirmed == len(acks) else _failure(acks[confirmed])
            log.warning("publish not confirmed", extra={"confirmed": confirmed, "of": len(messages),
                                                        "subject": messages[confirmed].subject, "reason": reason})
        return confirmed


def _stored(ack: asyncio.Future[PubAck]) -> bool:
    return ack.done() and not ack.cancelled() and ack.exception() is None


def _failure(ack: asyncio.Future[PubAck]) -> str:
    if not ack.done() or ack.cancelled():
        return "no ack in time"
    return repr(ack.exception())

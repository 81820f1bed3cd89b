"""Publishing a contract message to JetStream: stored once, confirmed by the stream."""

from __future__ import annotations

from typing import Protocol

from faststream.nats import NatsBroker
from nats.js.api import PubAck

from shared.bus.topology import Topology
from shared.contracts.base import Message
from shared.contracts.registry import PRODUCER_HEADER

PUBLISH_TIMEOUT = 5.0


class Publisher(Protocol):
    async def publish(self, message: Message) -> PubAck: ...


class JetStreamPublisher:
    """Publishes with ``Nats-Msg-Id`` = ``event_id`` and waits for the stream's ack.

    A repeated publish of the same message inside the stream's duplicate window is
    stored once (the ack then says ``duplicate``), so a retrying outbox relay is safe.
    Every message carries ``Duban-Producer: <producer>``, the publishing service's name;
    consumers refuse a contract message whose contract does not name that producer.
    """

    def __init__(self, broker: NatsBroker, topology: Topology, producer: str) -> None:
        if not producer:
            raise ValueError("a publisher names the service it publishes for")
        self.broker = broker
        self.topology = topology
        self.producer = producer

    async def publish(self, message: Message) -> PubAck:
        return await self.publish_raw(message.subject, message.to_json(), str(message.event_id))

    async def publish_raw(self, canonical_subject: str, payload: bytes, message_id: str,
                          headers: dict[str, str] | None = None) -> PubAck:
        subject = self.topology.subject(canonical_subject)
        ack = await self.broker.publish(
            payload,
            subject,
            headers={**(headers or {}), "Nats-Msg-Id": message_id, "content-type": "application/json",
                     PRODUCER_HEADER: self.producer},
            stream=self.topology.stream_for(subject),
            timeout=PUBLISH_TIMEOUT,
        )
        assert ack is not None, "a JetStream publish always returns an ack"
        return ack

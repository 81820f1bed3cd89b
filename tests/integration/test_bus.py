"""The bus against a real NATS server with JetStream: delivery, retry, dead letter, dedup, producers."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

import nats
import pytest
from nats.js.client import JetStreamContext

from shared.bus.connection import BusConnection, NatsConnection
from shared.bus.consumer import BatchHandler, Fetch, Handler, PullConsumer
from shared.bus.publisher import JetStreamPublisher, Outgoing
from shared.bus.topology import Topology
from shared.contracts.base import Message
from shared.contracts.registry import PRODUCER_HEADER
from shared.contracts.subjects import EVENTS_WILDCARD, ITEM_REGISTERED
from shared.retry import RetryPolicy
from tests.support.eventually import eventually
from tests.support.samples import item_registered

FAST_RETRY = RetryPolicy(max_attempts=3, delays=(0.0,))
FAST_FETCH = Fetch(batch_size=100, max_wait=1.0, ack_wait=5.0)
AS_WORKFLOW = {PRODUCER_HEADER: "workflow"}


@pytest.fixture
async def js(nats_url: str) -> AsyncIterator[JetStreamContext]:
    connection = await nats.connect(nats_url)
    yield connection.jetstream()
    await connection.close()


class Recorder:
    """A handler that fails its first ``failures`` calls, then records the message."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.calls = 0
        self.received: list[Message] = []

    async def __call__(self, message: Message) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise RuntimeError(f"transient failure #{self.calls}")
        self.received.append(message)


@contextlib.asynccontextmanager
async def consuming(nats_url: str, topology: Topology, handler: Handler, batch_handler: BatchHandler | None = None,
                    *, fetch: Fetch = FAST_FETCH, durable: str = "ledger") -> AsyncIterator[BusConnection]:
    """The durable consumer ``durable`` of the events stream, running until the block ends."""
    async with BusConnection(NatsConnection(url=nats_url, name=durable)) as bus:
        consumer = PullConsumer(topology, JetStreamPublisher(bus, topology, durable), durable=durable,
                                filter_subject=EVENTS_WILDCARD, handler=handler, batch_handler=batch_handler,
                                retry=FAST_RETRY, fetch=fetch)
        await consumer.open(bus.js)
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.run(stop))
        try:
            yield bus
        finally:
            stop.set()
            await asyncio.wait_for(task, timeout=5)


async def dead_letters(js: JetStreamContext, topology: Topology) -> list[nats.aio.msg.Msg]:
    info = await js.stream_info(topology.dead_letter_stream)
    return [await js.get_msg(topology.dead_letter_stream, seq)
            for seq in range(info.state.first_seq, info.state.last_seq + 1) if info.state.messages]


async def test_published_event_arrives_in_a_durable_consumer(nats_url: str, topology: Topology) -> None:
    handler = Recorder()
    async with consuming(nats_url, topology, handler) as bus:
        event = item_registered()
        ack = await JetStreamPublisher(bus, topology, "workflow").publish(event)
        assert ack.stream == topology.events_stream and not ack.duplicate
        await eventually(lambda: _value(handler.received), lambda got: len(got) == 1)
        assert handler.received == [event]


async def test_failing_handler_is_redelivered_then_succeeds(nats_url: str, topology: Topology,
                                                            js: JetStreamContext) -> None:
    handler = Recorder(failures=2)
    async with consuming(nats_url, topology, handler) as bus:
        event = item_registered()
        await JetStreamPublisher(bus, topology, "workflow").publish(event)
        await eventually(lambda: _value(handler.received), lambda got: len(got) == 1)
        assert handler.calls == 3
        consumer = await eventually(lambda: js.consumer_info(topology.events_stream, "ledger"),
                                    lambda c: c.num_ack_pending == 0 and c.num_pending == 0)
        assert consumer.delivered.stream_seq == 1
        assert await dead_letters(js, topology) == []


async def test_after_max_deliver_failures_the_message_is_dead_lettered(nats_url: str, topology: Topology,
                                                                       js: JetStreamContext) -> None:
    handler = Recorder(failures=10**6)
    async with consuming(nats_url, topology, handler) as bus:
        event = item_registered()
        await JetStreamPublisher(bus, topology, "workflow").publish(event)
        [dead] = await eventually(lambda: dead_letters(js, topology), lambda got: len(got) == 1)
        assert handler.calls == FAST_RETRY.max_attempts
        assert dead.subject == f"{topology.root}.dlq.events.item.registered"
        assert dead.data == event.to_json()
        assert dead.headers["Duban-Dlq-Consumer"] == "ledger"
        assert dead.headers["Duban-Dlq-Deliveries"] == str(FAST_RETRY.max_attempts)
        assert "transient failure #3" in dead.headers["Duban-Dlq-Reason"]
        consumer = await js.consumer_info(topology.events_stream, "ledger")
        assert consumer.num_ack_pending == 0  # dead-lettered messages are acked, not left hanging


async def test_malformed_event_goes_straight_to_dead_letter(nats_url: str, topology: Topology,
                                                            js: JetStreamContext) -> None:
    handler = Recorder()
    async with consuming(nats_url, topology, handler):
        bad = json.dumps({"title": "no ids", "unexpected": 1}).encode()
        await js.publish(topology.subject(ITEM_REGISTERED), bad, headers={"Nats-Msg-Id": "bad-1", **AS_WORKFLOW})
        [dead] = await eventually(lambda: dead_letters(js, topology), lambda got: len(got) == 1)
        assert dead.data == bad
        assert dead.headers["Duban-Dlq-Reason"].startswith("malformed")
        assert dead.headers["Duban-Dlq-Deliveries"] == "1"
        assert handler.calls == 0


async def test_a_message_from_a_service_its_contract_does_not_name_is_dead_lettered(
        nats_url: str, topology: Topology, js: JetStreamContext) -> None:
    handler = Recorder()
    async with consuming(nats_url, topology, handler) as bus:
        forged, unsigned, genuine = item_registered(), item_registered(), item_registered()
        stored = await JetStreamPublisher(bus, topology, "ledger").publish(forged)
        assert (await js.get_msg(topology.events_stream, stored.seq)).headers[PRODUCER_HEADER] == "ledger"
        await js.publish(topology.subject(unsigned.subject), unsigned.to_json(), headers={"Nats-Msg-Id": "unsigned"})
        await JetStreamPublisher(bus, topology, "workflow").publish(genuine)
        letters = await eventually(lambda: dead_letters(js, topology), lambda got: len(got) == 2)
        await eventually(lambda: _value(handler.received), lambda got: len(got) == 1)
        assert handler.received == [genuine]
        by_id = {json.loads(letter.data)["event_id"]: letter.headers for letter in letters}
        assert by_id[str(forged.event_id)]["Duban-Dlq-Reason"] == (
            "producer 'ledger' may not publish item.registered (only workflow)")
        assert by_id[str(forged.event_id)]["Duban-Dlq-Producer"] == "ledger"
        assert by_id[str(unsigned.event_id)]["Duban-Dlq-Reason"] == (
            "producer missing: item.registered is published by workflow")
        assert "Duban-Dlq-Producer" not in by_id[str(unsigned.event_id)]
        assert {headers[PRODUCER_HEADER] for headers in by_id.values()} == {"ledger"}  # the consumer that refused


async def test_a_dead_letter_reason_is_one_header_line_whatever_the_payload_holds(
        nats_url: str, topology: Topology, js: JetStreamContext) -> None:
    handler = Recorder()
    async with consuming(nats_url, topology, handler):
        bad = json.dumps({**json.loads(item_registered().to_json()), "x\r\nDuban-Dlq-Consumer: forged": 1}).encode()
        await js.publish(topology.subject(ITEM_REGISTERED), bad, headers={"Nats-Msg-Id": "crlf", **AS_WORKFLOW})
        [dead] = await eventually(lambda: dead_letters(js, topology), lambda got: len(got) == 1)
        assert dead.data == bad and dead.headers["Duban-Dlq-Consumer"] == "ledger"
        reason = dead.headers["Duban-Dlq-Reason"]
        assert reason.startswith("malformed") and "x Duban-Dlq-Consumer: forged: Extra inputs" in reason
        assert handler.calls == 0


async def test_a_repeated_message_id_is_stored_once(bus: BusConnection, topology: Topology,
                                                    js: JetStreamContext) -> None:
    publisher = JetStreamPublisher(bus, topology, "workflow")
    event = item_registered()
    first = await publisher.publish(event)
    again = await publisher.publish(event)
    other = await publisher.publish(item_registered())
    assert (bool(first.duplicate), again.duplicate, bool(other.duplicate)) == (False, True, False)
    assert again.seq == first.seq
    info = await js.stream_info(topology.events_stream)
    assert info.state.messages == 2


async def test_a_message_is_stored_with_its_id_its_producer_and_its_content_type(bus: BusConnection,
                                                                                 topology: Topology) -> None:
    event = item_registered()
    ack = await JetStreamPublisher(bus, topology, "workflow").publish_raw(
        event.subject, event.to_json(), str(event.event_id), headers={"Duban-Producer": "ledger", "X-Note": "kept"})
    stored = await bus.js.get_msg(topology.events_stream, ack.seq)
    assert stored.data == event.to_json()
    assert {k: v for k, v in (stored.headers or {}).items() if k != "Nats-Expected-Stream"} == {
        "Nats-Msg-Id": str(event.event_id), PRODUCER_HEADER: "workflow", "content-type": "application/json",
        "X-Note": "kept"}  # the publisher's own producer, whatever the caller passed


async def test_a_connection_answers_while_open_and_publishes_nothing_once_closed(nats_url: str,
                                                                                topology: Topology) -> None:
    bus = BusConnection(NatsConnection(url=nats_url, name="workflow"))
    publisher = JetStreamPublisher(bus, topology, "workflow")
    event = item_registered()
    outgoing = [Outgoing(event.subject, event.to_json(), str(event.event_id))]
    assert await bus.ping(timeout=2.0) is False  # not open yet
    async with bus:
        assert await bus.ping(timeout=2.0) is True
        assert await publisher.publish_pipelined(outgoing) == 1
    assert await bus.ping(timeout=2.0) is False
    assert await publisher.publish_pipelined(outgoing) == 0
    with pytest.raises(nats.errors.ConnectionClosedError):
        await publisher.publish(item_registered())


async def _value(value: object) -> object:
    return value


async def test_a_backlog_is_applied_in_batches_and_a_poisoned_batch_one_by_one(nats_url: str, topology: Topology,
                                                                             js: JetStreamContext) -> None:
    events = [item_registered(title=f"事项{n}") for n in range(250)]
    poison = events[170]
    for event in events:
        await js.publish(topology.subject(event.subject), event.to_json(), headers={"Nats-Msg-Id": event.msg_id, **AS_WORKFLOW})
    applied: list[Message] = []
    batches: list[int] = []

    async def one(message: Message) -> None:
        if message == poison:
            raise RuntimeError("this message cannot be applied")
        applied.append(message)

    async def many(messages: list[Message]) -> None:
        if poison in messages:
            raise RuntimeError("a message of the batch cannot be applied")
        batches.append(len(messages))
        applied.extend(messages)

    async with consuming(nats_url, topology, one, many, fetch=Fetch(batch_size=100, max_wait=60.0, ack_wait=5.0)):
        await eventually(lambda: _value(applied), lambda got: len(got) == len(events) - 1)
        letters = await eventually(lambda: dead_letters(js, topology), lambda got: len(got) == 1)
        assert json.loads(letters[0].data)["event_id"] == str(poison.event_id)
        assert applied == [e for e in events if e != poison]  # each once, in stream order
        assert max(batches) > 1 and sum(batches) < len(events) - 1  # batches, and the poisoned one split
        # a new event on a quiet bus is applied without waiting for a batch to fill (max_wait)
        late = item_registered(title="新事项")
        await js.publish(topology.subject(late.subject), late.to_json(), headers={"Nats-Msg-Id": late.msg_id, **AS_WORKFLOW})
        await eventually(lambda: _value(applied), lambda got: got[-1] == late, timeout=20)


async def test_a_consumer_stops_between_messages_and_hands_the_rest_back(nats_url: str, topology: Topology,
                                                                        js: JetStreamContext) -> None:
    """Stopping never cuts a handler short: the message being handled is finished and acked,
    the rest of the fetched round is handed back (nacked: due again at once, not after the
    minute of ``ack_wait``), and the next consumer handles each once."""
    events = [item_registered(title=f"事项{n}") for n in range(5)]
    for event in events:
        await js.publish(topology.subject(event.subject), event.to_json(), headers={"Nats-Msg-Id": event.msg_id, **AS_WORKFLOW})
    entered, release = asyncio.Event(), asyncio.Event()
    handled: list[Message] = []

    async def slow(message: Message) -> None:
        entered.set()
        await release.wait()
        handled.append(message)

    async with BusConnection(NatsConnection(url=nats_url, name="ledger")) as bus:
        consumer = PullConsumer(topology, JetStreamPublisher(bus, topology, "ledger"), durable="ledger",
                                filter_subject=EVENTS_WILDCARD, handler=slow, retry=FAST_RETRY,
                                fetch=Fetch(batch_size=100, max_wait=1.0, ack_wait=60.0))
        await consumer.open(bus.js)
        opened = await js.consumer_info(topology.events_stream, "ledger")  # the durable exists before it runs
        assert (opened.num_pending, opened.config.max_deliver) == (len(events), FAST_RETRY.max_attempts + 1)
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.run(stop))
        await asyncio.wait_for(entered.wait(), timeout=10)
        stop.set()  # while the first handler runs
        await asyncio.sleep(0)
        assert not task.done()
        release.set()
        await asyncio.wait_for(task, timeout=5)
        assert handled == events[:1]
        after = await eventually(lambda: js.consumer_info(topology.events_stream, "ledger"),
                                 lambda c: c.ack_floor.stream_seq >= 1)  # the ack travels on its own
        assert (after.ack_floor.stream_seq, after.num_redelivered) == (1, 0)  # the rest was never handled

        async def quick(message: Message) -> None:
            handled.append(message)

        async with consuming(nats_url, topology, quick):
            await eventually(lambda: _value(handled), lambda got: len(got) == len(events))
        assert handled == events  # each once, in stream order

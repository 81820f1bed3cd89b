"""The decoder and the delivery logic under arbitrary input (Hypothesis).

``parse_message``/``decode`` give a message or raise ``MalformedMessage``, whatever the
bytes; and a ``Delivery`` (driven here with a small fake of nats' ``Msg``: it is the pure
decode-and-ack logic; ``tests/integration/test_poison.py`` runs it on a real server)
acks every message, hands each valid one to its handler exactly once and dead-letters
each poison, wherever it sits in a batch.

Examples per property (the profiles below): 300 for the decoder and 100 for the delivery
scenarios, so the file runs in a few seconds; ``DUBAN_HYPOTHESIS_EXAMPLES=5000`` (the
delivery scenarios take a third) makes a long hunt.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.bus.consumer import Delivery
from shared.bus.topology import Topology
from shared.contracts import MESSAGES, PRODUCER_HEADER, MalformedMessage, Message, WrongProducer, decode, parse_message
from shared.contracts.subjects import namespaced
from shared.retry import RetryPolicy
from tests.unit.test_contracts import build, payload

EXAMPLES = int(os.environ.get("DUBAN_HYPOTHESIS_EXAMPLES", "300"))
settings.register_profile("duban-decoder", max_examples=EXAMPLES, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("duban-delivery", max_examples=max(EXAMPLES // 3, 10), deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
DECODER = settings.get_profile("duban-decoder")
DELIVERY = settings.get_profile("duban-delivery")

MODELS = sorted(MESSAGES.values(), key=lambda m: m.__name__)
SUBJECTS = st.sampled_from(sorted(MESSAGES))
TOPOLOGY = Topology(root="tdecoder")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=30,
)
"""Any JSON value (NaN and infinities included: ``json.dumps`` writes them, though JSON has none)."""

offsets = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda minutes: dt.timezone(dt.timedelta(minutes=minutes)))
_DAY = dt.timedelta(days=1)
any_moment = st.one_of(
    st.datetimes(min_value=dt.datetime.min, max_value=dt.datetime.max, timezones=offsets),
    st.datetimes(min_value=dt.datetime.min, max_value=dt.datetime.min + _DAY, timezones=offsets),
    st.datetimes(min_value=dt.datetime.max - _DAY, max_value=dt.datetime.max, timezones=offsets),
).map(dt.datetime.isoformat)
"""Any ISO time with any offset, from the year 1 to 9999, a third of them on the first or
the last day a datetime holds (where 0001-01-01T00:00+08:00 is out of range in UTC)."""
any_day = st.dates().map(dt.date.isoformat)


def assert_decodes_or_is_malformed(subject: str, data: bytes | str) -> None:
    """Both doors: ``parse_message``, and ``decode`` with the header of a producer the contract names."""
    model = MESSAGES.get(subject)
    headers = {PRODUCER_HEADER: min(model.producers)} if model else {}
    for read in (lambda: parse_message(subject, data), lambda: decode(subject, data, headers)):
        try:
            message = read()
        except MalformedMessage as error:
            assert error.subject == subject and error.reason
        else:
            assert model is not None and isinstance(message, model)


# --- the decoder -------------------------------------------------------------------------------------
@DECODER
@given(subject=SUBJECTS, data=st.binary(max_size=2_000))
def test_arbitrary_bytes_are_a_message_or_malformed(subject: str, data: bytes) -> None:
    assert_decodes_or_is_malformed(subject, data)


@DECODER
@given(subject=st.text(max_size=60), data=st.binary(max_size=200))
def test_arbitrary_subjects_are_a_message_or_malformed(subject: str, data: bytes) -> None:
    assert_decodes_or_is_malformed(subject, data)


@DECODER
@given(subject=SUBJECTS, value=json_values)
def test_arbitrary_json_is_a_message_or_malformed(subject: str, value: Any) -> None:
    assert_decodes_or_is_malformed(subject, json.dumps(value).encode())
    assert_decodes_or_is_malformed(subject, json.dumps(value, ensure_ascii=False))  # str input too


def _mutated(draw: st.DrawFn) -> tuple[type[Message], dict[str, Any]]:
    model = draw(st.sampled_from(MODELS))
    data = payload(model)
    names = sorted(data)
    for name in draw(st.lists(st.sampled_from(names), max_size=len(names), unique=True)):
        kind = draw(st.sampled_from(["json", "moment", "day", "text", "drop"]))
        if kind == "drop":
            del data[name]
        else:
            data[name] = draw({"json": json_values, "moment": any_moment, "day": any_day,
                               "text": st.text(max_size=300)}[kind])
    if draw(st.booleans()):
        data[draw(st.text(max_size=10))] = draw(json_values)
    return model, data


mutated = st.composite(_mutated)()


@DECODER
@given(mutated)
def test_valid_messages_with_fields_replaced_by_anything_are_a_message_or_malformed(
        case: tuple[type[Message], dict[str, Any]]) -> None:
    model, data = case
    assert_decodes_or_is_malformed(model.subject, json.dumps(data).encode())


@DECODER
@given(model=st.sampled_from(MODELS), moment=any_moment)
def test_any_occurred_at_is_kept_in_utc_or_refused(model: type[Message], moment: str) -> None:
    try:
        message = parse_message(model.subject, json.dumps({**payload(model), "occurred_at": moment}).encode())
    except MalformedMessage as error:
        assert [field for field, _ in error.errors] == ["occurred_at"]
    else:
        assert message.occurred_at.utcoffset() == dt.timedelta(0)
        assert message.occurred_at == dt.datetime.fromisoformat(moment)


@DECODER
@given(model=st.sampled_from(MODELS), producer=st.none() | st.text(max_size=20) | st.sampled_from(
    ["workflow", "reporting", "ledger", "notification"]))
def test_decode_accepts_exactly_the_producers_a_contract_names(model: type[Message], producer: str | None) -> None:
    data = build(model).to_json()
    headers = {} if producer is None else {PRODUCER_HEADER: producer}
    if producer in model.producers:
        assert isinstance(decode(model.subject, data, headers), model)
    else:
        with pytest.raises(WrongProducer):
            decode(model.subject, data, headers)


TASK_COMPLETED = "duban.events.task.completed"


def task_completed(field: str, raw_json: str) -> str:
    """A valid ``task.completed`` whose ``field`` holds ``raw_json`` verbatim."""
    return json.dumps({**payload(MESSAGES[TASK_COMPLETED]), field: "@@"}).replace('"@@"', raw_json)


CLASSIC_POISONS = {
    "deep lists (RecursionError in a parser)": task_completed("data", '{"x": ' + "[" * 100_000 + "]" * 100_000 + "}"),
    "deep objects": task_completed("data", '{"x": ' + '{"a": ' * 5_000 + "1" + "}" * 5_000 + "}"),
    "an encoded surrogate (not UTF-8)": task_completed("actor", '"@"').encode().replace(b"@", b"\xed\xa0\x80"),
    "invalid UTF-8": task_completed("actor", '"@"').encode().replace(b"@", b"\xff"),
    "a lone surrogate in a str": task_completed("actor", '"\ud800"'),
    "a number past float (inf)": task_completed("data", '{"x": 1e99999}'),
    "NaN": task_completed("data", '{"x": NaN}'),
    "0001-01-01T00:00+08:00 (OverflowError in UTC)": task_completed("occurred_at", '"0001-01-01T00:00+08:00"'),
    "9999-12-31T23:59-00:01": task_completed("occurred_at", '"9999-12-31T23:59-00:01"'),
    "a 5,000-digit integer": task_completed("data", '{"x": ' + "9" * 5_000 + "}"),
}


@pytest.mark.parametrize("data", list(CLASSIC_POISONS.values()), ids=list(CLASSIC_POISONS))
def test_the_classic_poisons_are_malformed(data: str | bytes) -> None:
    with pytest.raises(MalformedMessage) as caught:
        decode(TASK_COMPLETED, data, {PRODUCER_HEADER: "workflow"})
    assert caught.value.errors


# --- the delivery ---------------------------------------------------------------------------------------
@dataclass
class FakeMsg:
    """What a Delivery uses of nats' ``Msg``: subject, data, headers, metadata, ack and nak."""

    subject: str
    data: bytes
    headers: dict[str, str] | None
    seq: int
    acks: int = 0
    naks: int = 0

    @property
    def metadata(self) -> SimpleNamespace:
        return SimpleNamespace(num_delivered=1, stream=TOPOLOGY.events_stream,
                               sequence=SimpleNamespace(stream=self.seq))

    async def ack(self) -> None:
        self.acks += 1

    async def nak(self, delay: float | None = None) -> None:
        self.naks += 1


@dataclass
class FakeDeadLetters:
    letters: list[tuple[str, bytes, dict[str, str]]] = field(default_factory=list)

    async def publish_raw(self, canonical_subject: str, payload: bytes, message_id: str,
                          headers: dict[str, str] | None = None) -> None:
        self.letters.append((canonical_subject, payload, headers or {}))


def valid(model: type[Message]) -> tuple[Message, str, bytes, dict[str, str]]:
    message = build(model)
    return message, namespaced(model.subject, TOPOLOGY.root), message.to_json(), {PRODUCER_HEADER: min(model.producers)}


@st.composite
def poison(draw: st.DrawFn) -> tuple[str, bytes, dict[str, str] | None]:
    """A message that cannot decode, by construction: every kind that ever stalled a batch."""
    model = draw(st.sampled_from(MODELS))
    subject = namespaced(model.subject, TOPOLOGY.root)
    producer = {PRODUCER_HEADER: min(model.producers)}
    kind = draw(st.sampled_from(["bytes", "json", "extra", "moment", "producer", "no header", "subject"]))
    if kind == "bytes":
        return subject, b"\xff" + draw(st.binary(max_size=300)), producer  # never UTF-8
    if kind == "json":  # any JSON that is not an object
        value = draw(json_values.filter(lambda v: not isinstance(v, dict)))
        return subject, json.dumps(value).encode(), producer
    if kind == "extra":
        return subject, json.dumps({**payload(model), "surprise\r\n": draw(json_values)}).encode(), producer
    if kind == "moment":
        return subject, json.dumps({**payload(model), "occurred_at": "0001-01-01T00:00+08:00"}).encode(), producer
    if kind == "producer":
        other = draw(st.text(max_size=20).filter(lambda p: p not in model.producers))
        return subject, build(model).to_json(), {PRODUCER_HEADER: other}
    if kind == "no header":
        return subject, build(model).to_json(), draw(st.sampled_from([None, {}]))
    return f"{TOPOLOGY.root}.events.item.exploded", build(model).to_json(), producer


Stream = list[tuple[Message | None, FakeMsg]]


@st.composite
def streams(draw: st.DrawFn) -> Stream:
    """Valid messages with poisons interleaved, each with its stream sequence."""
    entries: list[tuple[Message | None, str, bytes, dict[str, str] | None]] = []
    for model in draw(st.lists(st.sampled_from(MODELS), max_size=12)):
        message, subject, data, headers = valid(model)
        entries.append((message, subject, data, headers))
    for subject, data, headers in draw(st.lists(poison(), max_size=6)):
        entries.insert(draw(st.integers(0, len(entries))), (None, subject, data, headers))
    return [(message, FakeMsg(subject, data, headers, seq)) for seq, (message, subject, data, headers)
            in enumerate(entries, start=1)]


def delivery(received: list[Message], dead: FakeDeadLetters) -> Delivery:
    async def handler(message: Message) -> None:
        received.append(message)

    retry = RetryPolicy(max_attempts=3, delays=(0.0,))
    return Delivery("ledger", handler, TOPOLOGY, dead, retry)  # type: ignore[arg-type]


def assert_settled(stream: Stream, received: list[Message], dead: FakeDeadLetters) -> None:
    assert [(raw.acks, raw.naks) for _, raw in stream] == [(1, 0)] * len(stream)  # every message acked, once
    assert received == [message for message, _ in stream if message is not None]  # each valid one, once, in order
    poisons = [raw for message, raw in stream if message is None]
    assert [payload for _, payload, _ in dead.letters] == [raw.data for raw in poisons]
    for (_, _, headers), raw in zip(dead.letters, poisons, strict=True):
        assert headers["Duban-Dlq-Stream-Seq"] == str(raw.seq)
        assert headers["Duban-Dlq-Reason"].startswith(("malformed: ", "producer "))
        assert "\n" not in headers["Duban-Dlq-Reason"] and "\r" not in headers["Duban-Dlq-Reason"]


@DELIVERY
@given(streams())
def test_one_by_one_every_message_is_acked_every_valid_one_handled_once_every_poison_dead_lettered(
        stream: Stream) -> None:
    received: list[Message] = []
    dead = FakeDeadLetters()
    handle = delivery(received, dead)

    async def run() -> None:
        for _, raw in stream:
            await handle(raw)  # type: ignore[arg-type]

    asyncio.run(run())
    assert_settled(stream, received, dead)


@DELIVERY
@given(streams(), st.booleans())
def test_in_a_batch_every_message_is_acked_every_valid_one_handled_once_every_poison_dead_lettered(
        stream: Stream, batch_fails: bool) -> None:
    received: list[Message] = []
    dead = FakeDeadLetters()
    handle = delivery(received, dead)

    async def apply_batch(messages: list[Message]) -> None:
        if batch_fails:  # then each message is handled on its own
            raise RuntimeError("the batch transaction failed")
        received.extend(messages)

    asyncio.run(handle.batch([raw for _, raw in stream], apply_batch))  # type: ignore[misc]
    assert_settled(stream, received, dead)


def test_a_message_whose_dead_letter_fails_is_left_to_come_back_and_the_rest_go_on() -> None:
    received: list[Message] = []

    class Unreachable(FakeDeadLetters):
        async def publish_raw(self, *args: Any, **kwargs: Any) -> None:
            raise TimeoutError("the dead-letter stream did not answer")

    handle = delivery(received, Unreachable())
    first, second = valid(MODELS[0]), valid(MODELS[1])
    stream = [FakeMsg(first[1], first[2], first[3], 1), FakeMsg(first[1], b"\xff", first[3], 2),
              FakeMsg(second[1], second[2], second[3], 3)]
    asyncio.run(handle.batch(stream, lambda messages: _extend(received, messages)))  # type: ignore[arg-type]
    assert [raw.acks for raw in stream] == [1, 0, 1]  # the poison waits for its redelivery
    assert received == [first[0], second[0]]


async def _extend(received: list[Message], messages: list[Message]) -> None:
    received.extend(messages)

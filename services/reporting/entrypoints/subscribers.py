"""The reporting service's bus subscriber: the workflow's events, each recorded once in its
inbox and applied to the bulletins' read model in the same transaction, a fetched backlog in
one transaction (``adapters/read_model.py``, and the public board's effect). A malformed event never reaches it: the consumer
sends it to the dead-letter subject (``shared/bus/consumer.py``)."""

from __future__ import annotations

from shared.contracts.subjects import EVENTS_WILDCARD
from shared.runtime import Runtime
from shared.storage.inbox import InboxRecorder

DURABLE = "reporting"


def subscribe(runtime: Runtime, recorder: InboxRecorder) -> None:
    """The workflow's events; a backlog is applied up to ``fetch_batch`` events per transaction."""
    runtime.consume(DURABLE, EVENTS_WILDCARD, recorder, batch_handler=recorder.batch)

"""The reporting service's bus subscriber: the workflow's events, each recorded once in its
inbox, a fetched backlog in one transaction (``shared.storage.inbox.InboxRecorder``)."""

from __future__ import annotations

from shared.contracts.subjects import EVENTS_WILDCARD
from shared.runtime import Runtime
from shared.storage.inbox import InboxRecorder

DURABLE = "reporting"


def subscribe(runtime: Runtime, recorder: InboxRecorder) -> None:
    """The workflow's events; a backlog is recorded up to ``fetch_batch`` events per transaction."""
    runtime.consume(DURABLE, EVENTS_WILDCARD, recorder, batch_handler=recorder.batch)

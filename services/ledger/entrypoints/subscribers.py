"""The ledger service's bus subscriber: the workflow's events, each handed to the projection's use case."""

from __future__ import annotations

from services.ledger.service import LedgerService
from shared.contracts.subjects import EVENTS_WILDCARD
from shared.runtime import Runtime

DURABLE = "ledger"


def subscribe(runtime: Runtime, service: LedgerService) -> None:
    """The workflow's events; a backlog is applied up to ``fetch_batch`` events per transaction."""
    runtime.consume(DURABLE, EVENTS_WILDCARD, service.consume, batch_handler=service.consume_batch)

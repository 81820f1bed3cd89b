"""The notification service's bus subscribers: each hands the decoded contract to one use case."""

from __future__ import annotations

from services.notification.service import NotificationService
from shared.contracts.subjects import CMD_SEND_NOTIFICATION, EVENTS_WILDCARD
from shared.runtime import Runtime

EVENTS_DURABLE, SEND_DURABLE = "notification", "notification-send"


def subscribe(runtime: Runtime, service: NotificationService) -> None:
    """The workflow's events (a backlog recorded up to ``fetch_batch`` per transaction) and the free messages."""
    runtime.consume(EVENTS_DURABLE, EVENTS_WILDCARD, service.record_event, batch_handler=service.record)
    runtime.consume(SEND_DURABLE, CMD_SEND_NOTIFICATION, service.send_free_message)

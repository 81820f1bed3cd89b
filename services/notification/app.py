"""Wiring of the notification service: the one place its adapters are built."""

from __future__ import annotations

from fastapi import FastAPI

from services.notification import tables
from services.notification.config import NotificationSettings
from shared.bus.consumer import subscribe
from shared.contracts.subjects import EVENTS_WILDCARD
from shared.runtime import Runtime, build_runtime
from shared.storage.inbox import InboxRecorder
from shared.web import service_app


def create_app(settings: NotificationSettings | None = None, deps: Runtime | None = None) -> FastAPI:
    runtime = deps or build_runtime(settings or NotificationSettings())
    subscribe(
        runtime.broker,
        runtime.topology,
        durable="notification",
        filter_subject=EVENTS_WILDCARD,
        handler=InboxRecorder(runtime.engine, tables.inbox, runtime.clock),
        retry=runtime.retry,
        batch_size=runtime.settings.fetch_batch,
        max_wait=runtime.settings.fetch_max_wait,
    )
    return service_app(
        runtime,
        title="Duban notification service (督办通知服务)",
        description="Tells units and staff what is due, by inbox, e-mail and webhooks.",
        routers=[],
    )

"""Wiring of the notification service: the one place its adapters are built."""

from __future__ import annotations

from fastapi import FastAPI

from services.notification import tables
from services.notification.config import NotificationSettings
from shared.contracts.subjects import EVENTS_WILDCARD
from shared.runtime import Runtime, build_runtime
from shared.storage.inbox import InboxRecorder
from shared.web import service_app


def create_app(settings: NotificationSettings | None = None, deps: Runtime | None = None) -> FastAPI:
    runtime = deps or build_runtime(settings or NotificationSettings())
    runtime.consume("notification", EVENTS_WILDCARD, InboxRecorder(runtime.engine, tables.inbox, runtime.clock))
    return service_app(
        runtime,
        title="Duban notification service (督办通知服务)",
        description="Tells units and staff what is due, by inbox, e-mail and webhooks.",
        routers=[],
    )

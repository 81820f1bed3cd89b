"""Wiring of the reporting service: the one place its adapters are built."""

from __future__ import annotations

from fastapi import FastAPI

from services.reporting.adapters import tables
from services.reporting.config import ReportingSettings
from services.reporting.entrypoints.subscribers import subscribe
from shared.runtime import Runtime, build_runtime
from shared.storage.inbox import InboxRecorder
from shared.web import service_app


def create_app(settings: ReportingSettings | None = None, deps: Runtime | None = None) -> FastAPI:
    runtime = deps or build_runtime(settings or ReportingSettings())
    recorder = InboxRecorder(runtime.db, tables.inbox, runtime.clock)
    subscribe(runtime, recorder)
    return service_app(
        runtime,
        title="Duban reporting service (督办通报服务)",
        description="Statistics, bulletins (督查通报) and briefings (简报).",
        routers=[],
    )

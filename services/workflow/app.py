"""Wiring of the workflow service: the one place its adapters are built."""

from __future__ import annotations

from fastapi import FastAPI

from services.workflow import tables
from services.workflow.config import WorkflowSettings
from services.workflow.routes_units import units_router
from shared.runtime import Runtime, build_runtime
from shared.storage.outbox import Outbox, OutboxRelay
from shared.web import service_app


def create_app(settings: WorkflowSettings | None = None, deps: Runtime | None = None) -> FastAPI:
    runtime = deps or build_runtime(settings or WorkflowSettings())
    outbox = Outbox(tables.outbox, runtime.clock)
    relay = OutboxRelay(runtime.engine, outbox, runtime.publisher)
    runtime.background.append(relay.run)
    app = service_app(
        runtime,
        title="Duban workflow service (督办流程服务)",
        description="Runs the supervision processes (BPMN) and serves the org directory.",
        routers=[units_router(runtime.directory)],
    )
    app.state.outbox, app.state.relay = outbox, relay
    return app

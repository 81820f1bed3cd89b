"""Wiring of the workflow service: the one place its adapters are built."""

from __future__ import annotations

import asyncio
import logging

from fastapi import FastAPI

from services.workflow import tables
from services.workflow.config import WorkflowSettings
from services.workflow.engine.checks import check_documents
from services.workflow.engine.definitions import Definitions
from services.workflow.engine.runner import Engine
from services.workflow.engine.scripts import DubanScriptEngine
from services.workflow.routes_items import items_router
from services.workflow.routes_units import units_router
from services.workflow.service import WorkflowService
from services.workflow.store import DefinitionStore, InstanceStore
from shared.runtime import Runtime, build_runtime
from shared.storage.outbox import Outbox, OutboxRelay
from shared.web import service_app

log = logging.getLogger("duban.workflow")
SWEEP_BATCH = 200


def create_app(settings: WorkflowSettings | None = None, deps: Runtime | None = None) -> FastAPI:
    runtime = deps or build_runtime(settings or WorkflowSettings())
    settings = runtime.settings
    outbox = Outbox(tables.outbox, runtime.clock)
    relay = OutboxRelay(runtime.engine, outbox, runtime.publisher)
    engine = Engine(DubanScriptEngine(runtime.clock, runtime.calendar))
    service = WorkflowService(runtime.engine, engine, runtime.clock, outbox, relay, DefinitionStore(),
                              InstanceStore())

    async def install_workflows() -> None:
        documents = {p.name: p.read_bytes() for p in sorted(settings.workflows_dir.glob("*.bpmn"))}
        if not documents:
            log.warning("no BPMN files found", extra={"dir": str(settings.workflows_dir)})
            return
        problems = check_documents(documents)
        if problems:
            raise RuntimeError("BPMN files rejected:\n" + "\n".join(map(str, problems)))
        version = await service.install(Definitions(documents), source="startup", actor="system")
        log.info("process definitions installed", extra={"version": version, "files": sorted(documents)})

    async def sweep_timers(stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                full_batch = await service.fire_due_timers(SWEEP_BATCH) == SWEEP_BATCH
            except Exception:
                log.exception("timer sweep failed; retrying")
                full_batch = False
            if not full_batch:  # more may be due at once only when the batch was full
                try:
                    await asyncio.wait_for(stop.wait(), settings.timer_sweep_seconds)
                except TimeoutError:
                    pass

    runtime.startup.append(install_workflows)
    runtime.background += [relay.run, sweep_timers]
    app = service_app(
        runtime,
        title="Duban workflow service (督办流程服务)",
        description="Runs the supervision processes (BPMN) and serves the org directory.",
        routers=[units_router(runtime.directory), items_router(service, runtime.directory)],
    )
    app.state.outbox, app.state.relay, app.state.service = outbox, relay, service
    return app

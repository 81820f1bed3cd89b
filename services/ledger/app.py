"""Wiring of the ledger service: the one place its adapters are built."""

from __future__ import annotations

from fastapi import FastAPI

from services.ledger.config import LedgerSettings
from services.ledger.entrypoints.routes import ledger_router
from services.ledger.entrypoints.subscribers import subscribe
from services.ledger.service import LedgerService
from shared.runtime import Runtime, build_runtime
from shared.web import service_app


def create_app(settings: LedgerSettings | None = None, deps: Runtime | None = None) -> FastAPI:
    runtime = deps or build_runtime(settings or LedgerSettings())
    service = LedgerService(runtime.db, runtime.clock, runtime.calendar, runtime.directory)
    subscribe(runtime, service)
    app = service_app(
        runtime,
        title="Duban ledger service (督办台帐服务)",
        description="Keeps the supervision ledger (台帐) from the workflow events: one row per item, "
                    "its timeline, the traffic light (红黄绿灯), the Excel export and unit statistics.",
        routers=[ledger_router(service)],
    )
    app.state.service = service
    return app

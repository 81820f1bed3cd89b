"""Wiring of the ledger service: the one place its adapters are built."""

from __future__ import annotations

from fastapi import FastAPI

from services.ledger import tables
from services.ledger.config import LedgerSettings
from shared.contracts.subjects import EVENTS_WILDCARD
from shared.runtime import Runtime, build_runtime
from shared.storage.inbox import InboxRecorder
from shared.web import service_app


def create_app(settings: LedgerSettings | None = None, deps: Runtime | None = None) -> FastAPI:
    runtime = deps or build_runtime(settings or LedgerSettings())
    runtime.consume("ledger", EVENTS_WILDCARD, InboxRecorder(runtime.engine, tables.inbox, runtime.clock))
    return service_app(
        runtime,
        title="Duban ledger service (督办台帐服务)",
        description="Keeps the supervision ledger (台帐) from the workflow events.",
        routers=[],
    )

"""Wiring of the reporting service: the one place its adapters are built."""

from __future__ import annotations

from fastapi import FastAPI

from services.reporting.adapters.read_model import ReadModelRecorder, fill_from_inbox
from services.reporting.bulletin_service import BulletinService
from services.reporting.config import ReportingSettings
from services.reporting.domain import bulletin as b
from services.reporting.domain.bulletin_rules import parse_rules
from services.reporting.entrypoints.bulletins import bulletins_router
from services.reporting.entrypoints.subscribers import subscribe
from shared.runtime import Runtime, build_runtime
from shared.unit_stats import BadPeriod
from shared.web import service_app


def create_app(settings: ReportingSettings | None = None, deps: Runtime | None = None) -> FastAPI:
    runtime = deps or build_runtime(settings or ReportingSettings())
    config: ReportingSettings = runtime.settings  # type: ignore[assignment]
    rules = parse_rules(config.bulletin_rules_file.read_text(encoding="utf-8"))
    subscribe(runtime, ReadModelRecorder(runtime.db, runtime.clock))

    async def fill() -> None:  # after the migrations, before the consumer runs
        await fill_from_inbox(runtime.db)

    runtime.startup.append(fill)
    bulletins = BulletinService(runtime.db, runtime.clock, runtime.directory, config, rules)
    app = service_app(
        runtime,
        title="Duban reporting service (督办通报服务)",
        description="Statistics, bulletins (督查通报) and briefings (简报).",
        routers=[bulletins_router(bulletins)],
        error_status={b.BulletinNotFound: 404, b.BulletinNotDraft: 409, b.UnknownUnit: 422, b.NotListed: 422,
                      BadPeriod: 422},
    )
    app.state.bulletins = bulletins
    return app

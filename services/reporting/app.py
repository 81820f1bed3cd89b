"""Wiring of the reporting service: the one place its adapters are built."""

from __future__ import annotations

import datetime as dt

from fastapi import FastAPI

from services.reporting.adapters import tables
from services.reporting.adapters.case_store import fill_cases_from_inbox, follow_cases
from services.reporting.adapters.item_records import record_item_records
from services.reporting.adapters.read_model import fill_from_inbox, read_model_recorder
from services.reporting.bulletin_service import BulletinService
from services.reporting.config import ReportingSettings
from services.reporting.documents import DEFAULT_TEMPLATE, PdfUnavailable, to_pdf
from services.reporting.domain import bulletin as b
from services.reporting.domain import plans as p
from services.reporting.domain.bulletin_rules import parse_rules
from services.reporting.domain.public_board import NotOnBoardYet, PublicItemNotFound
from services.reporting.domain.public_feedback import FeedbackHidden, FeedbackNotFound, TooMuchFeedback
from services.reporting.entrypoints.bulletin_documents import bulletin_documents_router, public_documents_router
from services.reporting.entrypoints.bulletins import bulletins_router, public_bulletins_router
from services.reporting.entrypoints.plans import plans_router
from services.reporting.entrypoints.public import office_router, public_router
from services.reporting.entrypoints.subscribers import subscribe
from services.reporting.plan_service import PlanService
from services.reporting.public_service import PublicBoard, board_effect, flood_limit
from services.reporting.published_documents import DocumentNotReady, NoPublishedBulletin, PublishedDocuments
from shared.runtime import Runtime, build_runtime
from shared.storage.outbox import Outbox, OutboxRelay
from shared.unit_stats import BadPeriod
from shared.waiting import every
from shared.web import service_app


def create_app(settings: ReportingSettings | None = None, deps: Runtime | None = None) -> FastAPI:
    runtime = deps or build_runtime(settings or ReportingSettings())
    config: ReportingSettings = runtime.settings  # type: ignore[assignment]
    # what the service publishes (bulletin.published, the approval and accountability commands)
    # leaves through its outbox, staged in the use case's or the inbox's transaction
    outbox = Outbox(tables.outbox, runtime.clock)
    relay = OutboxRelay(runtime.db, outbox, runtime.publisher)
    runtime.background.append(relay.run)
    rules = parse_rules(config.bulletin_rules_file.read_text(encoding="utf-8"))
    plans = PlanService(runtime.db, runtime.clock, runtime.directory, config, outbox, relay.wake)
    bulletins = BulletinService(runtime.db, runtime.clock, runtime.directory, config, rules, outbox, relay.wake,
                                work_of=plans.work_of)  # a brief (简报) adds the month's supervision work
    board = PublicBoard(runtime.db, runtime.clock, runtime.directory,
                        flood_limit(config.feedback_limit, config.feedback_window_seconds), outbox, relay.wake)
    # each event recorded once in the inbox and, in the same transaction, applied to the
    # bulletins' read model, the public board (公开挂牌督办), the bulletins' cases and approval,
    # the published documents and the evaluations and research notes the work brief (简报) lists
    documents = PublishedDocuments(bulletins, config.bulletin_template or DEFAULT_TEMPLATE,
                                   to_pdf if config.render_pdf else None)
    subscribe(runtime, read_model_recorder(runtime.db, runtime.clock, board_effect(runtime.calendar),
                                           follow_cases, bulletins.on_events, documents.on_events,
                                           record_item_records))

    async def fill() -> None:  # after the migrations, before the consumer runs
        await fill_from_inbox(runtime.db)
        await fill_cases_from_inbox(runtime.db)

    runtime.startup.append(fill)

    def first_working_day(month: dt.date) -> dt.date:
        return runtime.calendar.add_working_days(month - dt.timedelta(days=1), 1).date

    async def monthly_draft() -> bool:
        await bulletins.monthly_draft(first_working_day)
        return False

    monthly_drafts = every(runtime.clock, config.schedule_seconds, monthly_draft, "the monthly draft bulletin")

    async def on_site_reminder() -> bool:
        await plans.remind_short_month()
        return False

    # the office reminded in the last week of a month short of on-site days, once per month
    on_site_reminders = every(runtime.clock, config.schedule_seconds, on_site_reminder, "the on-site days reminder")

    if config.schedule:
        runtime.background.extend([monthly_drafts, on_site_reminders])
    runtime.background.append(every(runtime.clock, config.document_sweep_seconds, documents.render_missing,
                                    "rendering the published bulletins' documents", wake=documents.woken))
    app = service_app(
        runtime,
        title="Duban reporting service (督办通报服务)",
        description="Statistics, bulletins (督查通报), briefings (简报) and the public board (公开挂牌督办).",
        routers=[bulletins_router(bulletins), bulletin_documents_router(bulletins, config.bulletin_template),
                 office_router(board), plans_router(plans)],
        public_routers=[public_router(board), public_bulletins_router(bulletins), public_documents_router(documents)],
        error_status={b.BulletinNotFound: 404, b.BulletinNotDraft: 409, b.UnknownUnit: 422, b.NotListed: 422,
                      BadPeriod: 422, PublicItemNotFound: 404, NotOnBoardYet: 404, FeedbackNotFound: 404,
                      FeedbackHidden: 409, TooMuchFeedback: 429, PdfUnavailable: 503, NoPublishedBulletin: 404,
                      DocumentNotReady: 503,
                      p.BadMonth: 422, p.PlanNotFound: 404, p.PlanExists: 409, p.MonthOver: 422,
                      p.TooFewPlannedDays: 422, p.TooManyPlannedDays: 422, p.VisitOutsideMonth: 422,
                      p.VisitInFuture: 422, p.UnknownItems: 422},
    )
    app.state.bulletins, app.state.public_board = bulletins, board
    app.state.plans, app.state.documents = plans, documents
    return app

"""Wiring of the reporting service: the one place its adapters are built."""

from __future__ import annotations

from fastapi import FastAPI

from services.reporting.adapters import tables
from services.reporting.config import ReportingSettings
from services.reporting.domain.public_board import NotOnBoardYet, PublicItemNotFound
from services.reporting.domain.public_feedback import FeedbackHidden, FeedbackNotFound, TooMuchFeedback
from services.reporting.entrypoints.public import office_router, public_router
from services.reporting.entrypoints.subscribers import subscribe
from services.reporting.public_service import PublicBoard, board_effect, flood_limit
from shared.runtime import Runtime, build_runtime
from shared.storage.inbox import InboxRecorder
from shared.web import service_app


def create_app(settings: ReportingSettings | None = None, deps: Runtime | None = None) -> FastAPI:
    runtime = deps or build_runtime(settings or ReportingSettings())
    config: ReportingSettings = runtime.settings  # type: ignore[assignment]
    # the public board (公开挂牌督办): fed in the inbox's transaction, read without a token
    board = PublicBoard(runtime.db, runtime.clock, runtime.directory,
                        flood_limit(config.feedback_limit, config.feedback_window_seconds))
    public_errors = {PublicItemNotFound: 404, NotOnBoardYet: 404, FeedbackNotFound: 404, FeedbackHidden: 409,
                     TooMuchFeedback: 429}
    recorder = InboxRecorder(runtime.db, tables.inbox, runtime.clock, effects=[board_effect(runtime.calendar)])
    subscribe(runtime, recorder)
    app = service_app(
        runtime,
        title="Duban reporting service (督办通报服务)",
        description="Statistics, bulletins (督查通报), briefings (简报) and the public board (公开挂牌督办).",
        routers=[office_router(board)],
        public_routers=[public_router(board)],
        error_status=public_errors,
    )
    app.state.public_board = board
    return app

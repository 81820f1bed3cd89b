"""Wiring of the notification service: the one place its adapters are built."""

from __future__ import annotations

from fastapi import FastAPI

from services.notification.channels import Sender, SmtpSender, WebhookSender
from services.notification.config import NotificationSettings
from services.notification.dispatcher import Dispatcher, RetryBudget
from services.notification.messages import Renderer
from services.notification.recording import NotificationRecorder
from services.notification.routes import deliveries_router, inbox_router
from shared.contracts.subjects import CMD_SEND_NOTIFICATION, EVENTS_WILDCARD
from shared.runtime import Runtime, build_runtime
from shared.web import service_app


def senders_for(settings: NotificationSettings) -> dict[str, Sender]:
    return {
        "email": SmtpSender(host=settings.smtp_host, port=settings.smtp_port, sender=settings.smtp_sender,
                            timeout=settings.smtp_timeout, username=settings.smtp_username,
                            password=settings.smtp_password, starttls=settings.smtp_starttls),
        "webhook": WebhookSender(timeout=settings.webhook_timeout),
    }


def create_app(settings: NotificationSettings | None = None, deps: Runtime | None = None,
               senders: dict[str, Sender] | None = None) -> FastAPI:
    runtime = deps or build_runtime(settings or NotificationSettings())
    settings = runtime.settings
    if not isinstance(settings, NotificationSettings):
        raise TypeError("the notification service needs NotificationSettings")
    dispatcher = Dispatcher(
        runtime.engine, runtime.clock, senders or senders_for(settings),
        RetryBudget(settings.delivery_max_attempts, tuple(settings.delivery_backoff_seconds)),
        send_timeout=max(settings.smtp_timeout, settings.webhook_timeout) + 1.0,
        batch=settings.delivery_batch, workers=settings.delivery_workers,
        idle_interval=settings.dispatch_interval_seconds)
    recorder = NotificationRecorder(runtime.engine, runtime.clock, runtime.directory,
                                    Renderer(runtime.directory, settings.console_url), dispatcher.wake)
    runtime.consume("notification", EVENTS_WILDCARD, recorder, batch_handler=recorder.record_batch)
    runtime.consume("notification-send", CMD_SEND_NOTIFICATION, recorder.send)
    runtime.background.append(dispatcher.run)
    app = service_app(
        runtime,
        title="Duban notification service (督办通知服务)",
        description="Tells units and staff what is due, by inbox, e-mail and webhooks.",
        routers=[inbox_router(runtime.engine, runtime.clock), deliveries_router(runtime.engine, runtime.clock, dispatcher.wake)],
    )
    app.state.dispatcher = dispatcher
    return app

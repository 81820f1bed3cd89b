"""Wiring of the notification service: the one place its adapters are built.

``create_app(settings, deps)`` runs on a ``Runtime`` (clock, directory, database, bus) and
builds the real store and senders unless ``deps`` brings its own (``NotificationDeps``);
``build_service`` does the same for the use cases alone, so tests drive them with fakes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from services.notification.adapters.channels import SmtpSender, WebhookSender
from services.notification.adapters.store import SqlStore
from services.notification.adapters.templates import Renderer
from services.notification.config import NotificationSettings
from services.notification.domain.deliveries import EMAIL, WEBHOOK
from services.notification.entrypoints.dispatching import dispatch_loop
from services.notification.entrypoints.routes import ERROR_STATUS, deliveries_router, inbox_router
from services.notification.entrypoints.subscribers import subscribe
from services.notification.service import Dispatching, NotificationService, Sender, Store
from shared.clock import Clock
from shared.identity.directory import OrgDirectory
from shared.retry import RetryPolicy
from shared.runtime import Runtime, build_runtime
from shared.web import service_app


@dataclass(frozen=True)
class NotificationDeps:
    """What the service runs on; a store or senders given here replace the real ones."""

    runtime: Runtime
    store: Store | None = None
    senders: Mapping[str, Sender] | None = None


def senders_for(settings: NotificationSettings) -> dict[str, Sender]:
    return {
        EMAIL: SmtpSender(settings.smtp_host, settings.smtp_port, settings.smtp_sender, timeout=settings.smtp_timeout,
                          username=settings.smtp_username, password=settings.smtp_password,
                          starttls=settings.smtp_starttls),
        WEBHOOK: WebhookSender(timeout=settings.webhook_timeout),
    }


def build_service(settings: NotificationSettings, *, clock: Clock, directory: OrgDirectory,
                  db: AsyncEngine | None = None, store: Store | None = None,
                  senders: Mapping[str, Sender] | None = None) -> NotificationService:
    """The use cases over the real store of ``db`` and the real senders, or the ones given."""
    if store is None:
        if db is None:
            raise TypeError("the notification service needs its database, or a store")
        store = SqlStore(db)
    return NotificationService(
        store=store, clock=clock, directory=directory,
        render=Renderer(directory, settings.console_url).render,
        senders=senders if senders is not None else senders_for(settings),
        dispatching=Dispatching(
            retry=RetryPolicy(settings.delivery_max_attempts, tuple(settings.delivery_backoff_seconds)),
            send_timeout=max(settings.smtp_timeout, settings.webhook_timeout) + 1.0,
            batch=settings.delivery_batch, workers=settings.delivery_workers))


def create_app(settings: NotificationSettings | None = None,
               deps: Runtime | NotificationDeps | None = None) -> FastAPI:
    if isinstance(deps, Runtime):
        deps = NotificationDeps(deps)
    deps = deps or NotificationDeps(build_runtime(settings or NotificationSettings()))
    runtime = deps.runtime
    settings = runtime.settings
    if not isinstance(settings, NotificationSettings):
        raise TypeError("the notification service needs NotificationSettings")
    service = build_service(settings, clock=runtime.clock, directory=runtime.directory, db=runtime.db,
                            store=deps.store, senders=deps.senders)
    subscribe(runtime, service)
    runtime.background.append(partial(dispatch_loop, service, idle_interval=settings.dispatch_interval_seconds))
    app = service_app(
        runtime,
        title="Duban notification service (督办通知服务)",
        description="Tells units and staff what is due, by inbox, e-mail and webhooks.",
        routers=[inbox_router(), deliveries_router()],
        error_status=ERROR_STATUS,
    )
    app.state.service = service
    return app

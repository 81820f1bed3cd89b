"""Wiring of the workflow service: the one place its adapters are built."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from fastapi import FastAPI

from services.workflow.adapters import tables
from services.workflow.adapters.blobs import BlobStore, blob_store
from services.workflow.attachments import Attachments
from services.workflow.config import WorkflowSettings
from services.workflow.delegations import Delegations
from services.workflow.domain.deployment import DeployLimits
from services.workflow.domain.forms import FORMS_PREFIX, read_form_files
from services.workflow.domain.refusals import ERROR_STATUS
from services.workflow.engine.checks import check_documents
from services.workflow.engine.definitions import Definitions
from services.workflow.entrypoints.attachments import attachments_router
from services.workflow.entrypoints.deadlines import deadlines_router
from services.workflow.entrypoints.definitions import definitions_router
from services.workflow.entrypoints.delegations import delegations_router
from services.workflow.entrypoints.incidents import incidents_router
from services.workflow.entrypoints.item_records import item_records_router
from services.workflow.entrypoints.items import items_router
from services.workflow.entrypoints.units import units_router
from services.workflow.item_records import ItemRecords
from services.workflow.public_ratings import record_public_rating
from services.workflow.rounds import ScheduledRounds, round_leader
from services.workflow.service import build_service
from shared.contracts.base import Message
from shared.contracts.commands import ApproveBulletin, OpenAccountability
from shared.contracts.public_events import PublicRatingChanged
from shared.contracts.subjects import CMD_APPROVE_BULLETIN, CMD_OPEN_ACCOUNTABILITY, PUBLIC_RATING_CHANGED
from shared.runtime import Runtime, build_runtime
from shared.storage.outbox import OutboxRelay, RelayThread
from shared.waiting import every
from shared.web import service_app

log = logging.getLogger("duban.workflow")
SWEEP_BATCH = 200
UNBOUND_SWEEP_SECONDS = 3600.0  # how often uploads no form named are looked for (and when the clock jumps)
MULTIPART_OVERHEAD = 64 * 1024  # an upload's body: the file and its part headers and boundaries


def blobs_of(settings: WorkflowSettings) -> BlobStore:
    secret = settings.s3_secret_key.get_secret_value() if settings.s3_secret_key else None
    return blob_store(settings.blobs, default_folder=settings.data_dir / "attachments", endpoint=settings.s3_endpoint,
                      access_key=settings.s3_access_key, secret_key=secret, secure=settings.s3_secure,
                      region=settings.s3_region)


def create_app(settings: WorkflowSettings | None = None, deps: Runtime | None = None,
               blobs: BlobStore | None = None) -> FastAPI:
    runtime = deps or build_runtime(settings or WorkflowSettings())
    settings = runtime.settings
    limits = DeployLimits(settings.deploy_max_file_bytes, settings.deploy_max_bytes, settings.deploy_max_files)
    service = build_service(runtime.db, runtime.clock, runtime.calendar, runtime.publisher, runtime.directory, limits)
    if settings.relay_thread:  # the service's commits wake the thread's relay
        relay: OutboxRelay | RelayThread = RelayThread(settings, tables.outbox, runtime.clock, runtime.topology)
        service.uow.wake = relay.wake
    else:
        relay = service.relay
    delegations = Delegations(runtime.db, runtime.clock, runtime.directory)
    attachments = Attachments(runtime.db, runtime.clock, blobs or blobs_of(settings), settings.attachment_max_bytes)

    async def install_workflows() -> None:
        documents = {p.name: p.read_bytes() for p in sorted(settings.workflows_dir.glob("*.bpmn"))}
        if not documents:
            log.warning("no BPMN files found", extra={"dir": str(settings.workflows_dir)})
            return
        documents |= {FORMS_PREFIX + name: content
                      for name, content in read_form_files(settings.workflows_dir / "forms").items()}
        problems = check_documents(documents)
        if problems:
            raise RuntimeError("BPMN files rejected:\n" + "\n".join(map(str, problems)))
        version = await service.versions.install(Definitions(documents), source="startup", actor="system")
        log.info("process definitions installed", extra={"version": version, "files": sorted(documents)})

    async def full(batch: Callable[[int], Awaitable[int]]) -> bool:
        return await batch(SWEEP_BATCH) == SWEEP_BATCH  # more may be due at once only when the batch was full

    sweep_timers = every(runtime.clock, settings.timer_sweep_seconds, lambda: full(service.fire_due_timers),
                         "timer sweep")
    rounds = ScheduledRounds(service, runtime.directory, round_leader(runtime.directory, settings.rounds_leader))

    async def open_rounds() -> bool:
        await rounds.open_due()
        return False

    scheduled_rounds = every(runtime.clock, settings.rounds_schedule_seconds, open_rounds, "scheduled rounds")
    drop_unbound_attachments = every(runtime.clock, UNBOUND_SWEEP_SECONDS, lambda: full(attachments.drop_unbound),
                                     "dropping unnamed attachments")

    async def open_accountability(message: Message) -> None:
        assert isinstance(message, OpenAccountability)
        if runtime.directory.unit(message.unit) is None:
            raise ValueError(f"unknown unit {message.unit!r}")  # retried, then dead-lettered
        await service.open_accountability(message)

    async def approve_bulletin(message: Message) -> None:
        assert isinstance(message, ApproveBulletin)
        await service.approve_bulletin(message)  # an unknown leader is retried, then dead-lettered

    async def public_rating(message: Message) -> None:  # the reporting service's (the public board)
        assert isinstance(message, PublicRatingChanged)
        await record_public_rating(runtime.db, runtime.clock, message)

    runtime.consume("workflow-open-accountability", CMD_OPEN_ACCOUNTABILITY, open_accountability)
    runtime.consume("workflow-approve-bulletin", CMD_APPROVE_BULLETIN, approve_bulletin)
    runtime.consume("workflow-public-rating", PUBLIC_RATING_CHANGED, public_rating)
    runtime.startup += [attachments.blobs.ready, install_workflows]
    runtime.background += [relay.run, sweep_timers, drop_unbound_attachments] if settings.timer_sweep else [relay.run]
    if settings.rounds_schedule:
        runtime.background.append(scheduled_rounds)
    app = service_app(
        runtime,
        title="Duban workflow service (督办流程服务)",
        description="Runs the supervision processes (BPMN) and serves the org directory.",
        routers=[units_router(runtime.directory), deadlines_router(runtime.calendar, runtime.clock),
                 items_router(service, delegations),
                 item_records_router(ItemRecords(service.uow)),
                 definitions_router(service), incidents_router(service),
                 delegations_router(delegations), attachments_router(attachments)],
        error_status=ERROR_STATUS,
        # a deployment's JSON may escape its XML to about twice its size
        body_limits={"/definitions": 2 * settings.deploy_max_bytes + 65_536,
                     "/attachments": settings.attachment_max_bytes + MULTIPART_OVERHEAD},
    )
    app.state.outbox, app.state.relay, app.state.service = service.outbox, relay, service
    app.state.attachments, app.state.rounds = attachments, rounds
    return app

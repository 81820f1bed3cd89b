"""The workflow service's use cases: each is one unit of work (``unit_of_work.py``)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.workflow.adapters import attachment_rows, incidents, queries, tables
from services.workflow.adapters.numbering import claim_key, next_number
from services.workflow.adapters.round_rows import RoundKey, claim_round
from services.workflow.adapters.store import ConcurrentUpdate, DefinitionStore, InstanceStore
from services.workflow.domain.assignees import is_assignee
from services.workflow.domain.attachment_refs import attachment_refs
from services.workflow.domain.deadlines import check_after, check_new_deadline
from services.workflow.domain.deployment import DeployLimits
from services.workflow.domain.refusals import (
    STEP_FAILURES,
    DeadlineInPast,
    ExtensionAlreadyRequested,
    ExtensionRefused,
    InvalidRegistration,
    NotAssignee,
    NotFound,
    NotLeadUnit,
    TaskClosed,
    UnknownParty,
)
from services.workflow.domain.task_context import with_public_rating
from services.workflow.engine.drawing import Drawing, drawings_of
from services.workflow.engine.runner import Engine, NotWaiting
from services.workflow.item_migration import migrate_item
from services.workflow.public_ratings import public_ratings
from services.workflow.unit_of_work import UnitOfWork
from services.workflow.versions import Versions
from shared.calendar import WorkingCalendar
from shared.clock import Clock, today_in_china
from shared.contracts.commands import ApproveBulletin, OpenAccountability
from shared.contracts.events import ItemRegistered
from shared.identity import OrgDirectory, Principal, Role
from shared.lru import Lru
from shared.storage.database import reading
from shared.storage.inbox import record_once
from shared.storage.outbox import BatchPublisher, Outbox, OutboxRelay
from shared.visibility import sees_item

log = logging.getLogger("duban.workflow")
SYSTEM = "system"
DRAWINGS_KEPT = 32  # (version, process) drawings kept in memory
TIMER_CHUNK = 10  # due instances stepped per transaction


def registration(form: dict[str, Any], *, item_id: uuid.UUID, code: str, now: dt.datetime,
                 actor: str) -> ItemRegistered:
    """The ``item.registered`` event of a registration form, or ``InvalidRegistration``."""
    fields = {k: v for k, v in form.items() if k in ItemRegistered.model_fields and k != "plan_start"}
    try:
        return ItemRegistered.model_validate({**fields, "item_id": item_id, "code": code, "occurred_at": now,
                                              "actor": actor}, strict=False)
    except ValidationError as error:
        raise InvalidRegistration(error) from None


def process_variables(registered: ItemRegistered, form: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """What a new item's ``assignment`` instance starts with (workflows/README.md)."""
    variables = {**registered.model_dump(mode="json", exclude={"event_id", "occurred_at", "actor",
                                                                 "schema_version", "joint_group"}),
                 "registered_on": today.isoformat(), "lookback_months": form.get("lookback_months", 3)}
    if form.get("plan_start"):
        variables["plan_start"] = str(form["plan_start"])
    if registered.joint_group is not None:
        variables["joint_group"] = registered.joint_group.model_dump(mode="json")
    return variables


@dataclass
class WorkflowService:
    db: AsyncEngine
    clock: Clock
    directory: OrgDirectory
    uow: UnitOfWork
    versions: Versions
    relay: OutboxRelay
    engine: Engine
    definitions: DefinitionStore
    _sweeping: asyncio.Lock = field(default_factory=asyncio.Lock)
    # a deployed version never changes: its drawings are made once per (version, process)
    _drawings: Lru[tuple[int, str], list[Drawing]] = field(default_factory=lambda: Lru(DRAWINGS_KEPT))

    @property
    def outbox(self) -> Outbox:
        return self.uow.outbox

    def today(self) -> dt.date:
        return today_in_china(self.clock)

    def _check_parties(self, form: dict[str, Any]) -> None:
        """The units and the leader a registration names are the org directory's."""
        group = form.get("joint_group") if isinstance(form.get("joint_group"), dict) else {}
        for unit in [form.get("lead_unit"), *(form.get("co_units") or []), group.get("lead"),
                     *(group.get("members") or [])]:
            if isinstance(unit, str) and self.directory.unit(unit) is None:
                raise UnknownParty(f"unknown unit {unit!r}")
        leader = form.get("leader")
        if isinstance(leader, str):
            user = self.directory.user(leader)
            if user is None or not user.has_role(Role.leader):
                raise UnknownParty(f"leader {leader!r} is not a leader")

    async def register_item(self, form: dict[str, Any], actor: str, idempotency_key: str | None = None,
                            round_key: RoundKey | None = None) -> tuple[uuid.UUID, bool]:
        """Register an item (``form`` as JSON values); the item's id, and whether it was
        registered before under the same ``idempotency_key`` or, for a scheduled round
        (``rounds.py``), for the same ``round_key`` (then nothing new is stored)."""
        now, item_id = self.clock.now(), uuid.uuid4()
        self._check_parties(form)
        async with self.uow.begin("start", actor) as tx:
            earlier = None
            if round_key is not None:
                earlier = await claim_round(tx.connection, round_key, item_id, now)
            elif idempotency_key is not None:
                earlier = await claim_key(tx.connection, actor, idempotency_key, form, item_id, now)
            if earlier is not None:
                return earlier, True
            year = self.today().year
            number = await next_number(tx.connection, year)
            registered = registration(form, item_id=item_id, code=f"督办〔{year}〕{number}号", now=now, actor=actor)
            if registered.due_date is not None and registered.due_date <= self.today():
                raise DeadlineInPast(f"due_date {registered.due_date} is not after today")
            await tx.connection.execute(insert(tables.items).values(
                id=item_id, code=registered.code, year=year, number=number, title=registered.title,
                source=registered.source.value, urgency=registered.urgency.value, lead_unit=registered.lead_unit,
                co_units=registered.co_units, leader=registered.leader, status="registered", due_date=None,
                overdue=False, registered_by=actor, registered_at=now, details=form))
            await tx.start("assignment", process_variables(registered, form, self.today()), item_id=item_id,
                           first=[registered])
        return item_id, False

    async def complete_task(self, task_id: uuid.UUID, data: Any, principal: Principal,
                            acting_for: Collection[str] = ()) -> None:
        """Complete a ready task with its form's ``data``, as its assignee or as a delegate of
        the leader it names (``acting_for``: the leaders the caller acts for now; the leader is
        kept as ``on_behalf_of``). The attachments the form names are bound to the task's item.
        ``NotFound`` for a task the caller may not even see."""
        async with self.uow.begin("task", principal.username) as tx:
            task = await self._assigned(tx.connection, task_id, principal, acting_for)
            task_form = (await self.versions.forms(task["version"], tx.connection))[task["kind"]]
            form = task_form.validate(data)
            await attachment_rows.bind(tx.connection, attachment_refs(task_form.schema, form),
                                       principal=principal, item_id=task["item_id"], task_id=task_id,
                                       now=self.clock.now())
            step = await tx.of_instance(task["instance_id"])
            ready = step.ready_task(task_id)
            check_new_deadline(ready.kind, form, current=step.row.progress.due_date if step.row.progress else None,
                               today=self.today())
            user = task["assignee_user"]
            step.complete(ready, form, on_behalf_of=user if user and user != principal.username else None)

    async def _assigned(self, connection: Any, task_id: uuid.UUID, principal: Principal,
                        acting_for: Collection[str]) -> dict[str, Any]:
        """The open task, if the caller is its assignee: ``NotAssignee`` for one who sees its
        item, ``NotFound`` for one who does not, ``TaskClosed`` once it was completed."""
        task = await queries.open_task(connection, task_id)
        if task is None:
            if await queries.was_completed(connection, task_id):
                raise TaskClosed(f"task {task_id} is no longer open")
            raise NotFound(f"task {task_id} not found")
        if not is_assignee(principal, task, acting_for):
            item = await queries.item_parties(connection, task["item_id"]) if task["item_id"] else None
            if item is not None and not sees_item(principal, [item.lead_unit, *item.co_units]):
                raise NotFound(f"task {task_id} not found")
            raise NotAssignee("only the task's assignee can complete it")
        return task

    async def request_extension(self, item_id: uuid.UUID, new_due_date: dt.date, reason: str,
                                principal: Principal) -> None:
        """The lead unit's liaison asks for more time (延期申请): to a day after today and after
        the current deadline, while a report is due, once per deadline."""
        async with self.uow.begin("message", principal.username) as tx:
            item = await queries.item_parties(tx.connection, item_id)
            if item is None or not sees_item(principal, [item.lead_unit, *item.co_units]):
                raise NotFound(f"item {item_id} not found")
            if principal.unit != item.lead_unit or not principal.has_role(Role.liaison):
                raise NotLeadUnit("only the lead unit's liaison can ask for an extension")
            check_after(new_due_date, current=item.due_date, today=self.today(), field="new_due_date")
            step = await tx.of_item(item_id)
            try:
                step.send("extension_requested", {"requested_due_date": new_due_date.isoformat(),
                                                  "reason": reason, "unit": item.lead_unit})
            except NotWaiting:
                pending = any(t.kind == "extension_decision" for t in step.run.ready_tasks())
                raise (ExtensionAlreadyRequested() if pending else ExtensionRefused()) from None

    async def fire_due_timers(self, limit: int = 200) -> int:
        """Step up to ``limit`` instances whose next timer is due, ``TIMER_CHUNK`` per
        transaction (locks are held for a few steps only; another worker takes the rows this
        one has locked: ``SKIP LOCKED``). A failing instance is parked with an incident and
        the others go on. Returns how many were stepped."""
        async with self._sweeping:  # one sweep at a time in this process
            return await self._fire_due_timers(limit)

    async def _fire_due_timers(self, limit: int) -> int:
        stepped, seen = 0, set()
        while stepped < limit:
            async with self.uow.begin("timer", SYSTEM) as tx:
                due = await self.uow.instances.due(tx.connection, self.clock.now(), min(TIMER_CHUNK, limit - stepped))
                fresh = [row for row in due if row.id not in seen]
                for row in fresh:
                    step = await tx.of_row(row)
                    try:
                        step.settle()
                    except STEP_FAILURES as failure:
                        await tx.parked(step, failure)
                    else:
                        try:
                            await tx.save(step)  # before the next instance's scripts count its cases
                        except ConcurrentUpdate:  # another worker stepped it first: nothing of it was written
                            log.info("timer step lost a race", extra={"instance": str(row.id)})
            if not fresh:  # none, or only ones still due after their step: left to the next sweep
                break
            seen.update(row.id for row in fresh)
            stepped += len(fresh)
        return stepped

    async def migrate_item(self, item_id: uuid.UUID, version: int | None, *, dry_run: bool,
                           actor: str) -> dict[str, Any]:
        """Move the item's running instances to ``version`` (the active one when None), or on a
        dry run answer what would change (``item_migration.py``)."""
        return await migrate_item(self.uow, self.versions, item_id, version, dry_run=dry_run, actor=actor)

    async def open_accountability(self, command: OpenAccountability) -> bool:
        """A bulletin criticised a unit (通报批评): start a top-level accountability case.
        The command is applied once (inbox); False when it was already applied."""
        if command.bulletin_id is None:
            raise ValueError("a case outside an item's process needs the bulletin_id that criticised the unit")
        async with self.uow.begin("start", command.actor) as tx:
            if not await record_once(tx.connection, tables.inbox, command, self.clock.now()):
                return False
            await tx.start("accountability", {"case_unit": command.unit, "case_trigger": "bulletin",
                                              "bulletin_id": str(command.bulletin_id), "case_reason": command.reason},
                           item_id=None)
        return True

    async def approve_bulletin(self, command: ApproveBulletin) -> bool:
        """A bulletin draft goes through its approval process (``bulletin_approval.bpmn``: the
        office's remarks, the leader's decision). Applied once (inbox); False when it was already."""
        if command.leader is not None:
            user = self.directory.user(command.leader)
            if user is None or not user.has_role(Role.leader):
                raise UnknownParty(f"leader {command.leader!r} is not a leader")
        async with self.uow.begin("start", command.actor) as tx:
            if not await record_once(tx.connection, tables.inbox, command, self.clock.now()):
                return False
            await tx.start("bulletin_approval", {
                "bulletin_id": str(command.bulletin_id), "bulletin_kind": command.bulletin_kind.value,
                "number": command.number, "title": command.title, "period_start": command.period_start.isoformat(),
                "period_end": command.period_end.isoformat(), "leader": command.leader,
                "returned_comment": command.returned_comment or None}, item_id=None)
        return True

    async def start_target_check(self, item_id: uuid.UUID, variables: dict[str, Any], round_key: RoundKey) -> bool:
        """Start an annual target's mid-year or year-end check (``target_check.bpmn``) beside
        the item's own process; False when this round was opened before (nothing is started)."""
        async with self.uow.begin("start", SYSTEM) as tx:
            if await claim_round(tx.connection, round_key, item_id, self.clock.now()) is not None:
                return False
            await tx.start("target_check", variables, item_id=item_id)
        return True

    # -- reads ----------------------------------------------------------------------------------
    async def item(self, item_id: uuid.UUID, principal: Principal) -> dict[str, Any]:
        """The item as its process has it, if the caller may see it (``NotFound`` otherwise)."""
        found = await queries.item(self.db, item_id, self.engine.calendar)
        if found is None or not sees_item(principal, [found["lead_unit"], *found["co_units"]]):
            raise NotFound(f"item {item_id} not found")
        return found

    async def tasks_of(self, principal: Principal, acting_for: Collection[str] = ()) -> list[dict[str, Any]]:
        """The caller's ready tasks (and those of the leaders they act for), by due date."""
        return await self._views(await queries.tasks_for(self.db, principal, acting_for))

    async def task(self, task_id: uuid.UUID, principal: Principal, acting_for: Collection[str] = ()) -> dict[str, Any]:
        """An open task its assignee, a delegate, the office or a leader may read."""
        task = await queries.task(self.db, task_id)
        if task is None or not (is_assignee(principal, task, acting_for) or principal.sees_all):
            raise NotFound(f"task {task_id} not found")
        return (await self._views([task]))[0]

    async def _views(self, tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Open tasks as the API shows them, each with its version's form (a revisit's with the
        public's rating of its item)."""
        forms = {v: await self.versions.forms(v) for v in {t["version"] for t in tasks}}
        views = [queries.task_view(t, forms[t["version"]].get(t["kind"])) for t in tasks]
        revisits = {v["item_id"] for v in views if v["kind"] == "revisit" and v["item_id"] is not None}
        ratings = await public_ratings(self.db, revisits)
        return [with_public_rating(v, ratings.get(v["item_id"])) if v["kind"] == "revisit" and v["item_id"] else v
                for v in views]

    async def item_diagram(self, item_id: uuid.UUID, principal: Principal) -> dict[str, Any]:
        """The diagrams of the item's process and the processes it calls (its definition
        version's files, without the code), for anyone who may see the item."""
        await self.item(item_id, principal)
        t = tables.instances
        async with reading(self.db) as connection:
            row = (await connection.execute(select(t.c.process_id, t.c.version).where(
                t.c.item_id == item_id, t.c.process_id == "assignment"))).first()
        if row is None:
            raise NotFound(f"item {item_id} not found")
        drawings = self._drawings.get((row.version, row.process_id))
        if drawings is None:
            documents = await self.versions.documents(row.version) or {}
            drawings = self._drawings.put((row.version, row.process_id), drawings_of(documents, row.process_id))
        if not drawings:
            raise NotFound(f"version {row.version} has no diagram of {row.process_id}")
        return {"item_id": item_id, "process_id": row.process_id, "version": row.version,
                "diagrams": [{"process_id": d.process_id, "name": d.name, "bpmn": d.bpmn} for d in drawings]}

    async def item_state(self, item_id: uuid.UUID, principal: Principal) -> dict[str, Any]:
        """The item's instance as the console draws it: version, active and completed BPMN
        element ids, the date timers it waits on (element and when), the ready tasks and the
        history of completed tasks."""
        await self.item(item_id, principal)
        t, h = tables.instances, tables.task_history
        async with reading(self.db) as connection:
            row = (await connection.execute(select(t.c.id, t.c.process_id, t.c.version, t.c.state, t.c.completed,
                                                   t.c.next_timer_at).where(
                t.c.item_id == item_id, t.c.process_id == "assignment"))).first()
            if row is None:
                raise NotFound(f"item {item_id} not found")
            spec = await self.definitions.spec(connection, row.version, row.process_id)
            history = (await connection.execute(
                select(h.c.task_id, h.c.kind, h.c.bpmn_id, h.c.actor, h.c.data, h.c.completed_at, h.c.on_behalf_of)
                .where(h.c.item_id == item_id).order_by(h.c.completed_at, h.c.id))).all()
        run = self.engine.restore(spec, row.state)  # read only: no script runs
        return {
            "item_id": item_id, "process_id": row.process_id, "version": row.version, "completed": row.completed,
            "next_timer_at": row.next_timer_at, "active": run.active_element_ids(),
            "completed_elements": run.completed_element_ids(),
            "timers": [{"element_id": element, "due_at": due} for element, due in sorted(run.waiting_timers().items())],
            "ready_tasks": [{"id": task.id, "kind": task.kind, "bpmn_id": task.bpmn_id, "name": task.name}
                            for task in run.ready_tasks()],
            "history": [{"task_id": r.task_id, "kind": r.kind, "bpmn_id": r.bpmn_id, "actor": r.actor,
                         "on_behalf_of": r.on_behalf_of, "data": r.data, "completed_at": r.completed_at}
                        for r in history],
        }

    async def list_incidents(self, *, open_only: bool, limit: int) -> list[dict[str, Any]]:
        async with reading(self.db) as connection:
            return await incidents.listed(connection, open_only=open_only, limit=limit)

    async def resolve_incident(self, incident_id: int, actor: str) -> dict[str, Any]:
        async with self.db.begin() as connection:
            found = await incidents.resolve(connection, incident_id, actor, self.clock.now())
        if found is None:
            raise NotFound(f"incident {incident_id} not found")
        return found


def build_service(db: AsyncEngine, clock: Clock, calendar: WorkingCalendar, publisher: BatchPublisher,
                  directory: OrgDirectory, limits: DeployLimits | None = None,
                  engine: Engine | None = None) -> WorkflowService:
    """The service with its engine, outbox and relay (the relay runs only where it is started);
    ``publisher`` is where the relay sends the outbox (JetStream; a recording fake in unit
    tests), ``engine`` replaces the BPMN engine (benchmarks time it)."""
    outbox = Outbox(tables.outbox, clock)
    relay = OutboxRelay(db, outbox, publisher)
    definitions = DefinitionStore()
    versions = Versions(db, clock, definitions, limits or DeployLimits())
    engine = engine or Engine(clock, calendar)
    uow = UnitOfWork(db, engine, clock, definitions, InstanceStore(), outbox, versions.active, relay.wake)
    return WorkflowService(db, clock, directory, uow, versions, relay, engine, definitions)

"""The workflow service's use cases: one transaction each, events through the outbox."""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.workflow import incidents, tables
from services.workflow.deployment import DeployLimits
from services.workflow.emitted import to_event
from services.workflow.engine.checks import Problem, check_documents
from services.workflow.engine.definitions import Definitions
from services.workflow.engine.runner import Emitted, Engine, NotWaiting, Run, UserTask
from services.workflow.engine.scripts import DubanScriptEngine
from services.workflow.item_state import item_changes
from services.workflow.numbering import claim_key, next_number
from services.workflow.refusals import (
    STEP_FAILURES,
    ExtensionRefused,
    InvalidRegistration,
    NoDefinitions,
    NotFound,
    RejectedDefinitions,
    StepFailed,
)
from services.workflow.step_effects import Offences, case_of, record_cases, sync_open_tasks
from services.workflow.store import DefinitionStore, InstanceRow, InstanceStore
from shared.bus.publisher import JetStreamPublisher
from shared.calendar import WorkingCalendar
from shared.clock import Clock, today_in_china
from shared.contracts.base import Event
from shared.contracts.commands import OpenAccountability
from shared.contracts.events import ItemRegistered, TaskCompleted
from shared.lru import Lru
from shared.storage.inbox import record_once
from shared.storage.outbox import Outbox, OutboxRelay

SYSTEM = "system"
TIMER_CHUNK = 10  # due instances stepped per transaction
LOADED_VERSIONS = 4  # parsed definition versions kept in memory (new items start on the active one)


@dataclass
class StepOf:
    """What a use case steps (``start``, ``task``, ``message``), for the incident if it fails."""

    trigger: str
    row: InstanceRow | None = None


def registration(form: dict[str, Any], *, item_id: uuid.UUID, code: str, now: dt.datetime,
                 actor: str) -> ItemRegistered:
    """The ``item.registered`` event of a registration form, or ``InvalidRegistration``."""
    fields = {k: v for k, v in form.items() if k in ItemRegistered.model_fields and k != "plan_start"}
    try:
        return ItemRegistered.model_validate({**fields, "item_id": item_id, "code": code, "occurred_at": now,
                                              "actor": actor}, strict=False)
    except ValidationError as error:
        raise InvalidRegistration(error) from None


@dataclass
class WorkflowService:
    db: AsyncEngine
    engine: Engine
    clock: Clock
    outbox: Outbox
    relay: OutboxRelay
    definitions: DefinitionStore
    instances: InstanceStore
    limits: DeployLimits = field(default_factory=DeployLimits)
    _loaded: Lru[int, Definitions] = field(default_factory=lambda: Lru(LOADED_VERSIONS))

    def today(self) -> dt.date:
        return today_in_china(self.clock)

    async def install(self, definitions: Definitions, *, source: str, actor: str, reactivate: bool = False) -> int:
        """Store these documents as a version; a new version starts every new instance from now on."""
        async with self.db.begin() as connection:
            version = await self.definitions.ensure(connection, definitions, source=source, actor=actor,
                                                    now=self.clock.now(), reactivate=reactivate)
        self._loaded.put(version, definitions)
        return version

    async def deploy(self, files: dict[str, bytes], actor: str, remove: frozenset[str] = frozenset()) -> int:
        """Deploy changed or new BPMN files on top of the active version (the rest stay as
        they are), without the files named in ``remove``. The whole set is checked first; a
        rejected deployment stores nothing."""
        self.limits.check(files)
        async with self.db.connect() as connection:
            active = await self.definitions.active(connection)
            stored = await self.definitions.documents(connection, active) if active else None
        current = {name: xml.encode() for name, xml in (stored or {}).items()}
        if unknown := sorted(remove - current.keys()):
            raise RejectedDefinitions([Problem(name, None, "is not a file of the active version")
                                       for name in unknown])
        documents = {name: xml for name, xml in current.items() if name not in remove} | files
        if not documents:
            raise RejectedDefinitions([Problem("(deployment)", None, "a version needs at least one file")])
        self.limits.check(documents)
        problems = check_documents(documents)
        if problems:
            raise RejectedDefinitions(problems)
        return await self.install(Definitions(documents), source="api", actor=actor, reactivate=True)

    async def versions(self) -> list[dict[str, Any]]:
        async with self.db.connect() as connection:
            return await self.definitions.versions(connection)

    async def version_info(self, version: int) -> dict[str, Any]:
        return next(v for v in await self.versions() if v["version"] == version)

    async def documents(self, version: int) -> dict[str, str] | None:
        async with self.db.connect() as connection:
            return await self.definitions.documents(connection, version)

    async def active_version(self, connection: AsyncConnection) -> tuple[int, Definitions]:
        """The version new instances start on (read each time: another worker may have deployed)."""
        version = await self.definitions.active(connection)
        if version is None:
            raise NoDefinitions("no process definitions are deployed")
        definitions = self._loaded.get(version)
        if definitions is None:
            documents = await self.definitions.documents(connection, version) or {}
            definitions = self._loaded.put(version, Definitions({n: xml.encode() for n, xml in documents.items()}))
        return version, definitions

    # -- use cases -------------------------------------------------------------------------
    async def register_item(self, form: dict[str, Any], actor: str,
                            idempotency_key: str | None = None) -> tuple[uuid.UUID, bool]:
        """Register an item (``form`` as JSON values); the item's id, and whether it was
        registered before under the same ``idempotency_key`` (then nothing new is stored)."""
        now = self.clock.now()
        item_id = uuid.uuid4()
        async with self._failures(StepOf("start")):
            async with self.db.begin() as connection:
                if idempotency_key is not None:
                    earlier = await claim_key(connection, actor, idempotency_key, form, item_id, now)
                    if earlier is not None:
                        return earlier, True
                version, definitions = await self.active_version(connection)
                year = today_in_china(self.clock).year
                number = await next_number(connection, year)
                code = f"督办〔{year}〕{number}号"
                registered = registration(form, item_id=item_id, code=code, now=now, actor=actor)
                await connection.execute(insert(tables.items).values(
                    id=item_id, code=code, year=year, number=number, title=registered.title,
                    source=registered.source.value, urgency=registered.urgency.value, lead_unit=registered.lead_unit,
                    co_units=registered.co_units, leader=registered.leader, status="registered",
                    due_date=registered.due_date, due_date_estimated=False, overdue=False, registered_by=actor,
                    registered_at=now, details=form))
                variables = {**registered.model_dump(mode="json", exclude={"event_id", "occurred_at", "actor",
                                                                             "schema_version"}),
                             "registered_on": today_in_china(self.clock).isoformat(),
                             "lookback_months": form.get("lookback_months", 3)}
                if form.get("plan_start"):
                    variables["plan_start"] = str(form["plan_start"])
                offences = await self._offences(connection)
                run, emitted = self.engine.start(definitions, "assignment", variables)
                row = InstanceRow(uuid.uuid4(), item_id, "assignment", version, "", 0)
                await self._after_step(connection, row, run, emitted, actor, offences, before=[], extra=[registered],
                                       new=True)
        self.relay.wake()
        return item_id, False

    async def complete_task(self, task_id: uuid.UUID, data: dict[str, Any], kind: str, actor: str,
                            on_behalf_of: str | None = None) -> None:
        """``on_behalf_of``: the leader whose task a delegate completes (kept in the history)."""
        step = StepOf("task")
        async with self._failures(step):
            async with self.db.begin() as connection:
                row = step.row = await self._instance_of_task(connection, task_id)
                offences = await self._offences(connection)
                run = await self._restore(connection, row, offences)
                before = run.ready_tasks()
                emitted = run.complete(task_id, {kind: data})
                task = next(t for t in before if t.id == task_id)
                completed = TaskCompleted(occurred_at=self.clock.now(), actor=actor, task_id=task_id,
                                          task_kind=kind, task_name=task.name, item_id=row.item_id,
                                          case_id=case_of(task), data=data, on_behalf_of=on_behalf_of)
                await connection.execute(insert(tables.task_history).values(
                    task_id=task_id, instance_id=row.id, item_id=row.item_id, kind=kind, bpmn_id=task.bpmn_id,
                    actor=actor, data=data, completed_at=self.clock.now(), on_behalf_of=on_behalf_of))
                await self._after_step(connection, row, run, emitted, actor, offences, before=before,
                                       extra=[completed])
        self.relay.wake()

    async def request_extension(self, item_id: uuid.UUID, payload: dict[str, Any], actor: str) -> None:
        """The lead unit asks for more time (延期申请): the process must be waiting for it."""
        try:
            await self.send_message(item_id, "extension_requested", payload, actor)
        except NotWaiting:
            raise ExtensionRefused() from None

    async def send_message(self, item_id: uuid.UUID, name: str, payload: dict[str, Any], actor: str) -> None:
        step = StepOf("message")
        async with self._failures(step):
            async with self.db.begin() as connection:
                t = tables.instances
                instance_id = (await connection.execute(select(t.c.id).where(
                    t.c.item_id == item_id, t.c.process_id == "assignment"))).scalar()
                if instance_id is None:
                    raise NotFound(f"item {item_id}")
                row = step.row = await self.instances.load(connection, instance_id)
                assert row is not None
                offences = await self._offences(connection)
                run = await self._restore(connection, row, offences)
                before = run.ready_tasks()
                emitted = run.send_message(name, payload)  # raises NotWaiting: nothing is saved
                await self._after_step(connection, row, run, emitted, actor, offences, before=before, extra=[])
        self.relay.wake()

    async def fire_due_timers(self, limit: int = 200) -> int:
        """Step up to ``limit`` instances whose next timer is due, ``TIMER_CHUNK`` per
        transaction (locks are held for a few steps only; another worker takes the rows
        this one has locked: ``SKIP LOCKED``). Returns how many were stepped."""
        stepped, seen = 0, set()
        while stepped < limit:
            async with self.db.begin() as connection:
                due = await self.instances.due(connection, self.clock.now(), min(TIMER_CHUNK, limit - stepped))
                fresh = [instance_id for instance_id in due if instance_id not in seen]
                if not fresh:  # none, or only ones still due after their step: left to the next sweep
                    break
                offences = await self._offences(connection)
                for instance_id in fresh:
                    row = await self.instances.load(connection, instance_id)
                    assert row is not None
                    run = await self._restore(connection, row, offences)
                    before = run.ready_tasks()
                    try:  # a failure comes before the step writes anything: the others go on
                        emitted = run.settle()
                        await self._after_step(connection, row, run, emitted, SYSTEM, offences, before=before,
                                               extra=[])
                    except STEP_FAILURES as failure:
                        await incidents.record(connection, trigger="timer", failure=failure, now=self.clock.now(),
                                               instance_id=row.id, item_id=row.item_id, timer_at=self.clock.now())
            seen.update(fresh)
            stepped += len(fresh)
            self.relay.wake()
        return stepped

    async def open_accountability(self, command: OpenAccountability) -> bool:
        """A bulletin criticised a unit (通报批评): start a top-level accountability case.
        The command is applied once (inbox); False when it was already applied."""
        if command.bulletin_id is None:
            raise ValueError("a case outside an item's process needs the bulletin_id that criticised the unit")
        async with self.db.begin() as connection:
            if not await record_once(connection, tables.inbox, command, self.clock.now()):
                return False
            version, definitions = await self.active_version(connection)
            offences = await self._offences(connection)
            self.engine.script_engine.offences = offences
            run, emitted = self.engine.start(definitions, "accountability", {
                "case_unit": command.unit, "case_trigger": "bulletin", "bulletin_id": str(command.bulletin_id),
                "case_reason": command.reason})
            row = InstanceRow(uuid.uuid4(), None, "accountability", version, "", 0)
            await self._after_step(connection, row, run, emitted, command.actor, offences, before=[], extra=[],
                                   new=True)
        self.relay.wake()
        return True

    async def item_state(self, item_id: uuid.UUID) -> dict[str, Any]:
        """The item's instance as the console draws it: version, active and completed BPMN
        element ids, the ready tasks and the history of completed tasks."""
        t, h = tables.instances, tables.task_history
        async with self.db.connect() as connection:
            row = (await connection.execute(select(t.c.id, t.c.process_id, t.c.version, t.c.state, t.c.completed,
                                                   t.c.next_timer_at).where(
                t.c.item_id == item_id, t.c.process_id == "assignment"))).first()
            if row is None:
                raise NotFound(f"item {item_id}")
            spec = await self.definitions.spec(connection, row.version, row.process_id)
            history = (await connection.execute(select(h.c.task_id, h.c.kind, h.c.bpmn_id, h.c.actor, h.c.data,
                                                       h.c.completed_at, h.c.on_behalf_of).where(h.c.item_id == item_id)
                                                .order_by(h.c.completed_at, h.c.id))).all()
        run = self.engine.restore(spec, row.state)  # read only: no script runs
        return {
            "item_id": item_id, "process_id": row.process_id, "version": row.version, "completed": row.completed,
            "next_timer_at": row.next_timer_at, "active": run.active_element_ids(),
            "completed_elements": run.completed_element_ids(),
            "ready_tasks": [{"id": task.id, "kind": task.kind, "bpmn_id": task.bpmn_id, "name": task.name}
                            for task in run.ready_tasks()],
            "history": [{"task_id": r.task_id, "kind": r.kind, "bpmn_id": r.bpmn_id, "actor": r.actor,
                         "on_behalf_of": r.on_behalf_of, "data": r.data, "completed_at": r.completed_at}
                        for r in history],
        }

    async def task_was_completed(self, task_id: uuid.UUID) -> bool:
        t = tables.task_history
        async with self.db.connect() as connection:
            return (await connection.execute(select(t.c.id).where(t.c.task_id == task_id))).first() is not None

    # -- internals ----------------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def _failures(self, step: StepOf) -> AsyncIterator[None]:
        """A step the process cannot take leaves nothing (its transaction rolled back) but an
        incident, recorded in a transaction of its own; the caller gets ``StepFailed``."""
        try:
            yield
        except STEP_FAILURES as failure:
            row = step.row
            async with self.db.begin() as connection:
                incident = await incidents.record(connection, trigger=step.trigger, failure=failure,
                                                  now=self.clock.now(), instance_id=row.id if row else None,
                                                  item_id=row.item_id if row else None)
            raise StepFailed(failure, incident) from failure

    async def list_incidents(self, *, open_only: bool, limit: int) -> list[dict[str, Any]]:
        async with self.db.connect() as connection:
            return await incidents.listed(connection, open_only=open_only, limit=limit)

    async def resolve_incident(self, incident_id: int, actor: str) -> dict[str, Any]:
        async with self.db.begin() as connection:
            found = await incidents.resolve(connection, incident_id, actor, self.clock.now())
        if found is None:
            raise NotFound(f"incident {incident_id} not found")
        return found

    async def _restore(self, connection: AsyncConnection, row: InstanceRow, offences: Offences) -> Run:
        spec = await self.definitions.spec(connection, row.version, row.process_id)
        # set after the last await: the step that follows runs synchronously with these counts
        self.engine.script_engine.offences = offences
        return self.engine.restore(spec, row.state)

    async def _offences(self, connection: AsyncConnection) -> Offences:
        return await Offences.load(connection, today_in_china(self.clock).year)

    async def _instance_of_task(self, connection: AsyncConnection, task_id: uuid.UUID) -> InstanceRow:
        t = tables.open_tasks
        instance_id = (await connection.execute(select(t.c.instance_id).where(t.c.id == task_id))).scalar()
        if instance_id is None:
            t = tables.task_history
            instance_id = (await connection.execute(select(t.c.instance_id).where(t.c.task_id == task_id))).scalar()
        if instance_id is None:
            raise NotFound(f"task {task_id}")
        row = await self.instances.load(connection, instance_id)
        assert row is not None
        return row

    async def _after_step(self, connection: AsyncConnection, row: InstanceRow, run: Run, emitted: list[Emitted],
                          actor: str, offences: Offences, *, before: list[UserTask], extra: list[Event],
                          new: bool = False) -> None:
        now = self.clock.now()
        events = list(extra) + [to_event(kind, fields, item_id=row.item_id, actor=actor, occurred_at=now)
                                for kind, fields in emitted]
        events += await sync_open_tasks(connection, row, run, before, actor, now)
        state, timer, done = self.engine.dump(run), run.next_timer_due(), run.completed
        if new:
            row.state = state
            await self.instances.insert(connection, row, next_timer_at=timer, completed=done, now=now)
        else:
            await self.instances.save(connection, row, state, next_timer_at=timer, completed=done, now=now)
        changes = item_changes(events)
        if changes and row.item_id is not None:
            await connection.execute(update(tables.items).where(tables.items.c.id == row.item_id).values(**changes))
        await record_cases(connection, row, events, offences, now)
        await self.outbox.stage(connection, *events)

def build_service(db: AsyncEngine, clock: Clock, calendar: WorkingCalendar, publisher: JetStreamPublisher,
                  limits: DeployLimits | None = None) -> WorkflowService:
    """The service with its engine, outbox and relay (the relay runs only where it is started)."""
    outbox = Outbox(tables.outbox, clock)
    return WorkflowService(db, Engine(DubanScriptEngine(clock, calendar)), clock, outbox,
                           OutboxRelay(db, outbox, publisher), DefinitionStore(), InstanceStore(),
                           limits or DeployLimits())

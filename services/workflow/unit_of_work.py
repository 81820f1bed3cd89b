"""One unit of work: a transaction in which instances are loaded (locked and
revision-checked), stepped with a script environment of their own, and saved with
everything their step implies — the events (contract-checked), the open tasks, the item's
progress, the accountability cases and the outbox — before one commit.

    async with uow.begin("task", actor) as tx:
        step = await tx.of_instance(instance_id)
        step.complete(step.ready_task(task_id), data)

A step the process cannot take (a script fails, an event its contract refuses) rolls the
transaction back, leaves an incident (in a transaction of its own) and raises ``StepFailed``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.workflow.adapters import incidents, tables
from services.workflow.adapters.emitted import to_event
from services.workflow.adapters.step_effects import (
    Offences,
    case_of,
    record_cases,
    refresh_open_tasks,
    sync_open_tasks,
)
from services.workflow.adapters.store import DefinitionStore, InstanceRow, InstanceStore
from services.workflow.domain.progress import Progress, progress_after
from services.workflow.domain.refusals import STEP_FAILURES, NotFound, StepFailed
from services.workflow.engine.definitions import Definitions
from services.workflow.engine.migration import migrate
from services.workflow.engine.runner import Emitted, Engine, Run, UserTask
from shared.clock import Clock, today_in_china
from shared.contracts.base import Event
from shared.contracts.events import TaskCompleted
from shared.lru import Lru
from shared.storage.outbox import Outbox

RUNS_KEPT = 128  # instances whose last run stays in memory (about 90 KiB each restored: ~11 MiB)

ActiveVersion = Callable[[AsyncConnection], Any]  # -> awaitable (version, Definitions)


@dataclass
class Step:
    """One instance in this transaction: the use case drives ``run`` through these methods,
    which turn what the scripts emit into contract events at once (so a refused event fails
    here, naming the step)."""

    row: InstanceRow
    run: Run
    actor: str
    now: dt.datetime
    before: list[UserTask]
    events: list[Event] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    new: bool = False
    settled: bool = False  # due timers fired and engine steps run in this step
    moved_from: int | None = None  # the version the instance was on before ``move_to``

    def settle(self) -> None:
        self._emitted(self.run.settle())
        self.settled = True

    def send(self, message: str, payload: dict[str, Any]) -> None:
        self._emitted(self.run.send_message(message, payload))

    def ready_task(self, task_id: uuid.UUID) -> UserTask:
        """The ready user task (``UnknownTask``, ``TaskNotReady`` otherwise), after due timers fired."""
        self.settle()
        return self.run.ready(task_id)

    def complete(self, task: UserTask, data: dict[str, Any], on_behalf_of: str | None = None) -> None:
        """Complete ``task`` with its form's ``data`` (kept under the kind's name)."""
        self.events.append(TaskCompleted(occurred_at=self.now, actor=self.actor, task_id=task.id,
                                         task_kind=task.kind, task_name=task.name, item_id=self.row.item_id,
                                         case_id=case_of(task), data=data, on_behalf_of=on_behalf_of))
        self.history.append(dict(task_id=task.id, instance_id=self.row.id, item_id=self.row.item_id,
                                 kind=task.kind, bpmn_id=task.bpmn_id, actor=self.actor, data=data,
                                 completed_at=self.now, on_behalf_of=on_behalf_of))
        self._emitted(self.run.complete(task.id, {task.kind: data}, settled=self.settled))

    def move_to(self, version: int, definitions: Definitions) -> None:
        """Move the instance to another version of its process (``MigrationRefused`` if it cannot
        go); its ready tasks stay open with their ids, under their new names."""
        self.run = migrate(self.run, definitions, self.row.process_id)
        self.moved_from, self.row.version = self.row.version, version

    def _emitted(self, emitted: list[Emitted]) -> None:
        self.events += [to_event(kind, fields, item_id=self.row.item_id, actor=self.actor, occurred_at=self.now)
                        for kind, fields in emitted]


class Transaction:
    """The steps of one unit of work, on one connection."""

    def __init__(self, uow: UnitOfWork, connection: AsyncConnection, actor: str) -> None:
        self.uow, self.connection, self.actor = uow, connection, actor
        self.steps: list[Step] = []
        self.saved: list[Step] = []  # kept for the next step of each instance once committed
        self.outgoing: list[Event] = []  # the saved steps' events, staged in the outbox at the end
        self.offences: Offences | None = None
        self.current: InstanceRow | None = None  # the instance of the step under way, for an incident
        self.current_is_stored = False

    async def of_instance(self, instance_id: uuid.UUID) -> Step:
        row = await self.uow.instances.load(self.connection, instance_id)
        if row is None:
            raise NotFound(f"instance {instance_id} not found")
        return await self.of_row(row)

    async def of_row(self, row: InstanceRow) -> Step:
        """The run of a row loaded (locked) in this transaction: the workflow this process
        stepped last, if the row is still at the revision it saved (another worker would have
        moved it on), else restored from the row."""
        self.current, self.current_is_stored = row, True
        offences = await self._offences()
        run = self.uow.runs.take(row.id, row.revision, self.uow.engine.scripts(offences))
        if run is None:
            spec = await self.uow.definitions.spec(self.connection, row.version, row.process_id)
            run = self.uow.engine.restore(spec, row.state, offences)
        return self._step(row, run)

    async def of_item(self, item_id: uuid.UUID) -> Step:
        t = tables.instances
        instance_id = await self._scalar(select(t.c.id).where(t.c.item_id == item_id, t.c.process_id == "assignment"))
        if instance_id is None:
            raise NotFound(f"item {item_id} not found")
        return await self.of_instance(instance_id)

    async def start(self, process_id: str, variables: dict[str, Any], *, item_id: uuid.UUID | None,
                    first: list[Event] = ()) -> Step:  # type: ignore[assignment]
        """A new instance of the active version, run to its first wait; ``first`` are events
        that come before what it emits (e.g. ``item.registered``)."""
        version, definitions = await self.uow.active_version(self.connection)
        row = self.current = InstanceRow(uuid.uuid4(), item_id, process_id, version, "", 0,
                                         Progress() if item_id is not None else None)
        self.current_is_stored = False
        run, emitted = self.uow.engine.start(definitions, process_id, variables, await self._offences())
        step = self._step(row, run, new=True, before=[])
        step.events += list(first)
        step._emitted(emitted)
        return step

    def discard(self, step: Step) -> None:
        """Leave a step out (its run failed): nothing of it is saved."""
        self.steps.remove(step)

    async def parked(self, step: Step, failure: Exception) -> int:
        """A timer step that failed: its incident, its timers parked (the others go on)."""
        self.discard(step)
        return await incidents.record(self.connection, trigger="timer", failure=failure, now=self.uow.clock.now(),
                                      instance_id=step.row.id, item_id=step.row.item_id,
                                      timer_at=self.uow.clock.now())

    async def save(self, step: Step) -> None:
        """Store a step now (its accountability cases count for the next step's scripts)."""
        self.steps.remove(step)
        self.outgoing += await self.uow.save(self.connection, step, await self._offences())
        self.saved.append(step)

    async def finish(self) -> None:
        for step in list(self.steps):
            await self.save(step)
        await self.uow.outbox.stage(self.connection, *self.outgoing)  # one INSERT for all the steps

    def _step(self, row: InstanceRow, run: Run, *, new: bool = False, before: list[UserTask] | None = None) -> Step:
        step = Step(row, run, self.actor, self.uow.clock.now(), run.ready_tasks() if before is None else before,
                    new=new)
        self.steps.append(step)
        return step

    async def _offences(self) -> Offences:
        if self.offences is None:
            self.offences = await Offences.load(self.connection, today_in_china(self.uow.clock).year)
        return self.offences

    async def _scalar(self, query: Any) -> Any:
        return (await self.connection.execute(query)).scalar()


@dataclass
class UnitOfWork:
    db: AsyncEngine
    engine: Engine
    clock: Clock
    definitions: DefinitionStore
    instances: InstanceStore
    outbox: Outbox
    active_version: Callable[[AsyncConnection], Any]
    wake: Callable[[], None]
    runs: Runs = field(default_factory=lambda: Runs(RUNS_KEPT))

    @contextlib.asynccontextmanager
    async def begin(self, trigger: str, actor: str) -> AsyncIterator[Transaction]:
        """A transaction for steps; ``trigger`` (start, task, message, timer) names an incident."""
        tx: Transaction | None = None
        try:
            async with self.db.begin() as connection:
                tx = Transaction(self, connection, actor)
                yield tx
                await tx.finish()
            for step in tx.saved:  # committed: the next step of these instances starts from memory
                self.runs.keep(step.row.id, step.row.revision, step.run)
        except STEP_FAILURES as failure:
            row = tx.current if tx else None
            async with self.db.begin() as connection:
                incident = await incidents.record(
                    connection, trigger=trigger, failure=failure, now=self.clock.now(),
                    instance_id=row.id if row and tx and tx.current_is_stored else None,
                    item_id=row.item_id if row and tx and tx.current_is_stored else None)
            raise StepFailed(failure, incident) from failure
        self.wake()

    async def save(self, connection: AsyncConnection, step: Step, offences: Offences) -> list[Event]:
        """Everything a step implies, in the step's transaction; its events (for the outbox).
        The instance row goes first: its revision check (``ConcurrentUpdate``) fails before
        anything else of the step is written."""
        row, run, now = step.row, step.run, step.now
        state, timer, done = self.engine.dump(run), run.next_timer_due(), run.completed
        if step.new:
            row.state = state
            await self.instances.insert(connection, row, next_timer_at=timer, completed=done, now=now)
        else:
            await self.instances.save(connection, row, state, next_timer_at=timer, completed=done, now=now)
        events = step.events + await sync_open_tasks(connection, row, run, step.before, step.actor, now)
        if step.moved_from is not None:
            await refresh_open_tasks(connection, run, step.before)
            await connection.execute(insert(tables.instance_migrations).values(
                instance_id=row.id, item_id=row.item_id, process_id=row.process_id, from_version=step.moved_from,
                to_version=row.version, actor=step.actor, migrated_at=now))
        if step.history:
            await connection.execute(insert(tables.task_history), step.history)
        events += await progressed(connection, row, events, step.actor, now)
        await record_cases(connection, row, events, offences, now)
        return events


async def progressed(connection: AsyncConnection, row: InstanceRow, events: list[Event], actor: str,
                     now: dt.datetime) -> list[Event]:
    """Apply the step's events to the item's progress; ``item.progressed`` when it changed."""
    if row.item_id is None or row.progress is None:  # no item (a bulletin's case), or no item row (benchmarks)
        return []
    current = row.progress
    after = progress_after(current, events)
    if after == current:
        return []
    t = tables.items
    await connection.execute(update(t).where(t.c.id == row.item_id).values(
        status=after.status.value, status_reason=after.status_reason, due_date=after.due_date,
        overdue=after.overdue, overdue_deadline=after.overdue_deadline.value if after.overdue_deadline else None))
    row.progress = after
    return [after.as_event(row.item_id, occurred_at=now, actor=actor)]


class Runs:
    """The runs this process stepped last, by (instance, revision saved): a next step of the
    same instance skips restoring it. A run is taken out while it steps and put back only
    after its transaction committed, so a failed step never leaves a changed run here."""

    def __init__(self, size: int) -> None:
        self._runs: Lru[tuple[uuid.UUID, int], Run] = Lru(size)

    def take(self, instance_id: uuid.UUID, revision: int, scripts: Any) -> Run | None:
        run = self._runs.pop((instance_id, revision))
        if run is None:
            return None
        run.workflow.script_engine = run.engine = scripts  # the new step's own script environment
        return run

    def keep(self, instance_id: uuid.UUID, revision: int, run: Run) -> None:
        self._runs.put((instance_id, revision), run)

"""The workflow service's use cases: one transaction each, events through the outbox."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.workflow import tables
from services.workflow.emitted import to_event
from services.workflow.engine.definitions import Definitions
from services.workflow.engine.runner import Emitted, Engine, Run, UserTask
from services.workflow.item_state import item_changes
from services.workflow.store import DefinitionStore, InstanceRow, InstanceStore
from shared.clock import Clock, today_in_china
from shared.contracts.base import Event
from shared.contracts.events import ItemRegistered, TaskCompleted, TaskCreated
from shared.storage.outbox import Outbox, OutboxRelay

SYSTEM = "system"


class NotFound(LookupError):
    pass


def assignee_of(task: UserTask) -> tuple[str, str | None]:
    """``role:office`` -> (office, None); ``unit:lead_unit:liaison`` -> (liaison, <the unit>)."""
    kind, _, rest = task.assignee.partition(":")
    if kind == "unit":
        variable, _, role = rest.partition(":")
        return role, task.data.get(variable)
    return rest, None


@dataclass
class WorkflowService:
    db: AsyncEngine
    engine: Engine
    clock: Clock
    outbox: Outbox
    relay: OutboxRelay
    definitions: DefinitionStore
    instances: InstanceStore
    current: Definitions | None = None
    current_version: int = 0

    async def install(self, definitions: Definitions, *, source: str, actor: str) -> int:
        """Make these documents the version new instances start on."""
        async with self.db.begin() as connection:
            version = await self.definitions.ensure(connection, definitions, source=source, actor=actor,
                                                    now=self.clock.now())
        self.current, self.current_version = definitions, version
        return version

    # -- use cases -------------------------------------------------------------------------
    async def register_item(self, form: dict[str, Any], actor: str) -> uuid.UUID:
        assert self.current is not None, "no process definitions installed"
        now = self.clock.now()
        item_id = uuid.uuid4()
        async with self.db.begin() as connection:
            year = today_in_china(self.clock).year
            number = await self._next_number(connection, year)
            code = f"督办〔{year}〕{number}号"
            await connection.execute(insert(tables.items).values(
                id=item_id, code=code, year=year, number=number, title=form["title"], source=form["source"],
                urgency=form["urgency"], lead_unit=form["lead_unit"], co_units=form["co_units"],
                leader=form["leader"], status="registered", due_date=form.get("due_date"),
                due_date_estimated=False, overdue=False, registered_by=actor, registered_at=now, details=form))
            registered = ItemRegistered.model_validate({
                **{k: v for k, v in form.items() if k in ItemRegistered.model_fields and k not in ("plan_start",)},
                "item_id": item_id, "code": code, "occurred_at": now, "actor": actor}, strict=False)
            variables = {**registered.model_dump(mode="json", exclude={"event_id", "occurred_at", "actor",
                                                                         "schema_version"}),
                         "registered_on": today_in_china(self.clock).isoformat(),
                         "lookback_months": form.get("lookback_months", 3)}
            if form.get("plan_start"):
                variables["plan_start"] = str(form["plan_start"])
            run, emitted = self.engine.start(self.current, "assignment", variables)
            row = InstanceRow(uuid.uuid4(), item_id, "assignment", self.current_version, "", 0)
            await self._after_step(connection, row, run, emitted, actor, before=[], extra=[registered], new=True)
        self.relay.wake()
        return item_id

    async def complete_task(self, task_id: uuid.UUID, data: dict[str, Any], kind: str, actor: str) -> None:
        async with self.db.begin() as connection:
            row = await self._instance_of_task(connection, task_id)
            run = await self._restore(connection, row)
            before = run.ready_tasks()
            emitted = run.complete(task_id, {kind: data})
            completed = TaskCompleted(occurred_at=self.clock.now(), actor=actor, task_id=task_id, task_kind=kind,
                                      item_id=row.item_id, data=data)
            await connection.execute(insert(tables.task_history).values(
                task_id=task_id, instance_id=row.id, item_id=row.item_id, kind=kind,
                bpmn_id=next(t.bpmn_id for t in before if t.id == task_id), actor=actor, data=data,
                completed_at=self.clock.now()))
            await self._after_step(connection, row, run, emitted, actor, before=before, extra=[completed])
        self.relay.wake()

    async def send_message(self, item_id: uuid.UUID, name: str, payload: dict[str, Any], actor: str) -> None:
        async with self.db.begin() as connection:
            t = tables.instances
            instance_id = (await connection.execute(select(t.c.id).where(
                t.c.item_id == item_id, t.c.process_id == "assignment"))).scalar()
            if instance_id is None:
                raise NotFound(f"item {item_id}")
            row = await self.instances.load(connection, instance_id)
            run = await self._restore(connection, row)
            before = run.ready_tasks()
            emitted = run.send_message(name, payload)
            await self._after_step(connection, row, run, emitted, actor, before=before, extra=[])
        self.relay.wake()

    async def fire_due_timers(self, limit: int = 200) -> int:
        """Step every instance whose next timer is due; returns how many were stepped."""
        async with self.db.begin() as connection:
            due = await self.instances.due(connection, self.clock.now(), limit)
            for instance_id in due:
                row = await self.instances.load(connection, instance_id)
                run = await self._restore(connection, row)
                before = run.ready_tasks()
                await self._after_step(connection, row, run, run.settle(), SYSTEM, before=before, extra=[])
        if due:
            self.relay.wake()
        return len(due)

    async def task_was_completed(self, task_id: uuid.UUID) -> bool:
        t = tables.task_history
        async with self.db.connect() as connection:
            return (await connection.execute(select(t.c.id).where(t.c.task_id == task_id))).first() is not None

    # -- internals ----------------------------------------------------------------------------
    async def _restore(self, connection: AsyncConnection, row: InstanceRow) -> Run:
        return self.engine.restore(await self.definitions.spec(connection, row.version, row.process_id), row.state)

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

    async def _next_number(self, connection: AsyncConnection, year: int) -> int:
        t = tables.items
        if connection.dialect.name == "postgresql":  # serialise numbering per year across workers
            await connection.execute(select(func.pg_advisory_xact_lock(year)))
        last = (await connection.execute(select(func.max(t.c.number)).where(t.c.year == year))).scalar()
        return (last or 0) + 1

    async def _after_step(self, connection: AsyncConnection, row: InstanceRow, run: Run, emitted: list[Emitted],
                          actor: str, *, before: list[UserTask], extra: list[Event], new: bool = False) -> None:
        now = self.clock.now()
        events = list(extra) + [to_event(kind, fields, item_id=row.item_id, actor=actor, occurred_at=now)
                                for kind, fields in emitted]
        events += await self._sync_open_tasks(connection, row, run, before, actor)
        state, timer, done = self.engine.dump(run), run.next_timer_due(), run.completed
        if new:
            row.state = state
            await self.instances.insert(connection, row, next_timer_at=timer, completed=done, now=now)
        else:
            await self.instances.save(connection, row, state, next_timer_at=timer, completed=done, now=now)
        changes = item_changes(events)
        if changes and row.item_id is not None:
            await connection.execute(update(tables.items).where(tables.items.c.id == row.item_id).values(**changes))
        await self.outbox.stage(connection, *events)

    async def _sync_open_tasks(self, connection: AsyncConnection, row: InstanceRow, run: Run,
                               before: list[UserTask], actor: str) -> list[Event]:
        now, ready = self.clock.now(), run.ready_tasks()
        gone = {t.id for t in before} - {t.id for t in ready}
        if gone:
            await connection.execute(delete(tables.open_tasks).where(tables.open_tasks.c.id.in_(gone)))
        known = {t.id for t in before}
        created = []
        for task in ready:
            if task.id in known:
                continue
            role, unit = assignee_of(task)
            due = dt.date.fromisoformat(task.due) if task.due else None
            await connection.execute(insert(tables.open_tasks).values(
                id=task.id, instance_id=row.id, item_id=row.item_id, kind=task.kind, bpmn_id=task.bpmn_id,
                name=task.name, assignee_role=role, assignee_unit=unit, due_date=due, created_at=now))
            created.append(TaskCreated(occurred_at=now, actor=actor, task_id=task.id, task_kind=task.kind,
                                       item_id=row.item_id, assignee_unit=unit, assignee_role=role, due_date=due))
        return created

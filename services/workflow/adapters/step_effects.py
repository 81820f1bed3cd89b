"""What a step writes besides the instance row: the open tasks (so ``GET /tasks`` is one
query) and the accountability cases (so a repeat offence is counted)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.workflow.adapters import tables
from services.workflow.adapters.store import InstanceRow
from services.workflow.domain.task_context import task_context
from services.workflow.engine.runner import Run, UserTask
from shared.clock import CHINA
from shared.contracts.base import Event
from shared.contracts.events import (
    AccountabilityClosed,
    AccountabilityMeasureDecided,
    AccountabilityOpened,
    TaskCreated,
)


class Offences:
    """Accountability cases per (unit, year), read once per transaction for the
    ``offences_this_year`` script helper (scripts run synchronously inside a step)."""

    def __init__(self, counts: dict[tuple[str, int], int]) -> None:
        self.counts = counts

    def __call__(self, unit: str, year: int) -> int:
        return self.counts.get((unit, year), 0)

    @classmethod
    async def load(cls, connection: AsyncConnection, year: int) -> Offences:
        t = tables.cases
        rows = await connection.execute(select(t.c.unit, func.count()).where(t.c.year == year).group_by(t.c.unit))
        return cls({(unit, year): n for unit, n in rows})


def assignee_of(task: UserTask) -> tuple[str, str | None, str | None]:
    """(role, unit, user) of a task's ``assignee`` property: ``role:office`` -> (office, None,
    None); ``unit:lead_unit:liaison`` -> (liaison, <the unit>, None); ``leader:leader`` ->
    (leader, None, <the leader named by the variable>)."""
    kind, _, rest = task.assignee.partition(":")
    if kind == "unit":
        variable, _, role = rest.partition(":")
        return role, task.data.get(variable), None
    if kind == "leader":
        return "leader", None, task.data.get(rest) or None
    return rest, None, None


def case_of(task: UserTask) -> uuid.UUID | None:
    """The accountability case a task belongs to, if it is one of a case's tasks."""
    case_id = task.data.get("case_id") if task.process == "accountability" else None
    return uuid.UUID(case_id) if case_id else None


async def record_cases(connection: AsyncConnection, row: InstanceRow, events: list[Event], offences: Offences,
                   now: dt.datetime) -> None:
    """Keep the accountability cases the escalation rule counts."""
    t = tables.cases
    for event in events:
        if isinstance(event, AccountabilityOpened):
            year = event.occurred_at.astimezone(CHINA).year
            await connection.execute(insert(t).values(
                case_id=event.case_id, unit=event.unit, year=year, trigger=event.trigger.value,
                item_id=event.item_id, bulletin_id=event.bulletin_id, instance_id=row.id, opened_at=now))
            offences.counts[(event.unit, year)] = offences(event.unit, year) + 1
        elif isinstance(event, AccountabilityMeasureDecided):
            await connection.execute(update(t).where(t.c.case_id == event.case_id).values(
                measure=event.measure.value))
        elif isinstance(event, AccountabilityClosed):
            await connection.execute(update(t).where(t.c.case_id == event.case_id).values(closed_at=now))

async def sync_open_tasks(connection: AsyncConnection, row: InstanceRow, run: Run, before: list[UserTask],
                      actor: str, now: dt.datetime) -> list[Event]:
    """Keep ``workflow_open_tasks`` in step with the instance; a ``task.created`` per new task."""
    ready = run.ready_tasks()
    gone = {t.id for t in before} - {t.id for t in ready}
    if gone:
        await connection.execute(delete(tables.open_tasks).where(tables.open_tasks.c.id.in_(gone)))
    known = {t.id for t in before}
    created = []
    for task in ready:
        if task.id in known:
            continue
        role, unit, user = assignee_of(task)
        due = dt.date.fromisoformat(task.due) if task.due else None
        await connection.execute(insert(tables.open_tasks).values(
            id=task.id, instance_id=row.id, item_id=row.item_id, kind=task.kind, bpmn_id=task.bpmn_id,
            name=task.name, assignee_role=role, assignee_unit=unit, assignee_user=user, due_date=due,
            created_at=now, context=task_context(task)))
        created.append(TaskCreated(occurred_at=now, actor=actor, task_id=task.id, task_kind=task.kind,
                                   task_name=task.name, item_id=row.item_id, case_id=case_of(task),
                                   assignee_unit=unit, assignee_role=role, assignee_user=user, due_date=due))
    return created


async def refresh_open_tasks(connection: AsyncConnection, run: Run, before: list[UserTask]) -> None:
    """Open tasks that stayed open through a move to another version: what they show comes
    from the new version (a renamed task shows its new name)."""
    kept = {t.id for t in before}
    for task in run.ready_tasks():
        if task.id not in kept:
            continue
        role, unit, user = assignee_of(task)
        await connection.execute(update(tables.open_tasks).where(tables.open_tasks.c.id == task.id).values(
            kind=task.kind, bpmn_id=task.bpmn_id, name=task.name, assignee_role=role, assignee_unit=unit,
            assignee_user=user, due_date=dt.date.fromisoformat(task.due) if task.due else None,
            context=task_context(task)))

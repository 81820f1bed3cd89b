"""Reads for the HTTP API: items and tasks as a caller may see them."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.workflow.adapters import tables
from services.workflow.domain.assignees import is_assignee
from services.workflow.domain.forms import Form
from shared.calendar import WorkingCalendar
from shared.calendar.deadline_rules import is_estimated
from shared.identity import Principal
from shared.storage.database import reading


async def item(db: AsyncEngine, item_id: uuid.UUID, calendar: WorkingCalendar) -> dict[str, Any] | None:
    """The item as its process has it (``progress.py``); a deadline in a year the official
    calendar does not cover yet is marked estimated (worked out now, so loading the year fixes it)."""
    t = tables.items
    async with reading(db) as connection:
        row = (await connection.execute(select(t).where(t.c.id == item_id))).first()
        if row is None:
            return None
        kinds = (await connection.execute(select(tables.open_tasks.c.kind).where(
            tables.open_tasks.c.item_id == item_id))).scalars().all()
    found = dict(row._mapping)
    return {
        "id": found["id"], "code": found["code"], "title": found["title"], "status": found["status"],
        "status_reason": found["status_reason"],
        "source": found["source"], "urgency": found["urgency"], "lead_unit": found["lead_unit"],
        "co_units": found["co_units"], "leader": found["leader"], "due_date": found["due_date"],
        "due_date_estimated": found["due_date"] is not None and is_estimated(calendar, found["due_date"]),
        "overdue": found["overdue"], "overdue_deadline": found["overdue_deadline"],
        "registered_at": found["registered_at"], "open_tasks": sorted(kinds),
        "joint_group": (found["details"] or {}).get("joint_group"),  # 联合督查组, as registered
    }


def task_view(row: dict[str, Any], form: Form | None) -> dict[str, Any]:
    """An open task as the API shows it, with the form of its instance's version."""
    return {
        "id": row["id"], "item_id": row["item_id"], "kind": row["kind"], "name": row["name"],
        "assignee": {"role": row["assignee_role"], "unit": row["assignee_unit"], "user": row["assignee_user"]},
        "due_date": row["due_date"], "created_at": row["created_at"], "context": row.get("context"),
        "form": form.schema if form else None, "form_ui": form.ui_schema if form else None,
    }


async def task(db: AsyncEngine, task_id: uuid.UUID) -> dict[str, Any] | None:
    async with reading(db) as connection:
        return await open_task(connection, task_id)


def _with_version() -> Any:
    """Open tasks with their instance's definition version (whose forms they use)."""
    t, i = tables.open_tasks, tables.instances
    return select(t, i.c.version).join(i, i.c.id == t.c.instance_id)


async def open_task(connection: AsyncConnection, task_id: uuid.UUID) -> dict[str, Any] | None:
    row = (await connection.execute(_with_version().where(tables.open_tasks.c.id == task_id))).first()
    return dict(row._mapping) if row else None


async def item_parties(connection: AsyncConnection, item_id: uuid.UUID) -> Any:
    """The item's lead unit, co-units and due date (None: no such item)."""
    t = tables.items
    return (await connection.execute(select(t.c.lead_unit, t.c.co_units, t.c.due_date).where(
        t.c.id == item_id))).first()


async def was_completed(connection: AsyncConnection, task_id: uuid.UUID) -> bool:
    t = tables.task_history
    return (await connection.execute(select(t.c.id).where(t.c.task_id == task_id))).first() is not None


async def tasks_for(db: AsyncEngine, principal: Principal, acting: Collection[str] = ()) -> list[dict[str, Any]]:
    """The caller's ready tasks (rows, with their instance's version): their role's (and
    unit's) tasks that name no user, and the tasks named for them or for a leader they act for."""
    t = tables.open_tasks
    roles = [str(r) for r in principal.roles] + (["secretary_general"] if principal.secretary_general else [])
    by_role = and_(t.c.assignee_user.is_(None), t.c.assignee_role.in_(roles),
                   or_(t.c.assignee_unit.is_(None), t.c.assignee_unit == principal.unit) if principal.unit
                   else t.c.assignee_unit.is_(None))
    named = t.c.assignee_user.in_([principal.username, *acting])
    query = _with_version().where(or_(by_role, named)).order_by(t.c.due_date, t.c.created_at)
    async with reading(db) as connection:
        rows = (await connection.execute(query)).all()
    return [dict(r._mapping) for r in rows if is_assignee(principal, dict(r._mapping), acting)]


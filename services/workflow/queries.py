"""Reads for the HTTP API: items and tasks as a caller may see them."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.workflow import forms, tables
from shared.identity import Principal, Role


def can_see_item(principal: Principal, item: dict[str, Any]) -> bool:
    return principal.sees_all or principal.unit in [item["lead_unit"], *item["co_units"]]


def is_assignee(principal: Principal, task: dict[str, Any]) -> bool:
    role = task["assignee_role"]
    if role == "secretary_general":
        return principal.secretary_general
    return principal.has_role(Role(role)) and (task["assignee_unit"] is None or task["assignee_unit"] == principal.unit)


async def item(db: AsyncEngine, item_id: uuid.UUID) -> dict[str, Any] | None:
    t = tables.items
    async with db.connect() as connection:
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
        "due_date_estimated": found["due_date_estimated"], "overdue": found["overdue"],
        "registered_at": found["registered_at"], "open_tasks": sorted(kinds),
    }


def task_view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"], "item_id": row["item_id"], "kind": row["kind"], "name": row["name"],
        "assignee": {"role": row["assignee_role"], "unit": row["assignee_unit"]},
        "due_date": row["due_date"], "created_at": row["created_at"], "form": forms.schema_of(row["kind"]),
    }


async def task(db: AsyncEngine, task_id: uuid.UUID) -> dict[str, Any] | None:
    t = tables.open_tasks
    async with db.connect() as connection:
        row = (await connection.execute(select(t).where(t.c.id == task_id))).first()
    return dict(row._mapping) if row else None


async def tasks_for(db: AsyncEngine, principal: Principal) -> list[dict[str, Any]]:
    t = tables.open_tasks
    query = select(t).order_by(t.c.due_date, t.c.created_at)
    roles = [str(r) for r in principal.roles] + (["secretary_general"] if principal.secretary_general else [])
    query = query.where(t.c.assignee_role.in_(roles))
    if principal.unit:
        query = query.where(or_(t.c.assignee_unit.is_(None), t.c.assignee_unit == principal.unit))
    else:
        query = query.where(t.c.assignee_unit.is_(None))
    async with db.connect() as connection:
        rows = (await connection.execute(query)).all()
    return [task_view(dict(r._mapping)) for r in rows if is_assignee(principal, dict(r._mapping))]

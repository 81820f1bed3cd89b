"""Incidents: a step the process could not take (a script failed, an event its contract
refuses). Nothing of the step is kept; the incident says where and why, and a parked
timer waits until an admin resolves the incident (then the sweep tries it again)."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.workflow.adapters import tables

log = logging.getLogger("duban.workflow.incidents")


async def record(connection: AsyncConnection, *, trigger: str, failure: Exception, now: dt.datetime,
                 instance_id: uuid.UUID | None, item_id: uuid.UUID | None, timer_at: dt.datetime | None = None) -> int:
    """Store the incident; ``timer_at`` parks the instance's timers until it is resolved."""
    t = tables.incidents
    element, name = getattr(failure, "element", None), getattr(failure, "name", None)
    incident_id = (await connection.execute(insert(t).values(
        instance_id=instance_id, item_id=item_id, trigger=trigger, element_id=element, element_name=name,
        message=str(failure)[:4000], timer_at=timer_at, created_at=now).returning(t.c.id))).scalar_one()
    if timer_at is not None and instance_id is not None:
        await connection.execute(update(tables.instances).where(tables.instances.c.id == instance_id)
                                 .values(next_timer_at=None))
    log.error("a process step failed", extra={"incident": incident_id, "trigger": trigger, "element": element,
                                              "instance": str(instance_id), "error": str(failure)})
    return incident_id


async def listed(connection: AsyncConnection, *, open_only: bool, limit: int) -> list[dict[str, Any]]:
    t = tables.incidents
    query = select(t).order_by(t.c.id.desc()).limit(limit)
    if open_only:
        query = query.where(t.c.resolved_at.is_(None))
    return [dict(row._mapping) for row in await connection.execute(query)]


async def resolve(connection: AsyncConnection, incident_id: int, actor: str, now: dt.datetime) -> dict[str, Any] | None:
    """Mark it resolved; a parked timer is due again at once. None if there is no such incident."""
    t = tables.incidents
    row = (await connection.execute(select(t).where(t.c.id == incident_id))).first()
    if row is None:
        return None
    if row.resolved_at is None:
        await connection.execute(update(t).where(t.c.id == incident_id).values(resolved_at=now, resolved_by=actor))
        if row.timer_at is not None and row.instance_id is not None:
            instances = tables.instances
            await connection.execute(update(instances).where(instances.c.id == row.instance_id,
                                                             instances.c.completed.is_(False))
                                     .values(next_timer_at=now))
    return dict((await connection.execute(select(t).where(t.c.id == incident_id))).one()._mapping)

"""The rounds opened (``workflow_rounds``) and the annual targets a check is for."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.workflow.adapters import tables
from shared.contracts.enums import ItemStatus, Source
from shared.storage.database import upsert


@dataclass(frozen=True)
class RoundKey:
    kind: str  # "quarterly_progress", "target_check"
    period: str  # "2026-Q4", "2026-H1"
    subject: str  # the unit's id, or the checked item's id


async def claim_round(connection: AsyncConnection, key: RoundKey, item_id: uuid.UUID,
                      now: dt.datetime) -> uuid.UUID | None:
    """Record the round for ``item_id`` in the caller's transaction; the item of the round
    opened before, if any. A concurrent claim of the same round waits on its row until this
    transaction ends, then finds it."""
    t = tables.rounds
    statement = upsert(connection, t).values(kind=key.kind, period=key.period, subject=key.subject,
                                             item_id=item_id, opened_at=now)
    if (await connection.execute(statement.on_conflict_do_nothing().returning(t.c.item_id))).first():
        return None
    return (await connection.execute(select(t.c.item_id).where(
        t.c.kind == key.kind, t.c.period == key.period, t.c.subject == key.subject))).scalar_one()


async def opened_subjects(connection: AsyncConnection, kind: str, period: str) -> set[str]:
    t = tables.rounds
    return set((await connection.execute(select(t.c.subject).where(t.c.kind == kind, t.c.period == period))).scalars())


@dataclass(frozen=True)
class Target:
    item_id: uuid.UUID
    code: str
    title: str
    lead_unit: str
    leader: str


async def open_targets(connection: AsyncConnection) -> list[Target]:
    """The annual targets (政府工作报告目标任务) neither closed nor rejected, oldest first."""
    t = tables.items
    rows = await connection.execute(
        select(t.c.id, t.c.code, t.c.title, t.c.lead_unit, t.c.leader)
        .where(t.c.source == Source.WORK_REPORT_TARGET.value,
               t.c.status.not_in([ItemStatus.CLOSED.value, ItemStatus.REJECTED.value]))
        .order_by(t.c.registered_at, t.c.id))
    return [Target(r.id, r.code, r.title, r.lead_unit, r.leader) for r in rows]

"""Delegations: a leader names another leader to decide their tasks for a period (e.g. while
away); the delegate's decisions are recorded as made on the leader's behalf."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from services.workflow.adapters import tables
from services.workflow.domain.refusals import BadDelegation, NotFound
from shared.clock import Clock, today_in_china
from shared.identity import OrgDirectory, Principal, Role
from shared.storage.database import reading

LONGEST = dt.timedelta(days=366)


def view(row: Any) -> dict[str, Any]:
    return {"id": row.id, "leader": row.leader, "delegate": row.delegate, "starts_on": row.starts_on,
            "ends_on": row.ends_on, "reason": row.reason, "created_at": row.created_at,
            "revoked_at": row.revoked_at}


@dataclass
class Delegations:
    db: AsyncEngine
    clock: Clock
    directory: OrgDirectory

    async def give(self, leader: Principal, delegate: str, starts_on: dt.date, ends_on: dt.date,
                   reason: str) -> dict[str, Any]:
        other = self.directory.user(delegate)
        if other is None or not other.has_role(Role.leader) or other.username == leader.username:
            raise BadDelegation(f"{delegate!r} is not another leader")
        if starts_on > ends_on:
            raise BadDelegation(f"starts_on {starts_on} is after ends_on {ends_on}")
        if ends_on - starts_on > LONGEST:
            raise BadDelegation("a delegation lasts at most a year")
        if ends_on < today_in_china(self.clock):
            raise BadDelegation(f"ends_on {ends_on} is in the past")
        t = tables.delegations
        async with self.db.begin() as connection:
            new_id = (await connection.execute(insert(t).values(
                leader=leader.username, delegate=delegate, starts_on=starts_on, ends_on=ends_on, reason=reason,
                created_at=self.clock.now()).returning(t.c.id))).scalar_one()
            return view((await connection.execute(select(t).where(t.c.id == new_id))).one())

    async def listed(self, principal: Principal) -> list[dict[str, Any]]:
        """A leader's delegations, given and received; the office and admins see all."""
        t = tables.delegations
        query = select(t).order_by(t.c.id.desc())
        if not principal.has_role(Role.office, Role.admin):
            query = query.where(or_(t.c.leader == principal.username, t.c.delegate == principal.username))
        async with reading(self.db) as connection:
            return [view(r) for r in await connection.execute(query)]

    async def revoke(self, leader: Principal, delegation_id: int) -> dict[str, Any]:
        """The leader who gave it ends it now."""
        t = tables.delegations
        mine = (t.c.id == delegation_id) & (t.c.leader == leader.username)
        async with self.db.begin() as connection:
            await connection.execute(update(t).where(mine, t.c.revoked_at.is_(None)).values(revoked_at=self.clock.now()))
            row = (await connection.execute(select(t).where(mine))).first()
        if row is None:
            raise NotFound(f"delegation {delegation_id} not found")
        return view(row)

    async def acting_for(self, principal: Principal) -> set[str]:
        """The leaders whose tasks the caller decides today by their delegation."""
        if not principal.has_role(Role.leader):
            return set()
        t, today = tables.delegations, today_in_china(self.clock)
        async with reading(self.db) as connection:
            rows = await connection.execute(select(t.c.leader).where(
                t.c.delegate == principal.username, t.c.revoked_at.is_(None), t.c.starts_on <= today,
                t.c.ends_on >= today))
        return set(rows.scalars())

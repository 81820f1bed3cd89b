"""Delegations: a leader names another leader to decide their tasks for a period (e.g. while
away); the delegate's decisions are recorded as made on the leader's behalf."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from services.workflow import tables
from shared.clock import Clock, today_in_china
from shared.contracts.base import Text, Username
from shared.errors import errors
from shared.identity import OrgDirectory, Principal, PrincipalDep, Role, require_roles
from shared.params import IsoDate, RowId

LONGEST = dt.timedelta(days=366)


class DelegationForm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    delegate: Username = Field(description="the leader who decides in the meantime")
    starts_on: IsoDate
    ends_on: IsoDate = Field(description="the last day (inclusive); at most a year after starts_on")
    reason: Annotated[Text, Field(max_length=500)]

    @model_validator(mode="after")
    def _period(self) -> DelegationForm:
        if self.starts_on > self.ends_on:
            raise ValueError(f"starts_on {self.starts_on} is after ends_on {self.ends_on}")
        if self.ends_on - self.starts_on > LONGEST:
            raise ValueError("a delegation lasts at most a year")
        return self


def view(row: Any) -> dict[str, Any]:
    return {"id": row.id, "leader": row.leader, "delegate": row.delegate, "starts_on": row.starts_on,
            "ends_on": row.ends_on, "reason": row.reason, "created_at": row.created_at,
            "revoked_at": row.revoked_at}


def delegations_router(db: AsyncEngine, clock: Clock, directory: OrgDirectory) -> APIRouter:
    router = APIRouter(tags=["delegations"])
    leader = Depends(require_roles(Role.leader))
    t = tables.delegations

    @router.post("/delegations", status_code=201, dependencies=[leader], responses=errors(403, 422))
    async def delegate(form: DelegationForm, principal: PrincipalDep) -> dict[str, Any]:
        """The caller (a leader) lets another leader decide the caller's tasks from
        ``starts_on`` to ``ends_on``; the caller can still decide them too."""
        other = directory.user(form.delegate)
        if other is None or not other.has_role(Role.leader) or other.username == principal.username:
            raise HTTPException(422, detail=f"{form.delegate!r} is not another leader")
        if form.ends_on < today_in_china(clock):
            raise HTTPException(422, detail=f"ends_on {form.ends_on} is in the past")
        async with db.begin() as connection:
            new_id = (await connection.execute(insert(t).values(
                leader=principal.username, delegate=form.delegate, starts_on=form.starts_on, ends_on=form.ends_on,
                reason=form.reason, created_at=clock.now()).returning(t.c.id))).scalar_one()
            row = (await connection.execute(select(t).where(t.c.id == new_id))).one()
        return view(row)

    @router.get("/delegations", dependencies=[Depends(require_roles(Role.leader, Role.office, Role.admin))],
                responses=errors(403))
    async def listed(principal: PrincipalDep) -> dict[str, Any]:
        """A leader's delegations, given and received; the office and admins see all."""
        query = select(t).order_by(t.c.id.desc())
        if not principal.has_role(Role.office, Role.admin):
            query = query.where(or_(t.c.leader == principal.username, t.c.delegate == principal.username))
        async with db.connect() as connection:
            rows = (await connection.execute(query)).all()
        return {"items": [view(r) for r in rows], "total": len(rows)}

    @router.delete("/delegations/{delegation_id}", dependencies=[leader], responses=errors(403, 404))
    async def revoke(delegation_id: RowId, principal: PrincipalDep) -> dict[str, Any]:
        """The leader who gave it ends a delegation now."""
        async with db.begin() as connection:
            await connection.execute(update(t).where(mine(delegation_id, principal), t.c.revoked_at.is_(None))
                                     .values(revoked_at=clock.now()))
            row = (await connection.execute(select(t).where(mine(delegation_id, principal)))).first()
        if row is None:
            raise HTTPException(404, detail=f"delegation {delegation_id} not found")
        return view(row)

    def mine(delegation_id: int, principal: Principal) -> Any:
        return (t.c.id == delegation_id) & (t.c.leader == principal.username)

    return router

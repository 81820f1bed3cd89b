"""Delegations over HTTP (``delegations.py``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from services.workflow.delegations import Delegations
from shared.contracts.base import Text, Username
from shared.errors import errors
from shared.identity import PrincipalDep, Role, require_roles
from shared.params import IsoDate, RowId


class DelegationForm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    delegate: Username = Field(description="the leader who decides in the meantime")
    starts_on: IsoDate
    ends_on: IsoDate = Field(description="the last day (inclusive); at most a year after starts_on")
    reason: Annotated[Text, Field(max_length=500)]


def delegations_router(delegations: Delegations) -> APIRouter:
    router = APIRouter(tags=["delegations"])
    leader = Depends(require_roles(Role.leader))

    @router.post("/delegations", status_code=201, dependencies=[leader], responses=errors(403, 422))
    async def delegate(form: DelegationForm, principal: PrincipalDep) -> dict[str, Any]:
        """The caller (a leader) lets another leader decide the caller's tasks from
        ``starts_on`` to ``ends_on``; the caller can still decide them too."""
        return await delegations.give(principal, form.delegate, form.starts_on, form.ends_on, form.reason)

    @router.get("/delegations", dependencies=[Depends(require_roles(Role.leader, Role.office, Role.admin))],
                responses=errors(403))
    async def listed(principal: PrincipalDep) -> dict[str, Any]:
        """A leader's delegations, given and received; the office and admins see all."""
        found = await delegations.listed(principal)
        return {"items": found, "total": len(found)}

    @router.delete("/delegations/{delegation_id}", dependencies=[leader], responses=errors(403, 404))
    async def revoke(delegation_id: RowId, principal: PrincipalDep) -> dict[str, Any]:
        """The leader who gave it ends a delegation now."""
        return await delegations.revoke(principal, delegation_id)

    return router

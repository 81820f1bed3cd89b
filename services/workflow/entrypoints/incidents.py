"""Incidents over HTTP: the steps the processes could not take, for designers and admins."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from services.workflow.service import WorkflowService
from shared.errors import errors
from shared.identity import PrincipalDep, Role, require_roles
from shared.params import RowId


def incidents_router(service: WorkflowService) -> APIRouter:
    router = APIRouter(tags=["incidents"])

    @router.get("/incidents", dependencies=[Depends(require_roles(Role.admin, Role.office))], responses=errors(403))
    async def listed(open_only: bool = True, limit: Annotated[int, Query(ge=1, le=500)] = 100) -> dict[str, Any]:
        """Steps that failed (a script error, an event its contract refuses): where (BPMN
        element), why, and for a timer, when it was parked. Newest first."""
        found = await service.list_incidents(open_only=open_only, limit=limit)
        return {"items": found, "total": len(found)}

    @router.post("/incidents/{incident_id}/resolve", dependencies=[Depends(require_roles(Role.admin))],
                 responses=errors(403, 404))
    async def resolve(incident_id: RowId, principal: PrincipalDep) -> dict[str, Any]:
        """Mark it resolved (e.g. after a fixed version is deployed or the instance migrated);
        a parked timer is due again at once, and fails into a new incident if still broken."""
        return await service.resolve_incident(incident_id, principal.username)

    return router

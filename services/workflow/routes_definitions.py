"""Process definitions over HTTP: list the versions, read one, deploy a new one (admin)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from services.workflow.service import RejectedDefinitions, WorkflowService
from shared.identity import PrincipalDep, Role, require_roles

BpmnFileName = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+\.bpmn$", max_length=100)]


class Deployment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    files: dict[BpmnFileName, Annotated[str, Field(min_length=1, max_length=2_000_000)]] = Field(
        min_length=1, description="BPMN files by name; each replaces the file of that name in the active "
                                  "version or adds it. The rest of the active version is kept.")


def definitions_router(service: WorkflowService) -> APIRouter:
    router = APIRouter(tags=["definitions"])
    readers = Depends(require_roles(Role.admin, Role.office, Role.leader))

    @router.get("/definitions", dependencies=[readers])
    async def list_versions() -> dict[str, Any]:
        """Every deployed version; ``active`` marks the one new items start on."""
        async with service.db.connect() as connection:
            versions = await service.definitions.versions(connection)
        return {"items": versions, "total": len(versions)}

    @router.get("/definitions/{version}", dependencies=[readers])
    async def get_version(version: int) -> dict[str, Any]:
        """The BPMN documents of one version (to draw an instance's state on its diagram)."""
        async with service.db.connect() as connection:
            documents = await service.definitions.documents(connection, version)
        if documents is None:
            raise HTTPException(404, detail=f"definition version {version} not found")
        return {"version": version, "files": documents}

    @router.post("/definitions", status_code=201, dependencies=[Depends(require_roles(Role.admin))])
    async def deploy(body: Deployment, principal: PrincipalDep) -> dict[str, Any]:
        """Check and deploy; new items start on the new version, running ones keep theirs.
        A file that fails the checks (``duban bpmn check``) is refused and nothing changes."""
        try:
            version = await service.deploy({name: xml.encode() for name, xml in body.files.items()},
                                           principal.username)
        except RejectedDefinitions as error:
            raise HTTPException(422, detail=[{"file": p.file, "element": p.element, "msg": p.message}
                                             for p in error.problems]) from None
        async with service.db.connect() as connection:
            versions = await service.definitions.versions(connection)
        return next(v for v in versions if v["version"] == version)

    return router

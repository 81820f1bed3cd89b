"""Process definitions over HTTP: list the versions, read one, deploy a new one (admin).
A version is a set of BPMN files and forms (``forms/<name>.schema.json``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.workflow.service import WorkflowService
from shared.errors import errors
from shared.identity import PrincipalDep, Role, require_roles
from shared.params import SmallId

FileName = Annotated[str, Field(pattern=r"^[\w\-][\w\-. ]*\.bpmn$|^forms/[\w\-][\w\-. ]*\.json$",
                                max_length=100,
                                description="a BPMN file (ending in .bpmn) or a form (forms/<name>.schema.json, its "
                                            "UI schema forms/<name>.uischema.json); Chinese names allowed")]


class Deployment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    files: dict[FileName, Annotated[str, Field(min_length=1)]] = Field(
        default_factory=dict, max_length=50,
        description="BPMN and form files by name; each replaces the file of that name in the active version or adds "
                    "it. The rest of the active version is kept.")
    remove: list[FileName] = Field(default_factory=list, max_length=50,
                                       description="files of the active version to leave out of the new one")

    @model_validator(mode="after")
    def _something(self) -> Deployment:
        if not self.files and not self.remove:
            raise ValueError("name files to deploy or to remove")
        if both := sorted(set(self.files) & set(self.remove)):
            raise ValueError(f"{', '.join(both)}: both deployed and removed")
        return self


def definitions_router(service: WorkflowService) -> APIRouter:
    router = APIRouter(tags=["definitions"])
    readers = Depends(require_roles(Role.admin, Role.office, Role.leader))
    admin = Depends(require_roles(Role.admin))

    @router.get("/definitions", dependencies=[readers], responses=errors(403))
    async def list_versions() -> dict[str, Any]:
        """Every deployed version; ``active`` marks the one new items start on."""
        versions = await service.versions.listed()
        return {"items": versions, "total": len(versions)}

    @router.get("/definitions/{version}", dependencies=[readers], responses=errors(403, 404))
    async def get_version(version: SmallId) -> dict[str, Any]:
        """The BPMN documents of one version (to draw an instance's state on its diagram)."""
        documents = await service.versions.documents(version)
        if documents is None:
            raise HTTPException(404, detail=f"definition version {version} not found")
        return {"version": version, "files": documents}

    @router.post("/definitions", status_code=201, dependencies=[admin], responses=errors(403, 413, 422))
    async def deploy(body: Deployment, principal: PrincipalDep) -> dict[str, Any]:
        """Check and deploy; new items start on the new version, running ones keep theirs.
        A file that fails the checks (``duban bpmn check``) is refused and nothing changes.
        Limits: each file, the whole version and its number of files (413 past them)."""
        version = await service.versions.deploy({name: xml.encode() for name, xml in body.files.items()},
                                       principal.username, remove=frozenset(body.remove))
        return await service.versions.info(version)

    @router.delete("/definitions/files/{name:path}", dependencies=[admin], responses=errors(403, 422))
    async def remove_file(name: FileName, principal: PrincipalDep) -> dict[str, Any]:
        """A new version without this file (refused if the rest does not stand on its own,
        e.g. a process still calls one it defined)."""
        version = await service.versions.deploy({}, principal.username, remove=frozenset({name}))
        return await service.versions.info(version)

    return router

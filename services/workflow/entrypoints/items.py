"""Items and tasks over HTTP: thin edges around the use cases."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.workflow.delegations import Delegations
from services.workflow.service import WorkflowService
from shared.contracts.base import Comment, OptionalText, Title, UnitId, Username, check_units
from shared.contracts.enums import Cadence, Source, Urgency
from shared.contracts.item_events import JointGroup
from shared.errors import errors
from shared.identity import Principal, PrincipalDep, Role, require_roles
from shared.params import IsoDate, SmallId

IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$",
    description="Any unique string (a UUID): a retried request with the same key and body gets the same item")]


class ItemForm(BaseModel):
    """A registration (立项); the fields are the ``item.registered`` contract's own types."""

    model_config = ConfigDict(extra="forbid")
    title: Title
    description: OptionalText = ""
    source: Source
    urgency: Urgency
    due_date: IsoDate | None = Field(None, description="特殊情况: the deadline the leader set (urgency special only)")
    lead_unit: UnitId
    co_units: list[UnitId] = Field(default_factory=list, max_length=50)
    leader: Username
    major: bool = False
    public: bool = False
    livelihood: bool = False
    cadence: Cadence = Cadence.NONE
    joint_group: JointGroup | None = Field(None, description=(
        "A joint supervision group (联合督查组): the lead unit (牵头单位) and the member units (协办单位) "
        "that supervise the item together; units of the org directory (422 otherwise)."))
    plan_start: IsoDate | None = Field(None, description=(
        "Only for a special supervision (专项督查) that a department asks to run in the city government's "
        "name: the day it would start. The plan must be registered at least one month before it (else the "
        "item is rejected with the reason) and goes to the secretary-general (approve_plan) before the "
        "leader's approval."))

    @model_validator(mode="after")
    def _consistent(self) -> ItemForm:
        check_units(self.lead_unit, self.co_units)
        if (self.urgency == Urgency.SPECIAL) != (self.due_date is not None):
            raise ValueError("due_date is required for urgency special, and only for it")
        return self


class CompleteBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    data: dict[str, Any]


class ExtensionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    new_due_date: IsoDate
    reason: Annotated[Comment, Field(min_length=1)]


class MigrateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: SmallId | None = Field(None, description="the deployed version to move to; the active one when null")
    dry_run: bool = Field(True, description="only answer what would change; store nothing")


def items_router(service: WorkflowService, delegations: Delegations) -> APIRouter:
    router = APIRouter(tags=["items"])
    office = Depends(require_roles(Role.office))
    admin = Depends(require_roles(Role.admin))  # those who deploy the definitions

    @router.post("/items", status_code=201, dependencies=[office], responses=errors(403, 409, 422, 503))
    async def register(form: ItemForm, principal: PrincipalDep, response: Response,
                       idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
        """The office registers an item (立项); it goes to the leader for approval. With an
        ``Idempotency-Key``, a retry of the same request answers the item made the first time
        (``Idempotent-Replayed: true``); the key with another body is refused (409)."""
        item_id, replayed = await service.register_item(form.model_dump(mode="json"), principal.username,
                                                        idempotency_key)
        if replayed:
            response.headers["Idempotent-Replayed"] = "true"
        return await service.item(item_id, principal)

    @router.get("/items/{item_id}", responses=errors(404))
    async def get_item(item_id: uuid.UUID, principal: PrincipalDep) -> dict[str, Any]:
        return await service.item(item_id, principal)

    @router.get("/items/{item_id}/state", responses=errors(404))
    async def get_state(item_id: uuid.UUID, principal: PrincipalDep) -> dict[str, Any]:
        """Where the item's process stands: its definition version, the BPMN element ids that
        are active and completed (to draw on the diagram), and every completed task."""
        return await service.item_state(item_id, principal)

    @router.get("/items/{item_id}/diagram", responses=errors(404))
    async def get_diagram(item_id: uuid.UUID, principal: PrincipalDep) -> dict[str, Any]:
        """The item's process diagrams to draw its state on: ``diagrams``, the process first,
        then the processes it calls, each with ``bpmn``, the file of the item's definition
        version that defines it, with scripts, conditions, timer expressions and extensions
        left out; for anyone who may see the item."""
        return await service.item_diagram(item_id, principal)

    @router.post("/items/{item_id}/migrate", dependencies=[admin], responses=errors(403, 404, 409, 422))
    async def migrate(item_id: uuid.UUID, body: MigrateBody, principal: PrincipalDep) -> dict[str, Any]:
        """Move the item's running processes to a newer (or another deployed) version, all or
        none. A dry run (the default) lists what changes: elements added, removed and changed,
        where each instance is and whether that survives. Refused (422, with the reasons) when
        an element an instance is at or has passed is removed or changes type."""
        return await service.migrate_item(item_id, body.version, dry_run=body.dry_run, actor=principal.username)

    @router.post("/items/{item_id}/extension-request", status_code=202, responses=errors(403, 404, 409, 422))
    async def extension(item_id: uuid.UUID, body: ExtensionBody, principal: PrincipalDep) -> dict[str, Any]:
        """The lead unit asks for more time (延期申请) before the deadline; one request per
        deadline (409 for a second one, or when no report is due)."""
        await service.request_extension(item_id, body.new_due_date, body.reason, principal)
        return await service.item(item_id, principal)

    @router.get("/tasks")
    async def my_tasks(principal: PrincipalDep) -> dict[str, Any]:
        """The caller's ready tasks (a leader also sees those of a leader they act for)."""
        found = await service.tasks_of(principal, await acting(principal))
        return {"items": found, "total": len(found)}

    @router.get("/tasks/{task_id}", responses=errors(404))
    async def get_task(task_id: uuid.UUID, principal: PrincipalDep) -> dict[str, Any]:
        return await service.task(task_id, principal, await acting(principal))

    @router.post("/tasks/{task_id}/complete", responses=errors(403, 404, 409, 422))
    async def complete(task_id: uuid.UUID, body: CompleteBody, principal: PrincipalDep) -> dict[str, Any]:
        await service.complete_task(task_id, body.data, principal, await acting(principal))
        return {"id": task_id, "status": "completed"}

    async def acting(principal: Principal) -> set[str]:
        return await delegations.acting_for(principal)

    return router

"""Items and tasks over HTTP: thin edges around the use cases."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.workflow import queries
from services.workflow.engine.runner import NotWaiting, TaskNotReady
from services.workflow.forms import InvalidForm, validate_form
from services.workflow.service import NoDefinitions, NotFound, WorkflowService
from services.workflow.store import ConcurrentUpdate
from shared.contracts.enums import Cadence, Source, Urgency
from shared.identity import OrgDirectory, PrincipalDep, Role, require_roles


class ItemForm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str, Field(max_length=20000)] = ""
    source: Source
    urgency: Urgency
    due_date: dt.date | None = None
    lead_unit: str
    co_units: list[str] = []
    leader: str
    major: bool = False
    public: bool = False
    livelihood: bool = False
    cadence: Cadence = Cadence.NONE
    plan_start: dt.date | None = Field(None, description=(
        "Only for a special supervision (专项督查) that a department asks to run in the city government's "
        "name: the day it would start. The plan must be registered at least one month before it (else the "
        "item is rejected with the reason) and goes to the secretary-general (approve_plan) before the "
        "leader's approval."))

    @model_validator(mode="after")
    def _special_has_its_date(self) -> "ItemForm":
        if (self.urgency == Urgency.SPECIAL) != (self.due_date is not None):
            raise ValueError("due_date is required for urgency special, and only for it")
        return self


class CompleteBody(BaseModel):
    data: dict[str, Any]


class ExtensionBody(BaseModel):
    new_due_date: dt.date
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


def items_router(service: WorkflowService, directory: OrgDirectory) -> APIRouter:
    router = APIRouter(tags=["items"])
    office = Depends(require_roles(Role.office))

    @router.post("/items", status_code=201, dependencies=[office])
    async def register(form: ItemForm, principal: PrincipalDep) -> dict[str, Any]:
        """The office registers an item (立项); it goes to the leader for approval."""
        for unit in [form.lead_unit, *form.co_units]:
            if directory.unit(unit) is None:
                raise HTTPException(422, detail=f"unknown unit {unit!r}")
        if form.lead_unit in form.co_units:
            raise HTTPException(422, detail="co_units must not include the lead unit")
        leader = directory.user(form.leader)
        if leader is None or not leader.has_role(Role.leader):
            raise HTTPException(422, detail=f"leader {form.leader!r} is not a leader")
        try:
            item_id = await service.register_item(form.model_dump(mode="json"), principal.username)
        except NoDefinitions as error:
            raise HTTPException(503, detail=str(error)) from None
        return await queries.item(service.db, item_id)

    @router.get("/items/{item_id}")
    async def get_item(item_id: uuid.UUID, principal: PrincipalDep) -> dict[str, Any]:
        return await visible_item(item_id, principal)

    @router.get("/items/{item_id}/state")
    async def get_state(item_id: uuid.UUID, principal: PrincipalDep) -> dict[str, Any]:
        """Where the item's process stands: its definition version, the BPMN element ids that
        are active and completed (to draw on the diagram), and every completed task."""
        await visible_item(item_id, principal)
        return await service.item_state(item_id)

    @router.post("/items/{item_id}/extension-request", status_code=202)
    async def extension(item_id: uuid.UUID, body: ExtensionBody, principal: PrincipalDep) -> dict[str, Any]:
        """The lead unit asks for more time (延期申请) before the deadline."""
        found = await visible_item(item_id, principal)
        if principal.unit != found["lead_unit"] or not principal.has_role(Role.liaison):
            raise HTTPException(403, detail="only the lead unit's liaison can ask for an extension")
        payload = {"requested_due_date": body.new_due_date.isoformat(), "reason": body.reason,
                   "unit": found["lead_unit"]}
        try:
            await service.send_message(item_id, "extension_requested", payload, principal.username)
        except NotWaiting:
            raise HTTPException(409, detail="no extension can be asked now: one request per deadline, and only "
                                            "while a report is due") from None
        except ConcurrentUpdate as error:
            raise HTTPException(409, detail=str(error)) from None
        return await queries.item(service.db, item_id)

    @router.get("/tasks")
    async def my_tasks(principal: PrincipalDep) -> dict[str, Any]:
        found = await queries.tasks_for(service.db, principal)
        return {"items": found, "total": len(found)}

    @router.get("/tasks/{task_id}")
    async def get_task(task_id: uuid.UUID, principal: PrincipalDep) -> dict[str, Any]:
        task = await queries.task(service.db, task_id)
        if task is None or not (queries.is_assignee(principal, task) or principal.sees_all):
            raise HTTPException(404, detail=f"task {task_id} not found")
        return queries.task_view(task)

    @router.post("/tasks/{task_id}/complete")
    async def complete(task_id: uuid.UUID, body: CompleteBody, principal: PrincipalDep) -> dict[str, Any]:
        task = await queries.task(service.db, task_id)
        if task is None:
            if await service.task_was_completed(task_id):
                raise HTTPException(409, detail=f"task {task_id} is no longer open")
            raise HTTPException(404, detail=f"task {task_id} not found")
        if not queries.is_assignee(principal, task):
            if task["item_id"] and not principal.sees_all and principal.unit is not None:
                item = await queries.item(service.db, task["item_id"])
                if item is None or not queries.can_see_item(principal, item):
                    raise HTTPException(404, detail=f"task {task_id} not found")
            raise HTTPException(403, detail="only the task's assignee can complete it")
        try:
            data = validate_form(task["kind"], body.data)
            await service.complete_task(task_id, data, task["kind"], principal.username)
        except InvalidForm as error:
            raise HTTPException(422, detail=[{"loc": ["data", *e["loc"]], "msg": e["msg"]}
                                             for e in error.errors]) from None
        except (TaskNotReady, ConcurrentUpdate) as error:
            raise HTTPException(409, detail=str(error)) from None
        except NotFound as error:
            raise HTTPException(404, detail=str(error)) from None
        return {"id": task_id, "status": "completed"}

    async def visible_item(item_id: uuid.UUID, principal: Any) -> dict[str, Any]:
        found = await queries.item(service.db, item_id)
        if found is None or not queries.can_see_item(principal, found):
            raise HTTPException(404, detail=f"item {item_id} not found")
        return found

    return router

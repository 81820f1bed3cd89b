"""Bulletins (督查通报) and briefs (督查工作简报) over HTTP, and the office's findings."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from services.reporting.bulletin_service import BulletinService
from services.reporting.domain.bulletin import BulletinKind, BulletinStatus
from shared.errors import errors
from shared.identity import PrincipalDep, Role, require_roles
from shared.identity.principal import Principal
from shared.params import IsoDate

Office = Annotated[Principal, Depends(require_roles(Role.office))]
UnitId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[^\s\x00-\x1f\x7f-\x9f\ufeff]+$")]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000,
                                          pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+$")]
FindingKind = Literal["落实不力", "推诿扯皮", "敷衍应付", "弄虚作假", "其他"]


class NewBulletin(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: BulletinKind
    period_from: IsoDate
    period_to: IsoDate

    @model_validator(mode="after")
    def _order(self) -> NewBulletin:
        if self.period_from > self.period_to:
            raise ValueError(f"period_from {self.period_from} is after period_to {self.period_to}")
        return self


class NewFinding(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unit: UnitId
    item_id: uuid.UUID | None = None
    kind: FindingKind = Field(description="落实不力、推诿扯皮、敷衍应付…")
    reason: Reason


class Adjustment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    list: Literal["praised", "criticised"]
    action: Literal["add", "remove"]
    unit: UnitId
    reason: Reason


def bulletins_router(service: BulletinService) -> APIRouter:
    router = APIRouter(tags=["bulletins"])
    described = {404: "通报不存在或无权查看 (no such bulletin for the caller)", 409: "通报已发布 (not a draft)"}

    @router.post("/bulletins", status_code=201, responses=errors(403, described={
        422: "参数不合法 (the kind or a date is invalid, from is after to, or the period is too long)"}))
    async def create(body: NewBulletin, principal: Office) -> dict[str, Any]:
        """Draft a bulletin or brief for a period, numbered in the year (鞍政督通〔2026〕3号)."""
        return await service.create(body.kind, body.period_from, body.period_to, principal)

    @router.get("/bulletins", responses=errors(422))
    async def listing(principal: PrincipalDep, kind: BulletinKind | None = None,
                      status: BulletinStatus | None = None,
                      year: Annotated[int | None, Query(ge=1900, le=9998)] = None) -> dict[str, Any]:
        """The bulletins, newest first; units see the published ones only."""
        found = await service.listing(principal, kind=kind.value if kind else None,
                                      status=status.value if status else None, year=year)
        return {"bulletins": found}

    @router.get("/bulletins/{bulletin_id}", responses=errors(described={**described, 422: "编号不是 UUID"}))
    async def one(bulletin_id: uuid.UUID, principal: PrincipalDep) -> dict[str, Any]:
        """One bulletin with its figures (a draft's worked out now, a published one's as published)."""
        return await service.get(bulletin_id, principal)

    @router.post("/bulletins/{bulletin_id}/adjustments", responses=errors(403, 422, described=described))
    async def adjust(bulletin_id: uuid.UUID, body: Adjustment, principal: Office) -> dict[str, Any]:
        """Add a unit to, or take it off, a draft's praised or criticised list, with a reason."""
        return await service.adjust(bulletin_id, listed=body.list, action=body.action, unit=body.unit,
                                    reason=body.reason, principal=principal)

    @router.post("/bulletins/{bulletin_id}/submit", responses=errors(403, 422, described=described))
    async def submit(bulletin_id: uuid.UUID, principal: Office) -> dict[str, Any]:
        """Send a draft to its approval (通报审批: the office's 按语 and the leader's decision, tasks in
        the workflow service's ``GET /tasks``). Approved, it is published: its figures frozen, units
        told, each criticised unit's head asked for causes and measures. Returned, it is a draft again."""
        return await service.submit(bulletin_id, principal)

    @router.post("/findings", status_code=201, responses=errors(403, 422))
    async def finding(body: NewFinding, principal: Office) -> dict[str, Any]:
        """A finding of the office (落实不力、推诿扯皮、敷衍应付…): the unit is criticised in the
        bulletins whose period holds the day it was recorded, with this reason."""
        found = await service.record_finding(unit=body.unit, item_id=body.item_id, kind=body.kind,
                                             reason=body.reason, principal=principal)
        return {**found, "id": str(found["id"]), "item_id": str(found["item_id"]) if found["item_id"] else None,
                "recorded_on": found["recorded_on"].isoformat(), "recorded_at": found["recorded_at"].isoformat()}

    return router


class PublicBulletin(BaseModel):
    """A published bulletin as anyone may see it (its figures are in its document)."""

    model_config = ConfigDict(extra="forbid")
    id: uuid.UUID
    kind: BulletinKind
    number: str
    title: str
    period_from: str
    period_to: str
    published_at: str


def public_bulletins_router(service: BulletinService) -> APIRouter:
    """Published bulletins for anyone, without a token (督查通报 are public documents)."""
    router = APIRouter(tags=["public"])

    @router.get("/public/bulletins", response_model=dict[str, list[PublicBulletin]],
                responses=errors(described={422: "参数不合法 (the year is invalid)"}))
    async def published(year: Annotated[int | None, Query(ge=1900, le=9998)] = None) -> dict[str, Any]:
        """The published bulletins and briefs, newest first."""
        found = await service.published(year=year)
        return {"bulletins": found}

    return router

"""Monthly supervision plans (月度督查工作计划) and their on-site visits (现场督查) over HTTP.

The office makes a month's plan (``POST /plans``; a second one for the month is 409, ``PUT
/plans/{month}`` replaces it) and records visits (``POST /plans/{month}/visits``: 404 without a
plan for the month). The office and the leaders read a month against the 15-day minimum; units
do not (403): a plan is the office's internal schedule.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator

from services.reporting.domain.plans import Month
from services.reporting.plan_service import PlanService
from shared.contracts.text import NO_CONTROLS, VISIBLE, multi_line, one_line
from shared.errors import errors
from shared.identity import Role, require_roles
from shared.identity.principal import Principal
from shared.params import IsoDate

Office = Annotated[Principal, Depends(require_roles(Role.office))]
Reader = Annotated[Principal, Depends(require_roles(Role.office, Role.leader))]


def _clean(clean: Any) -> BeforeValidator:
    return BeforeValidator(lambda value: clean(value) if isinstance(value, str) else value)


def _distinct(values: list[Any]) -> list[Any]:
    if len(set(values)) != len(values):
        raise ValueError("列表中有重复项 (a value is listed twice)")
    return values


Line = Annotated[str, StringConstraints(min_length=1, max_length=500, pattern=VISIBLE), _clean(one_line)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=VISIBLE), _clean(one_line)]
Person = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=NO_CONTROLS), _clean(one_line)]
UnitId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[^\s\x00-\x1f\x7f-\x9f\ufeff]+$")]
Findings = Annotated[str, StringConstraints(min_length=1, max_length=20_000, pattern=VISIBLE), _clean(multi_line)]
People = Annotated[list[Person], Field(min_length=1, max_length=30), AfterValidator(_distinct)]
MONTH_PATTERN = r"^20[0-9]{2}-(0[1-9]|1[0-2])$"  # the years 2000..2099 (domain/plans.py)
MonthText = Annotated[str, Field(pattern=MONTH_PATTERN, examples=["2026-12"])]
MonthPath = Annotated[str, Path(pattern=MONTH_PATTERN, examples=["2026-12"], description="YYYY-MM")]


class JointGroup(BaseModel):
    """联合督查组: a lead unit (牵头单位) and cooperating units (协办单位) of the org directory."""

    model_config = ConfigDict(extra="forbid")
    lead: UnitId
    members: Annotated[list[UnitId], Field(min_length=1, max_length=30), AfterValidator(_distinct)]

    @model_validator(mode="after")
    def _lead_apart(self) -> JointGroup:
        if self.lead in self.members:
            raise ValueError(f"牵头单位 {self.lead} 不能同时列为协办单位")
        return self


class Team(BaseModel):
    """A supervision team (督查组): its name, its people (usernames or names), maybe a joint group."""

    model_config = ConfigDict(extra="forbid")
    name: Name
    members: People
    joint_group: JointGroup | None = None


def _distinct_teams(teams: list[Team]) -> list[Team]:
    _distinct([t.name for t in teams])
    return teams


class PlanBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    focus: Annotated[list[Line], Field(min_length=1, max_length=30), AfterValidator(_distinct)]
    planned_on_site_days: int = Field(strict=True, ge=1, le=31)
    teams: Annotated[list[Team], Field(min_length=1, max_length=20), AfterValidator(_distinct_teams)]


class NewPlan(PlanBody):
    month: MonthText


class NewVisit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: IsoDate
    place: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=VISIBLE), _clean(one_line)]
    items: Annotated[list[uuid.UUID], Field(max_length=50), AfterValidator(_distinct)] = []
    team: People
    joint_group: JointGroup | None = None
    findings: Findings


def _fields(body: PlanBody) -> dict[str, Any]:
    return {"focus": body.focus, "planned_on_site_days": body.planned_on_site_days,
            "teams": [t.model_dump() for t in body.teams]}


def plans_router(service: PlanService) -> APIRouter:
    router = APIRouter(tags=["plans"])
    bad = {422: "参数不合法 (a bad month or field, the month is over, fewer than the minimum days planned, "
                "an unknown unit)"}
    missing = {404: "该月尚无督查计划 (no plan for the month)"}

    def month_of(text: str) -> Month:
        return Month.parse(text)

    @router.post("/plans", status_code=201, responses=errors(403, described={
        **bad, 409: "该月已有督查计划 (the month has a plan; PUT /plans/{month} replaces it)"}))
    async def create(body: NewPlan, principal: Office) -> dict[str, Any]:
        """A month's supervision plan (月度督查工作计划): focus, planned on-site days, teams."""
        fields = _fields(body)
        return await service.create(month_of(body.month), focus=fields["focus"], teams=fields["teams"],
                                    planned_days=fields["planned_on_site_days"], principal=principal)

    @router.put("/plans/{month}", responses=errors(403, described={**bad, **missing}))
    async def replace(month: MonthPath, body: PlanBody, principal: Office) -> dict[str, Any]:
        """Rewrite a month's plan before the month is over (its visits stay)."""
        fields = _fields(body)
        return await service.replace(month_of(month), focus=fields["focus"], teams=fields["teams"],
                                     planned_days=fields["planned_on_site_days"], principal=principal)

    @router.get("/plans/{month}", responses=errors(403, described={**missing, 422: "月份不合法 (YYYY-MM)"}))
    async def one(month: MonthPath, principal: Reader) -> dict[str, Any]:
        """The month's plan, its visits, its on-site days (distinct visit dates) against the minimum,
        and a ``warning`` when the month can no longer reach it or did not."""
        return await service.get(month_of(month))

    @router.post("/plans/{month}/visits", status_code=201, responses=errors(403, described={
        **missing, 422: "参数不合法 (a date outside the month or in the future, an unknown item or unit)"}))
    async def visit(month: MonthPath, body: NewVisit, principal: Office) -> dict[str, Any]:
        """An on-site visit (现场督查) of the month: date, place, items, team, joint group, findings."""
        return await service.add_visit(month_of(month), day=body.date, place=body.place, items=body.items,
                                       team=body.team, findings=body.findings, principal=principal,
                                       joint_group=body.joint_group.model_dump() if body.joint_group else None)

    return router

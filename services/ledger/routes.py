"""The ledger over HTTP: the list, one item with its timeline, the Excel export, statistics."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.ledger import export, stats
from services.ledger.light import Light
from services.ledger.queries import SORT_KEYS, ItemFilter
from services.ledger.service import ItemNotFound, LedgerService
from shared.contracts.enums import ItemStatus, Source
from shared.identity import PrincipalDep

Sort = Literal[tuple(k for key in SORT_KEYS for k in (key, f"-{key}"))]  # type: ignore[valid-type]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ItemQuery(BaseModel):
    """Filters of the list and of the export."""

    model_config = ConfigDict(extra="forbid")
    unit: str | None = Field(None, max_length=64, description="牵头或协办单位")
    status: list[ItemStatus] = Field(default_factory=list)
    light: Light | None = None
    source: Source | None = None
    leader: str | None = Field(None, max_length=64)
    overdue: bool | None = None
    assigned_from: dt.date | None = None
    assigned_to: dt.date | None = None
    due_from: dt.date | None = None
    due_to: dt.date | None = None
    q: str | None = Field(None, min_length=1, max_length=100, description="事项名称或编号中的文字")
    sort: Sort = "-light"  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _ranges(self) -> ItemQuery:
        for low, high in (("assigned_from", "assigned_to"), ("due_from", "due_to")):
            a, b = getattr(self, low), getattr(self, high)
            if a and b and a > b:
                raise ValueError(f"{low} {a} is after {high} {b}")
        return self

    def to_filter(self) -> ItemFilter:
        return ItemFilter(unit=self.unit, statuses=tuple(s.value for s in self.status), light=self.light,
                          source=self.source.value if self.source else None, leader=self.leader,
                          overdue=self.overdue, assigned_from=self.assigned_from, assigned_to=self.assigned_to,
                          due_from=self.due_from, due_to=self.due_to, text=self.q)


class PageQuery(ItemQuery):
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=500)


def ledger_router(service: LedgerService) -> APIRouter:
    router = APIRouter(tags=["ledger"])

    @router.get("/items")
    async def list_items(query: Annotated[PageQuery, Query()], principal: PrincipalDep) -> dict[str, Any]:
        """The ledger (台帐): the items the caller may see, filtered, sorted and paged."""
        offset = (query.page - 1) * query.page_size
        found, total = await service.items(query.to_filter(), principal, sort=query.sort, offset=offset,
                                           limit=query.page_size)
        return {"items": found, "total": total, "page": query.page, "page_size": query.page_size}

    @router.get("/items/export.xlsx", response_class=Response,
                responses={200: {"content": {XLSX: {}}, "description": "督办事项台帐 (Excel)"}})
    async def export_items(query: Annotated[ItemQuery, Query()], principal: PrincipalDep) -> Response:
        """The ledger as an Excel workbook, with the list's filters and order."""
        found, _ = await service.items(query.to_filter(), principal, sort=query.sort)
        filename = f"ledger-{service.today().isoformat()}.xlsx"
        return Response(export.workbook(found), media_type=XLSX,
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})

    @router.get("/items/{item_id}")
    async def get_item(item_id: uuid.UUID, principal: PrincipalDep) -> dict[str, Any]:
        """One item of the ledger with its timeline (时间, 类型, 操作人, 内容)."""
        try:
            return await service.item(item_id, principal)
        except ItemNotFound as error:
            raise HTTPException(404, detail=str(error)) from None

    @router.get("/stats")
    async def unit_stats(principal: PrincipalDep,
                         start: Annotated[dt.date | None, Query(alias="from")] = None,
                         end: Annotated[dt.date | None, Query(alias="to")] = None) -> dict[str, Any]:
        """Per unit (as lead unit): assigned, closed, on time, overdue, returned, reopened and the
        on-time rate for a period (default: this year up to today)."""
        today = service.today()
        period = stats.Period(start or dt.date(today.year, 1, 1), end or today)
        if period.start > period.end:
            raise HTTPException(422, detail=f"from {period.start} is after to {period.end}")
        if (period.end - period.start).days > 3660:
            raise HTTPException(422, detail="the period is longer than ten years")
        return await service.stats(period, principal)

    return router

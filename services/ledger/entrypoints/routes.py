"""The ledger over HTTP: the list, one item with its timeline, the Excel export, statistics."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from services.ledger.adapters import export
from services.ledger.adapters.queries import SORT_KEYS, ItemFilter
from services.ledger.domain import stats
from services.ledger.domain.light import Light
from services.ledger.service import ItemNotFound, LedgerService
from shared.contracts.enums import ItemStatus, Source
from shared.errors import errors
from shared.identity import PrincipalDep
from shared.params import IsoDate, Page

Sort = Literal[tuple(k for key in SORT_KEYS for k in (key, f"-{key}"))]  # type: ignore[valid-type]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# a unit id or a username (no space, no control character), and searched text (no control character:
# PostgreSQL refuses NUL in a parameter)
Name = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[^\s\x00-\x1f\x7f]+$")]
SearchText = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")]


class ItemQuery(BaseModel):
    """Filters of the list and of the export."""

    model_config = ConfigDict(extra="forbid")
    unit: Name | None = Field(None, description="牵头或协办单位")
    status: list[ItemStatus] = Field(default_factory=list, max_length=len(ItemStatus))
    light: Light | None = None
    source: Source | None = None
    leader: Name | None = None
    overdue: bool | None = None
    assigned_from: IsoDate | None = None
    assigned_to: IsoDate | None = None
    due_from: IsoDate | None = None
    due_to: IsoDate | None = None
    q: SearchText | None = Field(None, description="事项名称或编号中的文字")
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
    page: Page = 1
    page_size: int = Field(50, ge=1, le=500)


def ledger_router(service: LedgerService) -> APIRouter:
    router = APIRouter(tags=["ledger"])

    @router.get("/items", responses=errors(described={422: "参数不合法 (a filter, the sort or the page is invalid)"}))
    async def list_items(query: Annotated[PageQuery, Query()], principal: PrincipalDep) -> dict[str, Any]:
        """The ledger (台帐): the items the caller may see, filtered, sorted and paged."""
        offset = (query.page - 1) * query.page_size
        found, total = await service.items(query.to_filter(), principal, sort=query.sort, offset=offset,
                                           limit=query.page_size)
        return {"items": found, "total": total, "page": query.page, "page_size": query.page_size}

    @router.get("/items/export.xlsx", response_class=Response,
                responses={200: {"content": {XLSX: {}}, "description": "督办事项台帐 (Excel)"},
                           **errors(described={422: "参数不合法 (a filter or the sort is invalid)"})})
    async def export_items(query: Annotated[ItemQuery, Query()], principal: PrincipalDep) -> Response:
        """The ledger as an Excel workbook, with the list's filters and order."""
        found, _ = await service.items(query.to_filter(), principal, sort=query.sort)
        filename = f"ledger-{service.today().isoformat()}.xlsx"
        return Response(export.workbook(found), media_type=XLSX,
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})

    @router.get("/items/{item_id}", responses=errors(described={404: "事项不存在或无权查看 (no such item for the caller)",
                                                      422: "事项编号不是 UUID (the id is not a UUID)"}))
    async def get_item(item_id: uuid.UUID, principal: PrincipalDep) -> dict[str, Any]:
        """One item of the ledger with its timeline (时间, 类型, 操作人, 内容)."""
        try:
            return await service.item(item_id, principal)
        except ItemNotFound as error:
            raise HTTPException(404, detail=str(error)) from None

    @router.get("/stats", responses=errors(described={422: "统计区间不合法 (a date is invalid, from is after to, outside "
                                                 "1900-01-01..9998-12-31 or longer than ten years)"}))
    async def unit_stats(principal: PrincipalDep,
                         start: Annotated[IsoDate | None, Query(alias="from")] = None,
                         end: Annotated[IsoDate | None, Query(alias="to")] = None) -> dict[str, Any]:
        """Per unit (as lead unit): assigned, closed, on time, overdue, returned, reopened and the
        on-time rate for a period (default: this year up to today)."""
        try:
            period = stats.Period.of(start, end, today=service.today())
        except stats.BadPeriod as error:
            raise HTTPException(422, detail=str(error)) from None
        return await service.stats(period, principal)

    return router

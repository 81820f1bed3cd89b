"""The public board over HTTP: read by anyone without a token (公开挂牌督办, 群众评价), kept by
the office (the approved progress text, the feedback: list, hide, answer).

The public answers are pydantic models whose fields are an allow-list: ``PUBLIC_ITEM_FIELDS``
and ``PUBLIC_FEEDBACK_FIELDS`` (a test holds the models and the JSON to them).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from services.reporting.public_service import PublicBoard
from shared.contracts.enums import ItemStatus
from shared.contracts.text import VISIBLE, multi_line, one_line
from shared.errors import errors
from shared.identity import PrincipalDep, Role, require_roles
from shared.params import Page


def _clean(clean: Any) -> BeforeValidator:
    return BeforeValidator(lambda value: clean(value) if isinstance(value, str) else value)


FeedbackText = Annotated[str, StringConstraints(min_length=1, max_length=500, pattern=VISIBLE), _clean(multi_line)]
Contact = Annotated[str, StringConstraints(max_length=100), _clean(one_line)]
OfficeText = Annotated[str, StringConstraints(min_length=1, max_length=2_000, pattern=VISIBLE), _clean(multi_line)]


def _a_number(value: Any) -> Any:
    """JSON's integers only: 4 and 4.0 (a JSON Schema integer), never "4", true or 4.5."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("rating must be an integer from 1 to 5")
    return value


Rating = Annotated[int, Field(ge=1, le=5), BeforeValidator(_a_number)]
UnitName = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[^\s\x00-\x1f\x7f]+$")]

NOT_LISTED = "没有这个公开督办事项 (no item on the public board has this id)"
OFFICE_ONLY = "仅督查室可操作 (office only)"
TOO_MANY = "提交过于频繁 (too much feedback from this address; see Retry-After)"


class PublicFeedback(BaseModel):
    id: uuid.UUID
    rating: int
    text: str
    created_at: dt.datetime
    answer: str | None = Field(description="督查室的回复")
    answered_at: dt.datetime | None


class PublicItem(BaseModel):
    id: uuid.UUID
    code: str
    title: str
    unit: str | None = Field(description="牵头单位")
    unit_name: str
    due_date: dt.date | None
    status: ItemStatus
    status_label: str
    light: str | None = Field(description="green | yellow | red (红黄绿灯); none once closed")
    light_label: str
    progress: str = Field(description="督查室审定的公开进展")
    progress_at: dt.datetime | None
    updated_at: dt.datetime | None
    average_rating: float | None = Field(description="群众评价平均分 (1-5; hidden feedback not counted)")
    feedback_count: int


class PublicItemDetail(PublicItem):
    feedback: list[PublicFeedback] = Field(description="最新的群众反馈 (hidden ones never shown)")


class PublicPage(BaseModel):
    items: list[PublicItem]
    total: int
    page: int
    page_size: int


PUBLIC_ITEM_FIELDS = frozenset({
    "id", "code", "title", "unit", "unit_name", "due_date", "status", "status_label", "light", "light_label",
    "progress", "progress_at", "updated_at", "average_rating", "feedback_count", "feedback"})
PUBLIC_FEEDBACK_FIELDS = frozenset({"id", "rating", "text", "created_at", "answer", "answered_at"})


class BoardQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unit: UnitName | None = Field(None, description="牵头单位")
    status: list[ItemStatus] = Field(default_factory=list, max_length=len(ItemStatus))
    page: Page = 1
    page_size: int = Field(20, ge=1, le=100)


class FeedbackIn(BaseModel):
    """群众评价: a rating of 1-5, a few words and, if one wishes, a way to be reached."""

    model_config = ConfigDict(extra="forbid")
    rating: Rating
    text: FeedbackText
    contact: Contact | None = Field(None, description="联系方式 (only the office sees it)")


class TextIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: OfficeText


class HideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: OfficeText


class FeedbackQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item_id: uuid.UUID | None = None
    hidden: bool | None = None
    answered: bool | None = None
    page: Page = 1
    page_size: int = Field(50, ge=1, le=500)


def client_of(request: Request) -> str:
    """The client's address as uvicorn reports it (``shared/serve.py`` turns on proxy headers:
    behind a proxy in ``FORWARDED_ALLOW_IPS`` it is the forwarded client's)."""
    return (request.client.host if request.client else "") or "unknown"


def public_router(board: PublicBoard) -> APIRouter:
    """The routes anyone may call, without a token."""
    router = APIRouter(tags=["public"])

    @router.get("/public/items", response_model=PublicPage,
                responses=errors(described={422: "参数不合法 (a filter or the page is invalid)"}))
    async def board_items(query: Annotated[BoardQuery, Query()]) -> dict[str, Any]:
        """公开挂牌督办: the items the office lists publicly, newest first."""
        found, total = await board.items(unit=query.unit, statuses=[s.value for s in query.status],
                                         offset=(query.page - 1) * query.page_size, limit=query.page_size)
        return {"items": found, "total": total, "page": query.page, "page_size": query.page_size}

    @router.get("/public/items/{item_id}", response_model=PublicItemDetail,
                responses=errors(described={404: NOT_LISTED, 422: "编号不合法 (the id is not a UUID)"}))
    async def board_item(item_id: uuid.UUID) -> dict[str, Any]:
        """One item on the board, with its visible feedback and the office's answers."""
        return await board.item(item_id)

    @router.post("/public/items/{item_id}/feedback", status_code=201, response_model=PublicFeedback,
                 responses=errors(described={404: NOT_LISTED, 422: "反馈不合法 (rating 1-5, text up to 500 characters)",
                                             429: TOO_MANY}))
    async def give_feedback(item_id: uuid.UUID, body: FeedbackIn, request: Request) -> dict[str, Any]:
        """群众评价: rate an item on the board and say why; a flood from one address gets 429."""
        return await board.give_feedback(item_id, rating=body.rating, text=body.text, contact=body.contact or None,
                                         client=client_of(request))

    return router


def office_router(board: PublicBoard) -> APIRouter:
    """The office's side of the board (needs a token and the office role)."""
    router = APIRouter(tags=["public"], dependencies=[Depends(require_roles(Role.office))])

    @router.put("/public/items/{item_id}/progress",
                responses=errors(described={403: OFFICE_ONLY, 404: "事项不存在或未公开 (no such item flagged public)",
                                            422: "文字不合法 (1-2000 characters)"}))
    async def approve_text(item_id: uuid.UUID, body: TextIn, principal: PrincipalDep) -> dict[str, Any]:
        """审定公开进展: the only progress text the public sees for the item."""
        return await board.approve_text(item_id, body.text, principal.username)

    @router.get("/feedback", responses=errors(described={403: OFFICE_ONLY, 422: "参数不合法 (a filter is invalid)"}))
    async def list_feedback(query: Annotated[FeedbackQuery, Query()]) -> dict[str, Any]:
        """群众反馈, newest first, with the contact (hidden ones too, with the reason)."""
        found, total = await board.feedback(item_id=query.item_id, hidden=query.hidden, answered=query.answered,
                                            offset=(query.page - 1) * query.page_size, limit=query.page_size)
        return {"items": found, "total": total, "page": query.page, "page_size": query.page_size}

    changed = errors(described={403: OFFICE_ONLY, 404: "没有这条反馈 (no such feedback)",
                                409: "反馈已隐藏 (hidden feedback is neither hidden again nor answered)",
                                422: "文字不合法 (1-2000 characters)"})

    @router.post("/feedback/{feedback_id}/hide", responses=changed)
    async def hide(feedback_id: uuid.UUID, body: HideIn, principal: PrincipalDep) -> dict[str, Any]:
        """屏蔽: the feedback is no longer shown nor counted; the reason is kept."""
        return await board.hide(feedback_id, body.reason, principal.username)

    @router.post("/feedback/{feedback_id}/answer", responses=changed)
    async def answer(feedback_id: uuid.UUID, body: TextIn, principal: PrincipalDep) -> dict[str, Any]:
        """回复: the answer is shown publicly with the item."""
        return await board.answer(feedback_id, body.text, principal.username)

    return router

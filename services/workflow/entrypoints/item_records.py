"""The office's records on an item over HTTP: third-party evaluations and research notes."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from services.workflow.item_records import ItemRecords
from shared.contracts.base import Text, Title
from shared.contracts.enums import EvaluationRating
from shared.errors import errors
from shared.identity import PrincipalDep, Role, require_roles
from shared.params import IsoDate


class EvaluationBody(BaseModel):
    """A third-party evaluation (第三方评估); the fields are the ``item.evaluated`` contract's types."""

    model_config = ConfigDict(extra="forbid")
    evaluator: Title = Field(description="the expert, institute or firm that evaluated (评估机构)")
    date: IsoDate = Field(description="the day of the evaluation; today at the latest")
    conclusion: Text = Field(description="the evaluation's conclusion (评估结论)")
    rating: EvaluationRating | None = Field(None, description="excellent 优秀, good 良好, pass 合格, fail 不合格")
    attachment: uuid.UUID | None = Field(None, description="the report's file: an id from POST /attachments")


class ResearchNoteBody(BaseModel):
    """A research note (调研); the fields are the ``item.researched`` contract's types."""

    model_config = ConfigDict(extra="forbid")
    date: IsoDate = Field(description="the day of the research; today at the latest")
    author: Title | None = Field(None, description="who researched (调研人)")
    place: Title | None = Field(None, description="where (调研地点)")
    text: Text = Field(description="the findings and proposals (调研情况和建议)")


def item_records_router(records: ItemRecords) -> APIRouter:
    router = APIRouter(tags=["items"])
    office = Depends(require_roles(Role.office))

    @router.post("/items/{item_id}/evaluations", status_code=201, dependencies=[office],
                 responses=errors(403, 404, 422))
    async def evaluate(item_id: uuid.UUID, body: EvaluationBody, principal: PrincipalDep) -> dict[str, Any]:
        """The office records a third-party evaluation (第三方评估) of the item, as a reference:
        ``item.evaluated``, shown in the ledger's timeline. ``attachment``: a file the caller
        uploaded, bound to the item from now on (422 for another's or one another item holds)."""
        return await records.evaluate(item_id, evaluator=body.evaluator, on=body.date, conclusion=body.conclusion,
                                      rating=body.rating, attachment=body.attachment, principal=principal)

    @router.post("/items/{item_id}/research-notes", status_code=201, dependencies=[office],
                 responses=errors(403, 404, 422))
    async def research(item_id: uuid.UUID, body: ResearchNoteBody, principal: PrincipalDep) -> dict[str, Any]:
        """The office records a research note (调研: findings and proposals) on the item:
        ``item.researched``, shown in the ledger's timeline."""
        return await records.research(item_id, on=body.date, text=body.text, author=body.author, place=body.place,
                                      principal=principal)

    return router

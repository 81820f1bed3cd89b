"""Events of the public board (公开挂牌督办), published by the reporting service."""

from __future__ import annotations

from pydantic import Field, model_validator

from shared.contracts import subjects
from shared.contracts.base import ItemEvent


class PublicRatingChanged(ItemEvent):
    """The average of the public's visible ratings of an item changed (feedback given, or hidden
    by the office). ``average`` (one decimal, 1-5) is None when no visible feedback is left; the
    workflow shows it to the revisit (回访复核) as evidence for the 群众是否满意 finding."""

    subject = subjects.PUBLIC_RATING_CHANGED
    producers = frozenset({"reporting"})

    average: float | None = Field(None, ge=1, le=5)
    count: int = Field(ge=0)

    @model_validator(mode="after")
    def _check(self) -> PublicRatingChanged:
        if (self.average is None) != (self.count == 0):
            raise ValueError("average is None exactly when count is 0")
        return self

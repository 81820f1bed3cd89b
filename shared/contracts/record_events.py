"""What the office records on an item besides its process: a third-party evaluation (第三方评估)
and a research note (调查研究). References for the item, shown in its ledger timeline and in
the month's work brief (督查工作简报); they change nothing in the item's process."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from shared.contracts import subjects
from shared.contracts.base import FileRef, ItemEvent, Text, Title
from shared.contracts.enums import EvaluationRating


class ItemEvaluated(ItemEvent):
    """A third-party evaluation (第三方评估) of the item by experts or an institute, recorded by
    the office as a reference: who evaluated, on which day, what they concluded, an optional
    grade and an optional file (an attachment bound to the item)."""

    subject = subjects.ITEM_EVALUATED

    evaluator: Title
    evaluated_on: dt.date
    conclusion: Text
    rating: EvaluationRating | None = None
    attachment: UUID | None = None
    attachment_name: FileRef | None = None


class ItemResearched(ItemEvent):
    """A research note (调研) on the item: the findings and proposals of a field study, by whom
    and where it was made when the office says."""

    subject = subjects.ITEM_RESEARCHED

    researched_on: dt.date
    author: Title | None = None
    place: Title | None = None
    text: Text

"""Events while a unit works on an item: reports, deadlines, extensions, revisits."""

from __future__ import annotations

import datetime as dt

from pydantic import Field, model_validator

from shared.contracts import subjects
from shared.contracts.base import (
    Comment,
    FileRef,
    ItemEvent,
    OptionalText,
    Round,
    Text,
    UnitId,
)
from shared.contracts.enums import DeadlineKind, ReportType, RevisitMethod


class ReportSubmitted(ItemEvent):
    """A unit submitted a progress or completion report; ``late`` if after the deadline."""

    subject = subjects.REPORT_SUBMITTED

    round: Round
    report_type: ReportType
    content: Text
    attachments: list[FileRef] = Field(default_factory=list)
    late: bool
    unit: UnitId


class ReportReturned(ItemEvent):
    """The office sent the report back (退回重办); the next round is due ``new_due_date``."""

    subject = subjects.REPORT_RETURNED

    round: Round
    reason: Text
    new_due_date: dt.date


class ReportAccepted(ItemEvent):
    """The office accepted the report of ``round``."""

    subject = subjects.REPORT_ACCEPTED

    round: Round
    report_type: ReportType
    comment: Comment = ""


class DeadlineReminder(ItemEvent):
    """A deadline is near (到期催办). ``unit`` is None for the office's own deadline
    (the revisit)."""

    subject = subjects.DEADLINE_REMINDER

    deadline: DeadlineKind
    due_date: dt.date
    unit: UnitId | None


class DeadlineOverdue(ItemEvent):
    """A deadline passed without the expected action (red light). ``unit`` is None for
    the office's own deadline (the revisit)."""

    subject = subjects.DEADLINE_OVERDUE

    deadline: DeadlineKind
    due_date: dt.date
    unit: UnitId | None


class ExtensionRequested(ItemEvent):
    """A unit asked for a later deadline (延期申请) before the current one passed."""

    subject = subjects.EXTENSION_REQUESTED

    requested_due_date: dt.date
    reason: Text
    unit: UnitId


class ExtensionDecided(ItemEvent):
    """The extension was approved (with ``new_due_date``) or refused (without one)."""

    subject = subjects.EXTENSION_DECIDED

    approved: bool
    new_due_date: dt.date | None
    comment: Comment = ""

    @model_validator(mode="after")
    def _check(self) -> ExtensionDecided:
        if self.approved and self.new_due_date is None:
            raise ValueError("an approved extension needs new_due_date")
        if not self.approved and self.new_due_date is not None:
            raise ValueError("a refused extension has no new_due_date")
        return self


class RevisitCompleted(ItemEvent):
    """The office revisited the item (回访复核) and recorded the five findings:
    truthful 情况是否真实, implemented 政策是否落实, rectified 整改是否到位,
    solved 问题是否解决, satisfied 群众是否满意; ``passed`` is the overall verdict."""

    subject = subjects.REVISIT_COMPLETED

    method: RevisitMethod
    truthful: bool
    implemented: bool
    rectified: bool
    solved: bool
    satisfied: bool
    passed: bool
    note: OptionalText = ""

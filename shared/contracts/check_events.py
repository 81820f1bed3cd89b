"""Events of an annual target's mid-year or year-end check (年中/年终检查, ``target_check.bpmn``):
started, the lead unit's self-check (自查) reported, the office's review."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field, StringConstraints

from shared.contracts import subjects
from shared.contracts.base import Comment, ItemEvent, Text, UnitId
from shared.contracts.enums import CheckKind, SelfCheckProgress

CheckPeriod = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-H[12]$")]
"""The half-year a check is for: ``2026-H1`` (mid-year, 30 June) or ``2026-H2`` (year-end, 31 December)."""


class TargetCheckEvent(ItemEvent):
    """An event of one check of one annual target (the item)."""

    check: CheckKind
    period: CheckPeriod
    unit: UnitId  # the lead unit that checks itself


class TargetCheckStarted(TargetCheckEvent):
    """The check began: the lead unit's liaison is asked for a self-check report by ``due_date``."""

    subject = subjects.TARGET_CHECK_STARTED

    due_date: dt.date


class TargetCheckSelfChecked(TargetCheckEvent):
    """The lead unit reported its self-check (round 1, 2, … after returns)."""

    subject = subjects.TARGET_CHECK_SELF_CHECKED

    round: Annotated[int, Field(ge=1)]
    progress: SelfCheckProgress
    content: Text


class TargetCheckReviewed(TargetCheckEvent):
    """The office accepted the self-check (the check is done) or returned it to be reported
    again by ``new_due_date``."""

    subject = subjects.TARGET_CHECK_REVIEWED

    round: Annotated[int, Field(ge=1)]
    accepted: bool
    comment: Comment = ""
    new_due_date: dt.date | None = None

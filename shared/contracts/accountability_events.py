"""Accountability (问责) and bulletin (通报/简报) events; these may concern no item."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from pydantic import Field, model_validator

from shared.contracts import subjects
from shared.contracts.base import (
    Comment,
    Event,
    OptionalText,
    Text,
    Title,
    UnitId,
    check_period,
    require_distinct,
)
from shared.contracts.enums import AccountabilityTrigger, BulletinKind, Measure


class AccountabilityEvent(Event):
    """An event about one accountability case against one unit.

    ``item_id`` is None when the case comes from a bulletin's criticism of a unit.
    """

    case_id: UUID
    unit: UnitId
    item_id: UUID | None = None


class AccountabilityOpened(AccountabilityEvent):
    """A case was opened; ``offence_count`` counts the unit's cases so far, this one included."""

    subject = subjects.ACCOUNTABILITY_OPENED

    trigger: AccountabilityTrigger
    offence_count: int = Field(ge=1)
    bulletin_id: UUID | None = None
    reason: OptionalText = ""

    @model_validator(mode="after")
    def _check(self) -> AccountabilityOpened:
        if self.trigger is AccountabilityTrigger.BULLETIN and self.bulletin_id is None:
            raise ValueError("a case opened by a bulletin needs bulletin_id")
        if self.trigger is not AccountabilityTrigger.BULLETIN and self.item_id is None:
            raise ValueError(f"a case opened by {self.trigger.value!r} needs item_id")
        return self


class AccountabilityMeasureDecided(AccountabilityEvent):
    """The leader decided the measure; ``escalated`` if it is heavier because of repeat
    offences. The unit head (单位主要负责人) is told."""

    subject = subjects.ACCOUNTABILITY_MEASURE_DECIDED

    measure: Measure
    escalated: bool
    comment: Comment = ""


class AccountabilityClosed(AccountabilityEvent):
    """The case is closed; ``outcome`` records what the unit reported (原因和改进措施)."""

    subject = subjects.ACCOUNTABILITY_CLOSED

    measure: Measure
    outcome: Text


class BulletinPublished(Event):
    """A 督查通报 or 督查工作简报 was published, praising and criticising units.

    ``bulletin_kind`` (not ``kind``: that ClassVar names the message type on every model).
    """

    subject = subjects.BULLETIN_PUBLISHED
    producers = frozenset({"reporting"})

    bulletin_id: UUID
    bulletin_kind: BulletinKind
    title: Title
    period_start: dt.date
    period_end: dt.date
    praised_units: list[UnitId] = Field(default_factory=list)
    criticised_units: list[UnitId] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> BulletinPublished:
        check_period(self.period_start, self.period_end)
        require_distinct("praised_units", self.praised_units)
        require_distinct("criticised_units", self.criticised_units)
        both = sorted(set(self.praised_units) & set(self.criticised_units))
        if both:
            raise ValueError(f"units both praised and criticised: {', '.join(both)}")
        return self


class BulletinApproved(Event):
    """The leader approved a bulletin draft (its approval process, ``bulletin_approval.bpmn``):
    the reporting service publishes it, with the office's ``remarks`` (按语)."""

    subject = subjects.BULLETIN_APPROVED

    bulletin_id: UUID
    remarks: OptionalText = ""
    comment: Comment = ""


class BulletinReturned(Event):
    """The leader sent a bulletin draft back to the office with ``comment``; the office edits
    its remarks (and the reporting service its lists) and submits it again."""

    subject = subjects.BULLETIN_RETURNED

    bulletin_id: UUID
    comment: Comment = ""

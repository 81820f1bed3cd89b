"""Events in an item's life: registered → approved/rejected → assigned → signed … closed."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.contracts import subjects
from shared.contracts.base import (
    Comment,
    Identifier,
    ItemEvent,
    OptionalText,
    Text,
    Title,
    UnitId,
    Username,
    check_units,
    require_distinct,
)
from shared.contracts.enums import Cadence, DeadlineKind, ItemStatus, Source, Urgency


class JointGroup(BaseModel):
    """A joint supervision group (联合督查组): the lead unit (牵头单位) and its member units (协办单位)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    lead: UnitId
    members: list[UnitId] = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def _check(self) -> JointGroup:
        require_distinct("members", self.members)
        if self.lead in self.members:
            raise ValueError(f"members must not contain the lead unit {self.lead!r}")
        return self

    @property
    def units(self) -> list[str]:
        return [self.lead, *self.members]


class ItemRegistered(ItemEvent):
    """The office registered an item (立项); it awaits the leader's approval.

    ``due_date`` is only for ``Urgency.SPECIAL`` (the leader's deadline, if already set);
    other urgencies get their deadline from the working-day calendar on assignment.
    ``major``/``livelihood`` items need a revisit (回访复核); ``public`` ones are listed
    publicly (公开挂牌督办).
    """

    subject = subjects.ITEM_REGISTERED

    code: Identifier
    title: Title
    description: OptionalText = ""
    source: Source
    urgency: Urgency
    due_date: dt.date | None = None
    lead_unit: UnitId
    co_units: list[UnitId] = Field(default_factory=list)
    leader: Username
    major: bool
    public: bool
    livelihood: bool
    cadence: Cadence
    joint_group: JointGroup | None = None
    """The joint supervision group (联合督查组) that supervises the item, if one does."""

    @model_validator(mode="after")
    def _check(self) -> ItemRegistered:
        check_units(self.lead_unit, self.co_units)
        if self.due_date is not None and self.urgency is not Urgency.SPECIAL:
            raise ValueError("due_date is only set at registration for urgency 'special'")
        return self


class ItemApproved(ItemEvent):
    """The leader approved the item. ``due_date_estimated`` is true while the deadline
    is a forecast that assignment will fix (working days count from assignment)."""

    subject = subjects.ITEM_APPROVED

    comment: Comment = ""
    due_date: dt.date
    due_date_estimated: bool


class ItemRejected(ItemEvent):
    """The leader declined the item (不予立项)."""

    subject = subjects.ITEM_REJECTED

    comment: Text


class ItemAssigned(ItemEvent):
    """The office assigned the item (交办) to a lead unit and co-units."""

    subject = subjects.ITEM_ASSIGNED

    lead_unit: UnitId
    co_units: list[UnitId] = Field(default_factory=list)
    due_date: dt.date
    due_date_estimated: bool
    sign_due_date: dt.date

    @model_validator(mode="after")
    def _check(self) -> ItemAssigned:
        check_units(self.lead_unit, self.co_units)
        return self


class ItemSigned(ItemEvent):
    """A unit's liaison officer signed for the item (签收)."""

    subject = subjects.ITEM_SIGNED

    unit: UnitId
    comment: Comment = ""


class ItemClosed(ItemEvent):
    """The item is closed (办结); ``on_time`` compares the closing with the deadline."""

    subject = subjects.ITEM_CLOSED

    closed_on: dt.date
    on_time: bool


class ItemReopened(ItemEvent):
    """A closed item is opened again (回头看 / 再督查) with a new deadline."""

    subject = subjects.ITEM_REOPENED

    reason: Text
    new_due_date: dt.date


class ItemProgressed(ItemEvent):
    """Where the item stands now, as the workflow service derives it from its process
    (``services/workflow/progress.py``, the one rule): status, the deadline that runs and
    whether it was found overdue. Sent after every step that changes one of them; other
    services show these values and never derive them again."""

    subject = subjects.ITEM_PROGRESSED

    status: ItemStatus
    status_reason: OptionalText | None = None
    due_date: dt.date | None = None
    overdue: bool
    overdue_deadline: DeadlineKind | None = None
    """Which deadline was found overdue (signing or the report), when ``overdue``."""

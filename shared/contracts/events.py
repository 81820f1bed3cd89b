"""Every domain event, one pydantic model each (split by entity into sibling modules)."""

from __future__ import annotations

from shared.contracts.accountability_events import (
    AccountabilityClosed,
    AccountabilityEvent,
    AccountabilityMeasureDecided,
    AccountabilityOpened,
    BulletinApproved,
    BulletinPublished,
    BulletinReturned,
)
from shared.contracts.base import Event, ItemEvent
from shared.contracts.check_events import (
    TargetCheckEvent,
    TargetCheckReviewed,
    TargetCheckSelfChecked,
    TargetCheckStarted,
)
from shared.contracts.item_events import (
    ItemApproved,
    ItemAssigned,
    ItemClosed,
    ItemProgressed,
    ItemRegistered,
    ItemRejected,
    ItemReopened,
    ItemSigned,
)
from shared.contracts.public_events import PublicRatingChanged
from shared.contracts.record_events import ItemEvaluated, ItemResearched
from shared.contracts.report_events import (
    DeadlineOverdue,
    DeadlineReminder,
    ExtensionDecided,
    ExtensionRequested,
    ReportAccepted,
    ReportReturned,
    ReportSubmitted,
    RevisitCompleted,
)
from shared.contracts.task_events import TaskCompleted, TaskCreated, TaskEvent

ALL_EVENTS: tuple[type[Event], ...] = (
    ItemRegistered,
    ItemApproved,
    ItemRejected,
    ItemAssigned,
    ItemSigned,
    ReportSubmitted,
    ReportReturned,
    ReportAccepted,
    DeadlineReminder,
    DeadlineOverdue,
    ExtensionRequested,
    ExtensionDecided,
    RevisitCompleted,
    ItemClosed,
    ItemReopened,
    ItemProgressed,
    ItemEvaluated,
    ItemResearched,
    AccountabilityOpened,
    AccountabilityMeasureDecided,
    AccountabilityClosed,
    TaskCreated,
    TaskCompleted,
    BulletinPublished,
    BulletinApproved,
    BulletinReturned,
    TargetCheckStarted,
    TargetCheckSelfChecked,
    TargetCheckReviewed,
    PublicRatingChanged,
)

__all__ = [cls.__name__ for cls in ALL_EVENTS] + [
    "ALL_EVENTS",
    "AccountabilityEvent",
    "Event",
    "ItemEvent",
    "TargetCheckEvent",
    "TaskEvent",
]

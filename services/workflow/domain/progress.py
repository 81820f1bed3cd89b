"""Where an item stands (status, the deadline that runs, overdue), derived from the events
its process emitted. Pure, and the one place this is decided: the workflow service keeps
the result in its item row and sends it as ``item.progressed``; the ledger and the other
services show it and never derive it again.

- status follows the process: 已立项 → 已交办 (assigned) → 办理中 (signed, a report returned,
  a new period, reopened) → 已反馈 (a report is in) → 复核中 (the office's revisit task is
  open) → 已办结, or 不予立项;
- the deadline is the one the process set last: on approval and assignment, a returned
  report's, an approved extension's, a new period's, a reopening's;
- overdue: the process found the signing or the current report deadline passed; a new
  deadline, the signature (for a signing that was late) or the closing clears it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace

from shared.contracts import events as ev
from shared.contracts.base import Event
from shared.contracts.enums import DeadlineKind, ItemStatus, ReportType

REVISIT_TASK = "revisit"  # the office's revisit (回访复核) task: while it is open the item is 复核中


@dataclass(frozen=True)
class Progress:
    status: ItemStatus = ItemStatus.REGISTERED
    status_reason: str | None = None
    due_date: dt.date | None = None
    overdue_deadline: DeadlineKind | None = None

    @property
    def overdue(self) -> bool:
        return self.overdue_deadline is not None

    def as_event(self, item_id: object, *, occurred_at: dt.datetime, actor: str) -> ev.ItemProgressed:
        return ev.ItemProgressed(item_id=item_id, occurred_at=occurred_at, actor=actor, status=self.status,
                                 status_reason=self.status_reason, due_date=self.due_date, overdue=self.overdue,
                                 overdue_deadline=self.overdue_deadline)


def progress_after(current: Progress, events: Iterable[Event]) -> Progress:
    """The progress after ``events`` (in the order the process emitted them)."""
    for event in events:
        current = _after(current, event)
    return current


def _after(p: Progress, event: Event) -> Progress:
    match event:
        case ev.ItemRegistered():
            return replace(p, due_date=event.due_date)
        case ev.ItemApproved():
            return replace(p, due_date=event.due_date)
        case ev.ItemRejected():
            return replace(p, status=ItemStatus.REJECTED, status_reason=event.comment, overdue_deadline=None)
        case ev.ItemAssigned():
            return replace(p, status=ItemStatus.ASSIGNED, due_date=event.due_date, overdue_deadline=None)
        case ev.ItemSigned():
            late_signing = p.overdue_deadline is DeadlineKind.SIGN
            return replace(p, status=ItemStatus.IN_PROGRESS, overdue_deadline=None if late_signing
                           else p.overdue_deadline)
        case ev.ReportSubmitted():
            return replace(p, status=ItemStatus.REPORTED)
        case ev.ReportReturned():
            return _new_deadline(replace(p, status=ItemStatus.IN_PROGRESS), event.new_due_date)
        case ev.ReportAccepted() if event.report_type is ReportType.PROGRESS:
            return replace(p, status=ItemStatus.IN_PROGRESS)  # the next period's report is due
        case ev.ExtensionDecided() if event.approved and event.new_due_date is not None:
            return _new_deadline(p, event.new_due_date)
        case ev.DeadlineOverdue() if event.deadline is DeadlineKind.SIGN and p.status is ItemStatus.ASSIGNED:
            return replace(p, overdue_deadline=DeadlineKind.SIGN)
        case ev.DeadlineOverdue() if event.deadline is DeadlineKind.REPORT and event.due_date == p.due_date:
            return replace(p, overdue_deadline=DeadlineKind.REPORT)
        case ev.TaskCreated() if event.task_kind == "report" and event.due_date is not None:
            return _new_deadline(p, event.due_date)  # a new period (定期调度) or round
        case ev.TaskCreated() if event.task_kind == REVISIT_TASK and p.status is ItemStatus.REPORTED:
            return replace(p, status=ItemStatus.REVISITING)  # not the look-back of a closed item
        case ev.ItemClosed():
            return replace(p, status=ItemStatus.CLOSED, status_reason=None, overdue_deadline=None)
        case ev.ItemReopened():
            return _new_deadline(replace(p, status=ItemStatus.IN_PROGRESS, status_reason=event.reason),
                                 event.new_due_date)
    return p


def _new_deadline(p: Progress, due: dt.date) -> Progress:
    """A new deadline runs: what was overdue was the old one (unless it is the same date)."""
    if due == p.due_date:
        return p
    return replace(p, due_date=due, overdue_deadline=None)

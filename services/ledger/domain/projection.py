"""The pure core of the ledger: an event and the current row give the new row and a
timeline entry. No I/O, no clock.

Status, deadline and overdue come from ``item.progressed`` alone (the workflow service
derives them, in one place); the ledger never works them out again from other events.

Tolerant of reordering within an item: each field is driven by the event's own data and
``occurred_at`` (a progress snapshot older than the one applied is ignored, counters only
count), and an event that arrives before ``item.registered`` fills a placeholder row that
the registration completes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID

from services.ledger.domain.state import ItemState, TimelineEntry
from services.ledger.domain.texts import UnitName, text_of
from shared.clock import CHINA
from shared.contracts import events as ev
from shared.contracts.base import Message
from shared.contracts.enums import DeadlineKind

YellowFrom = Callable[[dt.date], dt.date]
"""The first day of the yellow light for a due date (the working day before it)."""


@dataclass(frozen=True)
class Projection:
    """Applies events to ledger rows; ``unit_name`` and ``yellow_from`` come from the
    directory and the working-day calendar."""

    unit_name: UnitName
    yellow_from: YellowFrom

    def apply(self, state: ItemState, message: Message) -> tuple[ItemState, TimelineEntry | None]:
        new = _touch(self._fields(state, message), message)
        text = text_of(message, self.unit_name)
        if text is None:
            return new, None
        entry = TimelineEntry(event_id=message.event_id, item_id=state.item_id, occurred_at=message.occurred_at,
                              kind=message.kind, actor=message.actor, unit=_unit_of(message, new.lead_unit),
                              text=text)
        return new, entry

    def _fields(self, s: ItemState, m: Message) -> ItemState:
        match m:
            case ev.ItemProgressed():  # status, deadline and overdue: the workflow's, never derived here
                if s.status_at is not None and m.occurred_at < s.status_at:
                    return s  # an older snapshot arrived late
                return replace(s, status=m.status.value, status_reason=m.status_reason, status_at=m.occurred_at,
                               due_date=m.due_date, overdue=m.overdue,
                               overdue_deadline=m.overdue_deadline.value if m.overdue_deadline else None,
                               yellow_from=self.yellow_from(m.due_date) if m.due_date else None)
            case ev.ItemRegistered():
                s = replace(s, placeholder=False, code=m.code, title=m.title, source=m.source.value,
                            urgency=m.urgency.value, leader=m.leader, major=m.major, public=m.public,
                            livelihood=m.livelihood, registered_at=m.occurred_at,
                            joint_group=m.joint_group.model_dump(mode="json") if m.joint_group else None)
                return _units(s, m.lead_unit, m.co_units, m.occurred_at)
            case ev.ItemEvaluated():
                return replace(s, evaluations=_with_evaluation(s.evaluations, m))
            case ev.ItemAssigned():
                s = _units(s, m.lead_unit, m.co_units, m.occurred_at)
                return replace(s, assigned_on=s.assigned_on or china_date(m.occurred_at))
            case ev.ReportSubmitted():
                s = replace(s, rounds=max(s.rounds, m.round))
                if s.progress_at is None or m.occurred_at >= s.progress_at:
                    s = replace(s, progress=m.content, progress_at=m.occurred_at, reported_on=china_date(m.occurred_at))
                return s
            case ev.ReportReturned():
                return replace(s, rounds=max(s.rounds, m.round), returned_count=s.returned_count + 1)
            case ev.DeadlineReminder():
                if m.deadline is DeadlineKind.SIGN:
                    return replace(s, sign_reminded=True)
                if m.deadline is DeadlineKind.REPORT:
                    return replace(s, reminded_for=_later(s.reminded_for, m.due_date))
                return s
            case ev.ItemClosed():
                if s.closed_at is None or m.occurred_at >= s.closed_at:
                    s = replace(s, closed_on=m.closed_on, on_time=m.on_time, closed_at=m.occurred_at)
                return s
            case ev.ItemReopened():
                return replace(s, reopened=True, reopened_count=s.reopened_count + 1)
        return s


def china_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(CHINA).date()


def _units(s: ItemState, lead: str, co: list[str], at: dt.datetime) -> ItemState:
    if s.units_at is not None and at < s.units_at:
        return s
    return replace(s, lead_unit=lead, co_units=tuple(co), units_at=at)


def _with_evaluation(evaluations: tuple[dict[str, Any], ...], m: ev.ItemEvaluated) -> tuple[dict[str, Any], ...]:
    """The item's evaluations with this one, by the day evaluated, then the time recorded."""
    entry = {"id": str(m.event_id), "evaluator": m.evaluator, "date": m.evaluated_on.isoformat(),
             "conclusion": m.conclusion, "rating": m.rating.value if m.rating else None,
             "attachment": str(m.attachment) if m.attachment else None, "attachment_name": m.attachment_name,
             "recorded_by": m.actor, "recorded_at": m.occurred_at.isoformat()}
    kept = [e for e in evaluations if e["id"] != entry["id"]]
    return tuple(sorted([*kept, entry], key=lambda e: (e["date"], e["recorded_at"])))


def _later(current: dt.date | None, new: dt.date) -> dt.date:
    return new if current is None else max(current, new)


def _touch(s: ItemState, m: Message) -> ItemState:
    if s.last_event_at is None or m.occurred_at > s.last_event_at:
        return replace(s, last_event_at=m.occurred_at)
    return s


def _unit_of(message: Message, lead_unit: str | None) -> str | None:
    """The unit an entry concerns: the event's own (None for the office's revisit
    deadline), else the lead unit."""
    return getattr(message, "unit") if "unit" in type(message).model_fields else lead_unit


def item_id_of(message: Message) -> UUID | None:
    """The item a message concerns, or None (bulletins, bulletin-born cases)."""
    item_id = getattr(message, "item_id", None)
    return item_id if isinstance(item_id, UUID) else None

"""What an item's row shows, derived from the events its process emitted (pure)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shared.contracts.base import Event

STATUS_AFTER = {
    "item.rejected": "rejected",
    "item.assigned": "assigned",
    "item.signed": "in_progress",
    "report.submitted": "reported",
    "report.returned": "in_progress",
    "item.reopened": "in_progress",
    "item.closed": "closed",
}


def item_changes(events: list[Event]) -> dict[str, Any]:
    """Column updates for the item row after these events, in order."""
    changes: dict[str, Any] = {}
    for event in events:
        kind = event.kind
        if kind in STATUS_AFTER:
            changes["status"] = STATUS_AFTER[kind]
        elif kind == "report.accepted":
            completion = getattr(event, "report_type", None) == "completion"
            changes["status"] = "revisiting" if completion else "in_progress"
        new_due = _new_due(event)
        if new_due is not None:
            changes["due_date"] = new_due
            changes["overdue"] = False
        if kind == "deadline.overdue" and getattr(event, "deadline", None) == "report":
            changes["overdue"] = True
        if kind in ("item.rejected", "item.reopened"):
            changes["status_reason"] = getattr(event, "comment", None) or getattr(event, "reason", None)
        elif kind == "item.closed":
            changes["status_reason"] = None
        if hasattr(event, "due_date_estimated"):
            changes["due_date_estimated"] = event.due_date_estimated
    return changes


def _new_due(event: Event) -> dt.date | None:
    kind = event.kind
    if kind in ("item.assigned", "item.approved"):
        return event.due_date  # type: ignore[attr-defined]
    if kind in ("report.returned", "item.reopened") or (kind == "extension.decided" and event.approved):  # type: ignore[attr-defined]
        return event.new_due_date  # type: ignore[attr-defined]
    return None

"""What a new deadline must be: after today, and after the deadline it replaces (an
extension that ends before the current deadline, or in the past, would make the item
overdue at once)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from services.workflow.domain.refusals import DeadlineInPast


def check_new_deadline(kind: str, data: dict[str, Any], *, current: dt.date | None, today: dt.date) -> None:
    """Refuse an approved extension (``extension_decision``) to a day that is not after
    today and after the current deadline."""
    if kind != "extension_decision" or data.get("decision") != "approve" or not data.get("new_due_date"):
        return
    check_after(dt.date.fromisoformat(data["new_due_date"]), current=current, today=today, field="new_due_date")


def check_after(day: dt.date, *, current: dt.date | None, today: dt.date, field: str) -> None:
    if day <= today:
        raise DeadlineInPast(f"{field} {day} is not after today ({today})")
    if current is not None and day <= current:
        raise DeadlineInPast(f"{field} {day} is not after the current deadline {current}")

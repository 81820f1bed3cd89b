"""One ledger row (台帐) as plain data: what the projection reads and writes.

No I/O. Every field is derived from events alone (never from the time an event was
received), so a replay of the stream gives the same rows as live consumption.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any
from uuid import UUID

from shared.contracts.enums import ItemStatus

ACTIVE = frozenset({ItemStatus.ASSIGNED, ItemStatus.IN_PROGRESS})
"""The unit holds the pen: the report deadline runs."""
FINISHED = frozenset({ItemStatus.CLOSED, ItemStatus.REJECTED})
"""Closed items and rejected registrations have no light."""


@dataclass(frozen=True)
class ItemState:
    item_id: UUID
    placeholder: bool = True  # True until item.registered has been applied
    code: str = ""
    title: str = ""
    source: str | None = None
    urgency: str | None = None
    lead_unit: str | None = None
    co_units: tuple[str, ...] = ()
    units_at: dt.datetime | None = None
    leader: str | None = None
    major: bool = False
    public: bool = False
    livelihood: bool = False
    registered_at: dt.datetime | None = None
    # status, status_reason, due_date and overdue as the workflow derived them (item.progressed)
    status: str = ItemStatus.REGISTERED.value
    status_reason: str | None = None
    status_at: dt.datetime | None = None  # when the item.progressed applied occurred
    due_date: dt.date | None = None
    overdue: bool = False
    overdue_deadline: str | None = None  # sign | report
    yellow_from: dt.date | None = None  # first day of the yellow light: the working day before due_date
    assigned_on: dt.date | None = None
    sign_reminded: bool = False
    reminded_for: dt.date | None = None  # the due date a report reminder was sent for
    reopened: bool = False
    progress: str = ""
    progress_at: dt.datetime | None = None
    reported_on: dt.date | None = None
    closed_on: dt.date | None = None  # of the latest closing; shown only while the status is closed
    closed_at: dt.datetime | None = None
    on_time: bool | None = None
    rounds: int = 0
    returned_count: int = 0
    reopened_count: int = 0
    last_event_at: dt.datetime | None = None
    joint_group: dict[str, Any] | None = None  # the joint supervision group: {"lead": unit, "members": [units]}
    evaluations: tuple[dict[str, Any], ...] = ()  # third-party evaluations as JSON values, by date

    def as_row(self) -> dict[str, Any]:
        row = {f.name: getattr(self, f.name) for f in fields(self)}
        row["co_units"] = list(self.co_units)
        row["evaluations"] = list(self.evaluations)
        return row

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ItemState:
        values = {name: row[name] for name in FIELD_NAMES}
        values["co_units"] = tuple(values["co_units"] or ())
        values["evaluations"] = tuple(values["evaluations"] or ())
        return cls(**values)

    @property
    def units(self) -> tuple[str, ...]:
        """Lead unit first, then the co-units (协办单位)."""
        return ((self.lead_unit,) if self.lead_unit else ()) + self.co_units


FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in fields(ItemState))


@dataclass(frozen=True)
class TimelineEntry:
    """One line of an item's append-only timeline."""

    event_id: UUID
    item_id: UUID
    occurred_at: dt.datetime
    kind: str
    actor: str
    unit: str | None
    text: str

    def as_row(self) -> dict[str, Any]:
        return {"event_id": self.event_id, "item_id": self.item_id, "occurred_at": self.occurred_at,
                "kind": self.kind, "actor": self.actor, "unit": self.unit, "text": self.text}

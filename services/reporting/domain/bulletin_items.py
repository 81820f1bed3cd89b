"""The reporting service's read model of an item, built from the workflow's events. Pure: an
event and the current row give the new row and, for the events a bulletin counts by unit and
date, a fact. No I/O, no clock.

Counted like the ledger (``services/ledger/domain/projection.py``), so a bulletin's figures
equal the ledger's ``/stats``: status, deadline and overdue from ``item.progressed`` (an older
snapshot is ignored), units from the latest registration or assignment, the first
assignment's day, the latest closing; a fact's unit is the event's own ``unit`` field when its
contract has one (None for the office's deadline), else the lead unit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields, replace
from typing import Any
from uuid import UUID

from shared.clock import CHINA
from shared.contracts import events as ev
from shared.contracts.base import Message
from shared.contracts.enums import ItemStatus

FACT_KINDS = ("deadline.overdue", "report.returned", "item.reopened", "revisit.completed", "accountability.opened")


@dataclass(frozen=True)
class BulletinItem:
    item_id: UUID
    placeholder: bool = True  # True until item.registered has been applied
    code: str = ""
    title: str = ""
    source: str | None = None
    public: bool = False
    major: bool = False
    lead_unit: str | None = None
    co_units: tuple[str, ...] = ()
    units_at: dt.datetime | None = None
    status: str = ItemStatus.REGISTERED.value
    status_at: dt.datetime | None = None
    due_date: dt.date | None = None
    overdue: bool = False
    assigned_on: dt.date | None = None
    signed: bool = False
    closed_on: dt.date | None = None
    closed_at: dt.datetime | None = None
    on_time: bool | None = None
    returned_count: int = 0
    reopened_count: int = 0
    revisits_passed: int = 0
    revisits_failed: int = 0

    def as_row(self) -> dict[str, Any]:
        return {**{f.name: getattr(self, f.name) for f in fields(self)}, "co_units": list(self.co_units)}

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> BulletinItem:
        values = {name: row[name] for name in FIELD_NAMES}
        return cls(**{**values, "co_units": tuple(values["co_units"] or ())})


FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in fields(BulletinItem))


@dataclass(frozen=True)
class Fact:
    """A dated event a bulletin counts for a unit."""

    event_id: UUID
    item_id: UUID
    occurred_at: dt.datetime
    kind: str
    unit: str | None
    passed: bool | None = None  # a revisit's outcome

    def as_row(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def apply(item: BulletinItem, message: Message) -> tuple[BulletinItem, Fact | None]:
    new = _fields(item, message)
    kind = message.kind
    if kind not in FACT_KINDS:
        return new, None
    unit = getattr(message, "unit") if "unit" in type(message).model_fields else new.lead_unit
    passed = message.passed if isinstance(message, ev.RevisitCompleted) else None
    return new, Fact(message.event_id, item.item_id, message.occurred_at, kind, unit, passed)


def _fields(s: BulletinItem, m: Message) -> BulletinItem:
    match m:
        case ev.ItemProgressed():
            if s.status_at is not None and m.occurred_at < s.status_at:
                return s
            return replace(s, status=m.status.value, status_at=m.occurred_at, due_date=m.due_date, overdue=m.overdue)
        case ev.ItemRegistered():
            s = replace(s, placeholder=False, code=m.code, title=m.title, source=m.source.value, public=m.public,
                        major=m.major)
            return _units(s, m.lead_unit, m.co_units, m.occurred_at)
        case ev.ItemAssigned():
            s = _units(s, m.lead_unit, m.co_units, m.occurred_at)
            return replace(s, assigned_on=s.assigned_on or china_date(m.occurred_at))
        case ev.ItemSigned():
            return replace(s, signed=True)
        case ev.ReportReturned():
            return replace(s, returned_count=s.returned_count + 1)
        case ev.ItemClosed():
            if s.closed_at is None or m.occurred_at >= s.closed_at:
                s = replace(s, closed_on=m.closed_on, on_time=m.on_time, closed_at=m.occurred_at)
            return s
        case ev.ItemReopened():
            return replace(s, reopened_count=s.reopened_count + 1)
        case ev.RevisitCompleted():
            if m.passed:
                return replace(s, revisits_passed=s.revisits_passed + 1)
            return replace(s, revisits_failed=s.revisits_failed + 1)
    return s


def _units(s: BulletinItem, lead: str, co: list[str], at: dt.datetime) -> BulletinItem:
    if s.units_at is not None and at < s.units_at:
        return s
    return replace(s, lead_unit=lead, co_units=tuple(co), units_at=at)


def china_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(CHINA).date()


def item_id_of(message: Message) -> UUID | None:
    item_id = getattr(message, "item_id", None)
    return item_id if isinstance(item_id, UUID) else None

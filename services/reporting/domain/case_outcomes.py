"""The accountability cases a bulletin's criticism opened (问责), followed by their events, and
how the next bulletin reports them (上期通报问题整改情况). Pure: no I/O, no clock.

A case is reported by the later bulletins of the same kind once the leader decided its measure
(or it was closed) before the end of their period: while it is still open (the head's causes
and measures awaited or being checked) each such bulletin lists it as 整改中; the first bulletin
published after it closed lists it as 已整改结案 and it is not reported again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID

from shared.contracts import events as ev
from shared.contracts.base import Message
from shared.contracts.enums import Measure

CASE_EVENTS = (ev.AccountabilityOpened, ev.AccountabilityMeasureDecided, ev.AccountabilityClosed, ev.TaskCompleted)
STATUS_LABELS = {"closed": "已整改结案", "in_progress": "整改中"}


@dataclass(frozen=True)
class Case:
    case_id: UUID
    unit: str
    bulletin_id: UUID
    opened_at: dt.datetime
    measure: str | None = None
    measure_at: dt.datetime | None = None
    causes: str | None = None
    measures: str | None = None
    closed_at: dt.datetime | None = None
    reported_in: UUID | None = None


def opened(message: Message) -> Case | None:
    """The case a bulletin's criticism opened (None for an item's case: no bulletin reports it)."""
    if isinstance(message, ev.AccountabilityOpened) and message.bulletin_id is not None:
        return Case(message.case_id, message.unit, message.bulletin_id, message.occurred_at)
    return None


def case_id_of(message: Message) -> UUID | None:
    if isinstance(message, ev.TaskCompleted):
        return message.case_id if message.task_kind == "explain" else None
    return message.case_id if isinstance(message, ev.AccountabilityEvent) else None


def followed(case: Case, message: Message) -> Case:
    """The case after one of its later events: the measure, the head's report, the closing."""
    match message:
        case ev.AccountabilityMeasureDecided():
            return replace(case, measure=message.measure.value, measure_at=message.occurred_at)
        case ev.TaskCompleted():  # the head's latest report (a returned one is reported again)
            return replace(case, causes=_text(message.data.get("causes")), measures=_text(message.data.get("measures")))
        case ev.AccountabilityClosed():
            return replace(case, measure=message.measure.value, measure_at=case.measure_at or message.occurred_at,
                           closed_at=message.occurred_at)
    return case


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def reportable(case: Case, bulletin_id: UUID, period_end: dt.datetime) -> bool:
    """Whether the bulletin ``bulletin_id`` (its period ending before ``period_end``) reports the case."""
    if case.bulletin_id == bulletin_id or case.reported_in not in (None, bulletin_id):
        return False
    decided = [t for t in (case.measure_at, case.closed_at) if t is not None]
    return bool(decided) and min(decided) < period_end


def outcome(case: Case, bulletin_number: str) -> dict[str, Any]:
    """A case as the figures list it (``accountability_outcomes``)."""
    status = "closed" if case.closed_at is not None else "in_progress"
    measure = Measure(case.measure) if case.measure else None
    return {"case_id": str(case.case_id), "unit": case.unit, "bulletin_id": str(case.bulletin_id),
            "bulletin_number": bulletin_number, "measure": measure.value if measure else None,
            "measure_label": measure.label if measure else "", "causes": case.causes, "measures": case.measures,
            "status": status, "status_label": STATUS_LABELS[status]}

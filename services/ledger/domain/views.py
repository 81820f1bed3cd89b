"""Ledger rows as the API shows them: raw values, Chinese labels, light, overdue days. Pure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from services.ledger.domain.light import Light, light_of, overdue_days
from services.ledger.domain.state import ItemState
from shared.calendar import WorkingCalendar
from shared.calendar.deadline_rules import is_estimated
from shared.contracts.enums import EvaluationRating, ItemStatus, Source, Urgency
from shared.identity import OrgDirectory


@dataclass(frozen=True)
class Namer:
    """Chinese names for units and users, from the organisation directory."""

    directory: OrgDirectory

    def unit(self, unit_id: str | None) -> str:
        if unit_id is None:
            return ""
        unit = self.directory.unit(unit_id)
        return unit.display_name if unit else unit_id

    def user(self, username: str | None) -> str:
        return "" if username is None else self.directory.person_name(username)


def label(enum: type[Source] | type[Urgency] | type[ItemStatus] | type[EvaluationRating], value: str | None) -> str:
    try:
        return enum(value).label if value else ""
    except ValueError:
        return value or ""


def item_view(state: ItemState, today: dt.date, namer: Namer, calendar: WorkingCalendar) -> dict[str, Any]:
    light: Light | None = light_of(state, today)
    estimated = state.due_date is not None and is_estimated(calendar, state.due_date)
    closed = state.status == ItemStatus.CLOSED
    return {
        "id": state.item_id, "code": state.code, "title": state.title,
        "source": state.source, "source_label": label(Source, state.source),
        "urgency": state.urgency, "urgency_label": label(Urgency, state.urgency),
        "lead_unit": state.lead_unit, "lead_unit_name": namer.unit(state.lead_unit),
        "co_units": list(state.co_units), "co_unit_names": [namer.unit(u) for u in state.co_units],
        "leader": state.leader, "leader_name": namer.user(state.leader),
        "flags": {"major": state.major, "public": state.public, "livelihood": state.livelihood},
        "assigned_on": state.assigned_on, "due_date": state.due_date, "due_date_estimated": estimated,
        "status": state.status, "status_label": label(ItemStatus, state.status),
        "status_reason": state.status_reason, "overdue": state.overdue, "overdue_deadline": state.overdue_deadline,
        "light": light.value if light else None, "light_label": light.label if light else "",
        "progress": state.progress, "closed_on": state.closed_on if closed else None, "on_time": state.on_time if closed else None,
        "rounds": state.rounds, "returned": state.returned_count, "reopened": state.reopened_count,
        "overdue_days": overdue_days(state, today, calendar.working_days_between),
        "registered_at": state.registered_at, "updated_at": state.last_event_at,
    }


def timeline_view(row: dict[str, Any], namer: Namer) -> dict[str, Any]:
    return {"time": row["occurred_at"], "kind": row["kind"], "actor": row["actor"],
            "actor_name": namer.user(row["actor"]), "unit": row["unit"], "text": row["text"]}


def records_view(state: ItemState, namer: Namer) -> dict[str, Any]:
    """What the item's detail adds: its joint supervision group (联合督查组) with unit names, and
    the third-party evaluations (第三方评估) recorded on it, by date."""
    group = state.joint_group
    joint = None if group is None else {
        "lead": group["lead"], "lead_name": namer.unit(group["lead"]), "members": list(group["members"]),
        "member_names": [namer.unit(u) for u in group["members"]]}
    evaluations = [{**e, "rating_label": label(EvaluationRating, e["rating"]),
                    "recorded_at": dt.datetime.fromisoformat(e["recorded_at"])} for e in state.evaluations]
    return {"joint_group": joint, "evaluations": evaluations}

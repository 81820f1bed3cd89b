"""Who may complete a task: its assignee, as the process named it (role, unit, user)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from shared.identity import Principal, Role

LANE_ASSIGNEES = {
    "督察室": "role:office", "领导": "role:leader", "分管领导": "leader:leader", "秘书长": "role:secretary_general",
    "责任单位": "unit:lead_unit:liaison", "责任单位主要负责人": "unit:lead_unit:head",
}
"""The assignee of a user task without an ``assignee`` property, by the name of its lane (a file
drawn in SpiffArena or bpmn.io names who acts by its lanes)."""


def task_assignee(properties: Mapping[str, str], lane: str | None) -> str | None:
    """The task's ``assignee`` property, else its lane's (None: neither names one)."""
    return properties.get("assignee") or LANE_ASSIGNEES.get((lane or "").strip())


def is_assignee(principal: Principal, task: dict[str, Any], acting_for: Collection[str] = ()) -> bool:
    """Whether the caller may complete the task. A task of a named leader (the item's
    responsible leader) is that leader's, or a delegate's (``acting_for``) while they act
    for them; any other leader, the mayor included, is not its assignee."""
    if task["assignee_user"] is not None:
        return principal.username == task["assignee_user"] or task["assignee_user"] in acting_for
    role = task["assignee_role"]
    if role == "secretary_general":
        return principal.secretary_general
    return principal.has_role(Role(role)) and (task["assignee_unit"] is None or task["assignee_unit"] == principal.unit)

"""Who may complete a task: its assignee, as the process named it (role, unit, user)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from shared.identity import Principal, Role


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

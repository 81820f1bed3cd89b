"""A user of the organisation directory as the web application shows them (who is signed in)."""

from __future__ import annotations

from typing import Any

from shared.identity import OrgDirectory


def user_view(directory: OrgDirectory, username: str) -> dict[str, Any]:
    user = directory.user(username)
    assert user is not None
    unit = directory.unit(user.unit) if user.unit else None
    return {"username": user.username, "name": user.name, "title": user.title,
            "roles": [str(role) for role in user.roles], "role_labels": [role.label for role in user.roles],
            "unit": user.unit, "unit_name": unit.display_name if unit else None}

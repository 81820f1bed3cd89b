"""The authenticated person behind a request."""

from __future__ import annotations

from dataclasses import dataclass

from shared.identity.directory import Role, User

OVERSEERS = frozenset({Role.office, Role.leader, Role.admin})


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is acting. Roles and unit come from the directory, never from the token."""

    username: str
    name: str
    roles: frozenset[Role]
    unit: str | None = None
    secretary_general: bool = False

    @classmethod
    def from_user(cls, user: User) -> Principal:
        return cls(
            username=user.username,
            name=user.name,
            roles=frozenset(user.roles),
            unit=user.unit,
            secretary_general=user.secretary_general,
        )

    def has_role(self, *roles: Role) -> bool:
        """True when the principal holds at least one of ``roles``."""
        return not self.roles.isdisjoint(roles)

    @property
    def sees_all(self) -> bool:
        """Office staff, leaders and admins see every unit's items."""
        return not self.roles.isdisjoint(OVERSEERS)

    def is_member_of(self, unit_id: str) -> bool:
        return self.unit is not None and self.unit == unit_id

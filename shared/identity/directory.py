"""The organisation directory (组织机构): units, users and their roles.

The directory is read from one YAML file (``org_file`` in the settings) with three keys:
``city``, ``units`` and ``users``. Roles and unit membership live here, never in tokens.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

SLUG = r"^[a-z][a-z0-9-]*$"
USERNAME = r"^[A-Za-z0-9][A-Za-z0-9._@-]*$"
Channel = Literal["inbox", "email", "webhook"]


class DirectoryError(Exception):
    """The organisation file is missing, unreadable or inconsistent."""


class Role(StrEnum):
    office = "office"
    leader = "leader"
    liaison = "liaison"
    head = "head"
    admin = "admin"

    @property
    def label(self) -> str:
        return _ROLE_LABELS[self]


_ROLE_LABELS = {
    Role.office: "督察室",
    Role.leader: "领导",
    Role.liaison: "联络员",
    Role.head: "单位主要负责人",
    Role.admin: "系统管理员",
}
UNIT_ROLES = frozenset({Role.liaison, Role.head})


class UnitKind(StrEnum):
    county = "county"
    zone = "zone"
    department = "department"
    other = "other"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    UnitKind.county: "县(市)区政府",
    UnitKind.zone: "开发区管委会",
    UnitKind.department: "市政府部门",
    UnitKind.other: "有关单位",
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class City(_Model):
    name: str = Field(min_length=1)
    code: str = Field(pattern=SLUG)


class Unit(_Model):
    id: str = Field(pattern=SLUG)
    name: str = Field(min_length=1)
    kind: UnitKind
    short_name: str | None = None

    @property
    def display_name(self) -> str:
        return self.short_name or self.name


class User(_Model):
    username: str = Field(pattern=USERNAME)
    name: str = Field(min_length=1)
    roles: list[Role] = Field(min_length=1)
    unit: str | None = None
    title: str | None = None
    secretary_general: bool = False
    email: str | None = Field(None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    phone: str | None = None
    webhook: str | None = Field(None, max_length=500, pattern=r"^https?://\S+$",
                                description="SMS gateway / IM robot URL")
    channels: list[Channel] = Field(default_factory=lambda: ["inbox"])

    @model_validator(mode="after")
    def _consistent(self) -> User:
        if UNIT_ROLES.intersection(self.roles) and self.unit is None:
            raise ValueError("a liaison or head must belong to a unit")
        if len(set(self.channels)) != len(self.channels):
            raise ValueError("a channel is listed twice")
        if "email" in self.channels and not self.email:
            raise ValueError("channel 'email' needs an email address")
        if "webhook" in self.channels and not self.webhook:
            raise ValueError("channel 'webhook' needs a webhook URL")
        if self.secretary_general and Role.leader not in self.roles:
            raise ValueError("the secretary-general must have the role 'leader'")
        return self

    def has_role(self, *roles: Role) -> bool:
        return any(role in self.roles for role in roles)


class _OrgFile(_Model):
    city: City
    units: list[Unit] = Field(min_length=1)
    users: list[User] = Field(min_length=1)


class OrgDirectory:
    """Read-only lookups over the units and users of one city."""

    def __init__(self, city: City, units: Iterable[Unit], users: Iterable[User]) -> None:
        self.city = city
        self._units: dict[str, Unit] = {}
        self._users: dict[str, User] = {}
        for unit in units:
            if unit.id in self._units:
                raise DirectoryError(f"duplicate unit id {unit.id!r}")
            self._units[unit.id] = unit
        for user in users:
            if user.username in self._users:
                raise DirectoryError(f"duplicate username {user.username!r}")
            if user.unit is not None and user.unit not in self._units:
                raise DirectoryError(f"user {user.username!r} belongs to unknown unit {user.unit!r}")
            self._users[user.username] = user
        chiefs = [u.username for u in self._users.values() if u.secretary_general]
        if len(chiefs) > 1:
            raise DirectoryError(f"more than one secretary-general: {', '.join(chiefs)}")

    @property
    def units(self) -> list[Unit]:
        return list(self._units.values())

    @property
    def users(self) -> list[User]:
        return list(self._users.values())

    def unit(self, unit_id: str) -> Unit | None:
        return self._units.get(unit_id)

    def user(self, username: str) -> User | None:
        return self._users.get(username)

    def person_name(self, username: str) -> str:
        """The name of the user ``username``; anything else (an expert, a journalist, a user who has
        left) as it is written."""
        user = self._users.get(username)
        return user.name if user else username

    def users_of(self, unit_id: str, role: Role | None = None) -> list[User]:
        """The users of one unit, optionally only those with ``role``."""
        return [u for u in self._users.values() if u.unit == unit_id and (role is None or role in u.roles)]

    def users_with_role(self, role: Role) -> list[User]:
        return [u for u in self._users.values() if role in u.roles]

    def secretary_general(self) -> User | None:
        """The secretary-general (秘书长), who approves special supervision plans."""
        return next((u for u in self._users.values() if u.secretary_general), None)


def parse_directory(data: Any, source: str = "organisation data") -> OrgDirectory:
    """Validate already-parsed data (a mapping with city, units, users)."""
    if not isinstance(data, Mapping):
        raise DirectoryError(f"{source}: expected a mapping with keys city, units, users")
    try:
        org = _OrgFile.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(_describe(data, err) for err in exc.errors())
        raise DirectoryError(f"{source}: {problems}") from None
    try:
        return OrgDirectory(org.city, org.units, org.users)
    except DirectoryError as exc:
        raise DirectoryError(f"{source}: {exc}") from None


def load_directory(path: str | Path) -> OrgDirectory:
    """Read and check the organisation file; every problem is a ``DirectoryError``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DirectoryError(f"cannot read organisation file {path}: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DirectoryError(f"{path}: not valid YAML: {exc}") from None
    return parse_directory(data, source=str(path))


def _describe(data: Mapping[str, Any], err: Any) -> str:
    """One validation error as ``users[3] (tiedong-liaison).email: message``."""
    loc = list(err["loc"])
    where = ""
    if len(loc) >= 2 and loc[0] in ("units", "users") and isinstance(loc[1], int):
        section, index = loc.pop(0), loc.pop(0)
        where = f"{section}[{index}]"
        entry = _entry(data, section, index)
        key = entry.get("id" if section == "units" else "username") if entry else None
        if key:
            where += f" ({key})"
    rest = ".".join(str(part) for part in loc)
    where = ".".join(part for part in (where, rest) if part) or "top level"
    message = str(err["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}"


def _entry(data: Mapping[str, Any], section: str, index: int) -> Mapping[str, Any] | None:
    items = data.get(section)
    if isinstance(items, list) and 0 <= index < len(items) and isinstance(items[index], Mapping):
        return items[index]
    return None

"""The demo org's people as the services see them after sign-in (deploy/org.example.yaml)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from shared.identity import OrgDirectory, Principal, load_directory

EXAMPLE_ORG = Path(__file__).parents[2] / "deploy" / "org.example.yaml"


@cache
def directory() -> OrgDirectory:
    return load_directory(EXAMPLE_ORG)


def person(username: str) -> Principal:
    user = directory().user(username)
    assert user is not None, f"{username!r} is not in {EXAMPLE_ORG.name}"
    return Principal.from_user(user)

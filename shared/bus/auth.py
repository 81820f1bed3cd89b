"""Who may do what on the bus: one NATS user per service, permissions derived from the contracts.

A service may publish exactly the subjects of the contracts that name it among their
``producers``, dead letters, and the JetStream API calls it needs: declaring the streams
(info, create, update: never delete or purge), creating, reading and pulling from its own
durable consumers, and acking what they deliver. It may subscribe only to its own inbox
(``_INBOX.<user>.>``), where JetStream replies and pulled messages arrive. Everything else
is refused by the server, and a client without a known user cannot connect at all.

On a platform that runs on the shared simulated clock (``duban run --simulated-clock``;
never in production) each service may also read and watch the clock's key-value bucket
(and create it, with its start, when there is none) but never write it; only the user
``clock`` (``duban clock set/advance``) may publish the one subject that moves it.

``server_config`` renders the NATS server's ``authorization`` block (and a ``tls`` block)
for a topology: ``duban run``'s embedded server, ``duban nats config`` and
``deploy/nats/auth.conf`` are all made by it.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import bcrypt

from shared.bus.clock_kv import clock_stream, clock_subject
from shared.bus.topology import Topology
from shared.contracts.registry import MESSAGES
from shared.contracts.subjects import DEAD_LETTER_PREFIX

SERVICES = ("workflow", "ledger", "notification", "reporting")
CLOCK_USER = "clock"  # `duban clock set/advance`: the only user that may move the shared simulated clock
USERS = (*SERVICES, CLOCK_USER)
BCRYPT_COST = 11  # as `nats server passwd`; the server checks a hash once per connection
JS_API = "$JS.API"

StreamKind = Literal["events", "commands"]


@dataclass(frozen=True)
class Durable:
    """A durable pull consumer a service creates on one of the streams."""

    name: str
    stream: StreamKind


# The durable consumers of each service (grep `runtime.consume(`): a service may create,
# read and pull from these only. Adding a consumer means adding it here.
DURABLES: Mapping[str, tuple[Durable, ...]] = {
    "workflow": (Durable("workflow-open-accountability", "commands"), Durable("workflow-approve-bulletin", "commands"),
                 Durable("workflow-public-rating", "events")),
    "ledger": (Durable("ledger", "events"),),
    "notification": (Durable("notification", "events"), Durable("notification-send", "commands")),
    "reporting": (Durable("reporting", "events"),),
}
# Streams a service reads with ephemeral consumers of generated names: `duban ledger rebuild`
# (services/ledger/entrypoints/rebuild.py) replays the events stream. Other services' durables stay out of reach.
EPHEMERAL_READERS: Mapping[str, tuple[StreamKind, ...]] = {"ledger": ("events",)}


def user_for(service: str) -> str:
    """The NATS user of a service: its name."""
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}")
    return service


def inbox_prefix(user: str | None) -> str:
    """Where a connection's replies arrive (nats-py appends ``.<nuid>``)."""
    return f"_INBOX.{user}" if user else "_INBOX"


def password_variable(user: str) -> str:
    """The environment variable that holds a user's NATS password (a service reads its own;
    ``duban clock`` reads ``DUBAN_CLOCK_NATS_PASSWORD``)."""
    if user not in USERS:
        raise ValueError(f"unknown NATS user {user!r}")
    return f"DUBAN_{user.upper()}_NATS_PASSWORD"


@dataclass(frozen=True)
class Permissions:
    publish: tuple[str, ...]
    subscribe: tuple[str, ...]
    publish_deny: tuple[str, ...] = ()

    def as_config(self) -> dict[str, object]:
        publish: dict[str, object] = {"allow": list(self.publish)}
        if self.publish_deny:
            publish["deny"] = list(self.publish_deny)
        return {"publish": publish, "subscribe": {"allow": list(self.subscribe)}}


def produced_subjects(service: str) -> list[str]:
    """The canonical subjects whose contracts name ``service`` as a producer."""
    return sorted(subject for subject, model in MESSAGES.items() if service in model.producers)


def _stream(topology: Topology, kind: StreamKind) -> str:
    return topology.events_stream if kind == "events" else topology.commands_stream


def _consumer_calls(stream: str, consumer: str) -> list[str]:
    """Create (with or without a filter subject), read and pull from one consumer."""
    api = f"{JS_API}.CONSUMER"
    return [f"{api}.CREATE.{stream}.{consumer}", f"{api}.CREATE.{stream}.{consumer}.>",
            f"{api}.DURABLE.CREATE.{stream}.{consumer}", f"{api}.INFO.{stream}.{consumer}",
            f"{api}.MSG.NEXT.{stream}.{consumer}"]


def clock_reader_calls(root: str) -> list[str]:
    """What a service needs to follow the shared simulated clock (shared/bus/clock_kv.py): make
    the bucket if there is none (never update it: its start is fixed), watch it (nats-py's
    watcher is an ordered consumer of a generated name: create, info, flow control). Never write."""
    stream = clock_stream(root)
    return [f"{JS_API}.STREAM.INFO.{stream}", f"{JS_API}.STREAM.CREATE.{stream}",
            f"{JS_API}.CONSUMER.CREATE.{stream}", f"{JS_API}.CONSUMER.INFO.{stream}.*", f"$JS.FC.{stream}.>"]


def clock_permissions(topology: Topology) -> Permissions:
    """The ``clock`` user (``duban clock``): read the shared clock and move it, nothing else."""
    root, stream = topology.root, clock_stream(topology.root)
    allow = [f"{JS_API}.STREAM.INFO.{stream}", f"{JS_API}.STREAM.CREATE.{stream}",
             f"{JS_API}.DIRECT.GET.{stream}.{clock_subject(root)}", clock_subject(root)]
    return Permissions(publish=tuple(allow), subscribe=(f"{inbox_prefix(CLOCK_USER)}.>",))


def permissions_for(service: str, topology: Topology, *, simulated_clock: bool = False) -> Permissions:
    """What a service may do; with ``simulated_clock`` also follow the shared clock."""
    user = user_for(service)
    allow = [topology.subject(subject) for subject in produced_subjects(service)]
    allow.append(topology.subject(f"{DEAD_LETTER_PREFIX}.>"))
    streams = [topology.events_stream, topology.commands_stream, topology.dead_letter_stream]
    allow += [f"{JS_API}.STREAM.{action}.{name}" for name in streams for action in ("INFO", "CREATE", "UPDATE")]
    for durable in DURABLES[service]:
        stream = _stream(topology, durable.stream)
        allow += _consumer_calls(stream, durable.name)
        allow.append(f"$JS.ACK.{stream}.{durable.name}.>")
    if simulated_clock:
        allow += clock_reader_calls(topology.root)
    deny: list[str] = []
    for kind in EPHEMERAL_READERS.get(service, ()):
        stream = _stream(topology, kind)
        allow += _consumer_calls(stream, "*")
        deny += [call for other, durables in DURABLES.items() if other != service
                 for durable in durables if durable.stream == kind
                 for call in _consumer_calls(stream, durable.name)]
    return Permissions(publish=tuple(allow), subscribe=(f"{inbox_prefix(user)}.>",), publish_deny=tuple(deny))


# --- the server's configuration ---------------------------------------------------------------
@dataclass(frozen=True)
class EnvRef:
    """A ``$NAME`` reference: the NATS server reads the value from its environment."""

    name: str


@dataclass(frozen=True)
class ServerTls:
    """The server's certificate; ``ca_file`` with ``verify`` also asks clients for theirs."""

    cert_file: Path
    key_file: Path
    ca_file: Path | None = None
    verify: bool = False

    def as_config(self) -> dict[str, object]:
        block: dict[str, object] = {"cert_file": str(self.cert_file), "key_file": str(self.key_file)}
        if self.ca_file:
            block["ca_file"] = str(self.ca_file)
        if self.verify:
            block["verify"] = True
        return block


Password = str | EnvRef


def env_passwords(users: tuple[str, ...] = SERVICES) -> dict[str, Password]:
    """Each user's password as a reference to ``DUBAN_<USER>_NATS_PASSWORD``."""
    return {user: EnvRef(password_variable(user)) for user in users}


def hashed(passwords: Mapping[str, str], cost: int = BCRYPT_COST) -> dict[str, Password]:
    """Bcrypt hashes of plain passwords: the server config never holds a password itself."""
    return {service: bcrypt.hashpw(password.encode(), bcrypt.gensalt(cost)).decode()
            for service, password in passwords.items()}


def server_config(topology: Topology, passwords: Mapping[str, Password], tls: ServerTls | None = None, *,
                  simulated_clock: bool = False) -> str:
    """The ``authorization`` (and ``tls``) blocks of a NATS server config for this topology.
    ``simulated_clock`` (never in production): services may follow the shared simulated clock
    and the ``clock`` user (``passwords["clock"]``) may move it."""
    users = [{"user": user_for(service), "password": passwords[service],
              "permissions": permissions_for(service, topology, simulated_clock=simulated_clock).as_config()}
             for service in SERVICES]
    if simulated_clock:
        users.append({"user": CLOCK_USER, "password": passwords[CLOCK_USER],
                      "permissions": clock_permissions(topology).as_config()})
    config: dict[str, object] = {"authorization": {"users": users}}
    if tls:
        config["tls"] = tls.as_config()
    header = (f"# Duban's NATS users and permissions for the subject root {topology.root!r}.\n"
              "# Generated by `duban nats config` (shared/bus/auth.py); do not edit by hand.\n")
    return header + "\n".join(f"{key}: {_render(value, 0)}" for key, value in config.items()) + "\n"


def _render(value: object, depth: int) -> str:
    """NATS config syntax (JSON-like); an ``EnvRef`` is written as an unquoted ``$NAME``."""
    pad, inner = "  " * depth, "  " * (depth + 1)
    if isinstance(value, EnvRef):
        return f"${value.name}"
    if isinstance(value, dict):
        lines = [f"{inner}{key}: {_render(item, depth + 1)}" for key, item in value.items()]
        return "{\n" + "\n".join(lines) + f"\n{pad}}}"
    if isinstance(value, list):
        if len(value) == 1 and isinstance(value[0], str):
            return f"[{json.dumps(value[0])}]"
        return "[\n" + "\n".join(f"{inner}{_render(item, depth + 1)}" for item in value) + f"\n{pad}]"
    return json.dumps(value)  # strings are quoted, so "$JS.…" and bcrypt hashes stay literal


# --- the passwords `duban run` generates --------------------------------------------------------
def load_or_create_passwords(path: Path) -> dict[str, str]:
    """The passwords of the platform's users (the services and ``clock``) kept in ``path``
    (mode 0600), each generated on first use and kept."""
    stored: dict[str, str] = {}
    if path.exists():
        path.chmod(0o600)  # the owner's only, even if someone loosened it
        stored = json.loads(path.read_text())
        if set(stored) >= set(USERS):
            return {user: stored[user] for user in USERS}
    passwords = {user: stored.get(user) or secrets.token_urlsafe(24) for user in USERS}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        json.dump(passwords, file, indent=2)
    return passwords

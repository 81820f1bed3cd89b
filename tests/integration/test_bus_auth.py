"""The bus's users and permissions, enforced by a real NATS server from the wheel.

The machine's NATS (used by the rest of the suite) has no users and cannot be changed, so
each test here starts its own server with the platform's configuration (shared/bus/auth.py)
on a free port: only the producer a contract names may publish it, each service can do all
it needs and nothing more, and a client without a known user cannot connect.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import ipaddress
import ssl
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import nats
import nats.errors
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from nats.aio.client import Client

from services.cli.ledger_cmd import run_rebuild
from services.ledger.app import create_app as ledger_app
from services.ledger.config import LedgerSettings
from services.notification.app import create_app as notification_app
from services.notification.config import NotificationSettings
from services.reporting.app import create_app as reporting_app
from services.reporting.config import ReportingSettings
from services.workflow.app import create_app as workflow_app
from services.workflow.config import WorkflowSettings
from shared.bus.auth import CLOCK_USER, DURABLES, SERVICES, USERS, ServerTls, hashed, server_config
from shared.bus.clock_kv import ClockFollower, clock_bucket, clock_subject, move_clock, stream_config
from shared.bus.connection import nats_connection
from shared.bus.consumer import consumer_config
from shared.bus.embedded import EmbeddedNats, nats_server_binary
from shared.bus.topology import Topology, ensure_streams
from shared.clock import CHINA, SharedClock
from shared.contracts.base import Message
from shared.contracts.commands import ApproveBulletin, OpenAccountability, SendNotification
from shared.contracts.enums import BulletinKind
from shared.contracts.registry import PRODUCER_HEADER
from shared.contracts.subjects import (
    CMD_APPROVE_BULLETIN,
    CMD_OPEN_ACCOUNTABILITY,
    CMD_SEND_NOTIFICATION,
    EVENTS_WILDCARD,
)
from shared.retry import RetryPolicy
from shared.settings import CommonSettings
from tests.support import infra
from tests.support.eventually import eventually
from tests.support.item_story import ItemStory
from tests.support.services import auth, runtime_for, serving, settings_for
from tests.support.workflow_client import ITEM

PASSWORDS = {user: f"{user}-secret-{n}" for n, user in enumerate(USERS)}
REFUSED = (nats.errors.NoRespondersError, TimeoutError)  # nats-py's TimeoutError is one
# the filter subject of each durable (services/*/app.py) and who produces what arrives there
FILTERS = {"workflow-open-accountability": CMD_OPEN_ACCOUNTABILITY, "workflow-approve-bulletin": CMD_APPROVE_BULLETIN,
           "notification-send": CMD_SEND_NOTIFICATION}


@dataclass
class Secured:
    """A NATS server started with the platform's users, for one topology."""

    url: str
    topology: Topology
    errors: list[str] = field(default_factory=list)

    def settings(self, service: str | None, **tls: object) -> CommonSettings:
        credentials = {"nats_user": service, "nats_password": PASSWORDS[service]} if service else {}
        return CommonSettings(nats_url=self.url, bus_root=self.topology.root, **credentials, **tls)

    @contextlib.asynccontextmanager
    async def client(self, service: str | None, **tls: object) -> AsyncIterator[Client]:
        async def record(error: Exception) -> None:
            self.errors.append(f"{service}: {error}")

        options = nats_connection(self.settings(service, **tls), f"test-{service}").options()
        connection = await nats.connect(**options, error_cb=record, allow_reconnect=False)
        try:
            yield connection
        finally:
            await connection.close()

    def violations(self, service: str) -> list[str]:
        return [e for e in self.errors if e.startswith(f"{service}:") and "permissions violation" in e.lower()]


@contextlib.contextmanager
def secured_server(data_dir: Path, tls: ServerTls | None = None, *, simulated_clock: bool = False) -> Iterator[Secured]:
    topology = Topology(root=infra.unique_root())
    config = server_config(topology, hashed(PASSWORDS, cost=4), tls, simulated_clock=simulated_clock)
    with EmbeddedNats(data_dir, config=config) as server:
        yield Secured(server.url, topology)


@pytest.fixture
async def secured(tmp_path: Path) -> AsyncIterator[Secured]:
    with secured_server(tmp_path / "nats") as server:
        async with server.client("workflow") as workflow:
            await ensure_streams(workflow.jetstream(), server.topology)
        yield server


async def stored(server: Secured, stream: str) -> int:
    async with server.client("workflow") as workflow:
        return (await workflow.jetstream().stream_info(stream)).state.messages


def command_for(durable: str) -> tuple[str, Message]:
    """(producer, message) for what a durable consumes."""
    at = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)
    if FILTERS.get(durable) == CMD_OPEN_ACCOUNTABILITY:
        return "reporting", OpenAccountability(occurred_at=at, actor="system", unit="zjj", reason="通报批评",
                                               item_id=ItemStory().item_id)
    if FILTERS.get(durable) == CMD_APPROVE_BULLETIN:
        return "reporting", ApproveBulletin(occurred_at=at, actor="system", bulletin_id=uuid.uuid4(),
                                            bulletin_kind=BulletinKind.BULLETIN, number="鞍政督通〔2026〕3号",
                                            title="督查通报", period_start=dt.date(2026, 2, 1),
                                            period_end=dt.date(2026, 2, 28))
    if FILTERS.get(durable) == CMD_SEND_NOTIFICATION:
        return "workflow", SendNotification(occurred_at=at, actor="system", recipients=["office"], title="提醒",
                                            body="请及时处理")
    return "workflow", ItemStory().registered()


async def publish(server: Secured, service: str, message: Message) -> None:
    async with server.client(service) as client:
        ack = await client.jetstream().publish(server.topology.subject(message.subject), message.to_json(),
                                               headers={"Nats-Msg-Id": message.msg_id, PRODUCER_HEADER: service},
                                               timeout=2)
        assert ack.seq >= 1


# --- forgery ------------------------------------------------------------------------------------
@pytest.mark.parametrize("forger", ["ledger", "notification", "reporting"])
async def test_a_forged_assignment_from_another_service_is_refused_and_never_stored(secured: Secured,
                                                                                   forger: str) -> None:
    forged = ItemStory(lead="fgw").assigned()
    subject = secured.topology.subject(forged.subject)
    async with secured.client(forger) as client:
        with pytest.raises(REFUSED):  # a JetStream publish gets no stream ack …
            await client.jetstream().publish(subject, forged.to_json(), timeout=0.5)
        await client.publish(subject, forged.to_json())  # … and a plain one is dropped by the server
        await client.flush()
        await eventually(lambda: _value(secured.violations(forger)), lambda found: len(found) >= 2)
    assert f'publish to "{subject}"' in secured.violations(forger)[0]
    assert await stored(secured, secured.topology.events_stream) == 0


async def test_the_workflow_service_may_publish_the_assignment(secured: Secured) -> None:
    await publish(secured, "workflow", ItemStory().assigned())
    assert await stored(secured, secured.topology.events_stream) == 1
    assert secured.violations("workflow") == []


async def test_only_reporting_publishes_bulletins_and_asks_for_accountability(secured: Secured) -> None:
    _, command = command_for("workflow-open-accountability")
    async with secured.client("workflow") as workflow:
        with pytest.raises(REFUSED):
            await workflow.jetstream().publish(secured.topology.subject(command.subject), command.to_json(),
                                               timeout=0.5)
    await publish(secured, "reporting", command)
    assert await stored(secured, secured.topology.commands_stream) == 1


@pytest.mark.parametrize("credentials", [None, ("ledger", "wrong"), ("intruder", "workflow-secret-0")],
                         ids=["anonymous", "wrong-password", "unknown-user"])
async def test_a_client_without_a_known_user_cannot_connect(secured: Secured,
                                                           credentials: tuple[str, str] | None) -> None:
    login = {"user": credentials[0], "password": credentials[1]} if credentials else {}
    with pytest.raises(nats.errors.Error, match="Authorization Violation"):
        await nats.connect(secured.url, allow_reconnect=False, max_reconnect_attempts=0, **login)


# --- what each service needs ------------------------------------------------------------------
@pytest.mark.parametrize("service", SERVICES)
async def test_each_service_declares_consumes_acks_and_dead_letters(secured: Secured, service: str) -> None:
    topology = secured.topology
    retry = RetryPolicy(max_attempts=3, delays=(0.0,))
    async with secured.client(service) as client:
        js = client.jetstream()
        await ensure_streams(js, topology)  # the streams exist: this is the update path
        for durable in DURABLES[service]:
            subject = topology.subject(FILTERS.get(durable.name, EVENTS_WILDCARD))
            stream = topology.stream_for(subject)
            pull = await js.pull_subscribe(subject, durable=durable.name, stream=stream,
                                           config=consumer_config(durable.name, subject, retry, ack_wait=5.0))
            producer, message = command_for(durable.name)
            await publish(secured, producer, message)
            [first] = await pull.fetch(1, timeout=5)
            await first.nak()  # a failed handler's message comes back …
            [again] = await pull.fetch(1, timeout=5)
            assert again.data == message.to_json() and again.metadata.num_delivered == 2
            dead = await js.publish(topology.subject(topology.dead_letter_subject(message.subject)), again.data,
                                    timeout=2)  # … and is dead-lettered …
            assert dead.stream == topology.dead_letter_stream
            await again.ack_sync()  # … and acked
            info = await js.consumer_info(stream, durable.name)
            assert (info.num_pending, info.num_ack_pending) == (0, 0)
    assert secured.violations(service) == []


@pytest.mark.parametrize("service", SERVICES)
async def test_no_service_can_purge_or_delete_a_stream(secured: Secured, service: str) -> None:
    await publish(secured, "workflow", ItemStory().registered())
    events = secured.topology.events_stream
    async with secured.client(service) as client:
        js = client.jetstream(timeout=0.5)  # a refused request is dropped: it times out
        refusals = await asyncio.gather(js.purge_stream(events), js.delete_stream(events),
                                        asyncio.wait_for(js.delete_msg(events, 1), 0.5),  # it ignores the timeout
                                        return_exceptions=True)
        assert all(isinstance(refusal, REFUSED) for refusal in refusals), refusals
    assert await stored(secured, secured.topology.events_stream) == 1
    assert len(secured.violations(service)) == 3


async def test_a_service_cannot_read_another_services_inbox_or_consumer(secured: Secured) -> None:
    async with secured.client("ledger") as ledger:
        await ledger.subscribe("_INBOX.workflow.>")
        await ledger.flush()
        await eventually(lambda: _value(secured.violations("ledger")), lambda found: len(found) == 1)
        assert "subscription" in secured.violations("ledger")[0]
        with pytest.raises(REFUSED):  # the rebuild's ephemeral consumers never reach the others' durables
            await ledger.jetstream(timeout=0.5).pull_subscribe(secured.topology.subject(EVENTS_WILDCARD),
                                                    durable="notification", stream=secured.topology.events_stream)


async def test_the_ledger_rebuild_replays_the_events_as_the_ledger_user(secured: Secured, tmp_path: Path) -> None:
    story = ItemStory()
    for event in (story.registered(), story.approved(), story.assigned()):
        await publish(secured, "workflow", event)
    settings = LedgerSettings(nats_url=secured.url, nats_user="ledger", nats_password=PASSWORDS["ledger"],
                              bus_root=secured.topology.root, database_url=f"sqlite:///{tmp_path / 'ledger.db'}",
                              calendar_dir=tmp_path / "calendar")
    report = await run_rebuild(settings, batch=2)
    assert (report.read, report.applied, report.malformed) == (3, 3, 0)
    assert secured.violations("ledger") == []


async def test_the_four_services_start_and_consume_under_their_permissions(secured: Secured,
                                                                           tmp_path: Path) -> None:
    classes = {"workflow": (WorkflowSettings, workflow_app), "ledger": (LedgerSettings, ledger_app),
               "notification": (NotificationSettings, notification_app),
               "reporting": (ReportingSettings, reporting_app)}
    async with contextlib.AsyncExitStack() as stack:
        clients: dict[str, httpx.AsyncClient] = {}
        for service, (cls, factory) in classes.items():
            settings = settings_for(cls, nats_url=secured.url, database_url=f"sqlite:///{tmp_path / service}.db",
                                    topology=secured.topology, data_dir=tmp_path / service,
                                    nats_user=service, nats_password=PASSWORDS[service])
            clients[service] = await stack.enter_async_context(serving(factory(settings, runtime_for(settings))))
        created = await clients["workflow"].post("/items", json=ITEM, headers=auth("office"))
        assert created.status_code == 201, created.text
        found = await eventually(lambda: clients["ledger"].get("/items", headers=auth("office")),
                                 lambda answer: answer.json()["total"] == 1, timeout=20)
        assert found.json()["items"][0]["title"] == ITEM["title"]
        for durable in ("notification", "reporting"):  # each may read its own consumer only
            async with secured.client(durable) as client:
                js = client.jetstream()
                await eventually(lambda: js.consumer_info(secured.topology.events_stream, durable),
                                 lambda info: info.delivered.stream_seq >= 1 and info.num_ack_pending == 0,
                                 timeout=20)
    assert [e for e in secured.errors if "violation" in e.lower()] == []


# --- the shared simulated clock -----------------------------------------------------------------
@pytest.fixture
async def clocked(tmp_path: Path) -> AsyncIterator[Secured]:
    """A server for a platform on the shared simulated clock (`duban run --simulated-clock`)."""
    with secured_server(tmp_path / "nats", simulated_clock=True) as server:
        async with server.client("workflow") as workflow:
            await ensure_streams(workflow.jetstream(), server.topology)
        yield server


@pytest.mark.parametrize("service", SERVICES)
async def test_each_service_follows_the_shared_clock_but_cannot_move_it(clocked: Secured, service: str) -> None:
    root, start = clocked.topology.root, dt.datetime(2026, 12, 20, 9, 0, tzinfo=CHINA)
    later = start + dt.timedelta(days=30)
    clock = SharedClock()
    async with clocked.client(service) as client:
        follower = ClockFollower(clock, root, start)
        await follower.load(client)  # the first to start makes the bucket, with its start
        assert clock.now() == start
        stop = asyncio.Event()
        following = asyncio.create_task(follower.run(stop))
        js = client.jetstream(timeout=0.5)  # a refused request is dropped: it times out
        kv = await js.key_value(clock_bucket(root))
        refusals = await asyncio.gather(kv.put("now", later.isoformat().encode()),  # moving it
                                        js.update_stream(stream_config(root, later)),  # another start
                                        js.delete_stream(f"KV_{clock_bucket(root)}"),  # a fresh one
                                        return_exceptions=True)
        assert all(isinstance(refusal, REFUSED) for refusal in refusals), refusals
        assert clock.now() == start

        moved = clock.moves()
        async with clocked.client(CLOCK_USER) as clock_user:  # `duban clock advance 3d`
            await move_clock(clock_user.jetstream(), root, lambda now: now + dt.timedelta(days=3))
        await asyncio.wait_for(moved.wait(), 10)
        assert clock.now() == start + dt.timedelta(days=3)
        stop.set()
        await following
    await eventually(lambda: _value(clocked.violations(service)), lambda found: len(found) == 3)
    assert f'"{clock_subject(root).lower()}"' in " ".join(clocked.violations(service)).lower()
    assert clocked.violations(CLOCK_USER) == []


async def test_the_clock_user_may_move_the_clock_and_nothing_else(clocked: Secured) -> None:
    async with clocked.client(CLOCK_USER) as client:
        with pytest.raises(REFUSED):
            await client.jetstream().publish(clocked.topology.subject(ItemStory().assigned().subject), b"{}",
                                             timeout=0.5)
        await client.subscribe("_INBOX.workflow.>")
        await client.flush()
        await eventually(lambda: _value(clocked.violations(CLOCK_USER)), lambda found: len(found) == 2)
    assert await stored(clocked, clocked.topology.events_stream) == 0


def test_without_the_simulated_clock_there_is_no_clock_user_and_no_bucket_to_reach() -> None:
    topology = Topology(root="t1a2b3c")
    assert "clock" not in server_config(topology, hashed(PASSWORDS, cost=4)).replace("clock_", "")
    assert "KV_" not in server_config(topology, hashed(PASSWORDS, cost=4))
    clocked = server_config(topology, hashed(PASSWORDS, cost=4), simulated_clock=True)
    assert 'user: "clock"' in clocked and f"$KV.{clock_bucket(topology.root)}.now" in clocked


# --- TLS ----------------------------------------------------------------------------------------
def _certificates(directory: Path) -> dict[str, Path]:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, as PEM files."""
    now = dt.datetime.now(dt.UTC)

    def issue(name: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Name, signer: ec.EllipticCurvePrivateKey,
              *, ca: bool = False, server: bool = False) -> x509.Certificate:
        builder = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
                   .issuer_name(issuer).public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if server:
            builder = builder.add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]), critical=False)
        return builder.sign(signer, hashes.SHA256())

    files: dict[str, Path] = {}
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "duban test CA")])
    ca = issue("duban test CA", ca_key, ca_name, ca_key, ca=True)
    for name, server in (("server", True), ("client", False)):
        key = ec.generate_private_key(ec.SECP256R1())
        files[f"{name}_cert"] = directory / f"{name}.pem"
        files[f"{name}_cert"].write_bytes(issue(name, key, ca_name, ca_key, server=server)
                                          .public_bytes(serialization.Encoding.PEM))
        files[f"{name}_key"] = directory / f"{name}.key"
        files[f"{name}_key"].write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                           serialization.PrivateFormat.PKCS8,
                                                           serialization.NoEncryption()))
    files["ca"] = directory / "ca.pem"
    files["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return files


async def test_over_tls_the_client_verifies_the_server_and_shows_its_certificate(tmp_path: Path) -> None:
    pem = _certificates(tmp_path)
    tls = ServerTls(cert_file=pem["server_cert"], key_file=pem["server_key"], ca_file=pem["ca"], verify=True)
    with secured_server(tmp_path / "nats", tls) as server:
        client_tls = {"nats_tls_ca": pem["ca"], "nats_tls_cert": pem["client_cert"], "nats_tls_key": pem["client_key"]}
        async with server.client("workflow", **client_tls) as workflow:
            await ensure_streams(workflow.jetstream(), server.topology)
            assert workflow.connected_url is not None and workflow.client_id is not None
        with pytest.raises(ssl.SSLCertVerificationError):  # the server's CA is not one the system trusts
            async with server.client("workflow", nats_tls_cert=pem["client_cert"], nats_tls_key=pem["client_key"]):
                pass
        with pytest.raises((ssl.SSLError, ConnectionError, nats.errors.Error)):  # no client certificate
            async with server.client("workflow", nats_tls_ca=pem["ca"]):
                pass


async def _value(value: object) -> object:
    return value


def test_the_secured_config_is_valid_for_the_wheels_server(tmp_path: Path) -> None:
    """A sanity check of the generated config itself (``nats-server -t``)."""
    path = tmp_path / "auth.conf"
    for simulated_clock in (False, True):
        path.write_text(server_config(Topology(), hashed(PASSWORDS, cost=4), simulated_clock=simulated_clock))
        checked = subprocess.run([str(nats_server_binary()), "-t", "-c", str(path)], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stdout + checked.stderr

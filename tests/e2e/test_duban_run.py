"""``duban run`` on a machine with nothing configured: embedded NATS, SQLite, four services."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import os
import re
import signal
import socket
import stat
import subprocess
from pathlib import Path

import httpx
import nats
import nats.errors
import pytest

from shared.bus.auth import CLOCK_USER, SERVICES
from tests.support.duban_run import BIN, Tokens, free_port_block, polled, read_until, register_and_approve
from tests.support.services import REPO


def test_duban_run_brings_up_the_platform_and_stops_cleanly(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("DUBAN_") and k not in ("NATS_URL", "DATABASE_URL")}
    env.update(DUBAN_DATA_DIR=str(tmp_path / "var"), DUBAN_CALENDAR_DIR=str(tmp_path / "var" / "calendar"),
               DUBAN_ORG_FILE=str(REPO / "deploy" / "org.example.yaml"),
               DUBAN_WORKFLOW_WORKFLOWS_DIR=str(REPO / "workflows"), PYTHONUNBUFFERED="1")
    base = free_port_block()
    output = tmp_path / "stdout.txt"
    with output.open("wb") as sink:
        process = subprocess.Popen([str(BIN / "duban"), "run", "--base-port", str(base)], cwd=tmp_path, env=env,
                                   stdout=sink, stderr=(tmp_path / "stderr.txt").open("wb"))
    try:
        banner = read_until(process, output, "Press Ctrl-C to stop.", timeout=90)
        assert "Duban is running (development mode):" in banner
        urls = [f"http://127.0.0.1:{base + i}" for i in range(4)]
        for url in urls:
            assert url in banner
            ready = httpx.get(f"{url}/readyz", timeout=5)
            assert ready.status_code == 200, ready.text
        token = subprocess.run([str(BIN / "duban"), "token", "--user", "office"], env=env, cwd=tmp_path,
                               capture_output=True, text=True, check=True).stdout.strip()
        units = httpx.get(f"{urls[0]}/units", headers={"Authorization": f"Bearer {token}"}, timeout=5)
        assert units.status_code == 200 and units.json()["total"] >= 6
        assert httpx.get(f"{urls[1]}/me", timeout=5).status_code == 401
        assert sorted(p.name for p in (tmp_path / "var").glob("*.db")) == [
            "ledger.db", "notification.db", "reporting.db", "workflow.db"]
        tokens = Tokens(env, tmp_path)
        assert_an_item_reaches_the_mailbox_and_the_ledger(urls, tokens, tmp_path)
        assert_the_embedded_nats_admits_only_the_services(tmp_path / "var" / "nats", tmp_path / "stderr.txt")
        assert_a_killed_service_and_a_killed_nats_come_back(urls, tokens, tmp_path, tmp_path / "stderr.txt")
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=60)
    assert code == 0
    for port in range(base, base + 4):
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still open after Ctrl-C"
    assert not list((tmp_path / "var" / "nats" / "ports").glob("*.ports")), "embedded NATS still running"


def assert_the_embedded_nats_admits_only_the_services(nats_dir: Path, log: Path) -> None:
    """Its passwords are the owner's only, each service is given its own (never the ``clock``
    user's, which only `duban clock` reads), and a client without a service's user is refused."""
    assert stat.S_IMODE((nats_dir / "passwords.json").stat().st_mode) == 0o600
    passwords = json.loads((nats_dir / "passwords.json").read_text())
    assert sorted(passwords) == sorted([*SERVICES, CLOCK_USER])
    started = re.findall(r"(\w+) started \(pid (\d+)\)", log.read_text())
    assert sorted(service for service, _ in started) == sorted(SERVICES)
    for service, pid in started:
        environ = dict(line.split("=", 1) for line in Path(f"/proc/{pid}/environ").read_text().split("\0") if line)
        given = {k: v for k, v in environ.items() if k.endswith("_NATS_PASSWORD")}
        assert given == {f"DUBAN_{service.upper()}_NATS_PASSWORD": passwords[service]}, service
        assert environ[f"DUBAN_{service.upper()}_NATS_USER"] == service
    assert stat.S_IMODE((nats_dir / "nats-server.conf").stat().st_mode) == 0o600
    url = f"nats://127.0.0.1:{json.loads((nats_dir / 'ports.json').read_text())['client']}"
    with pytest.raises(nats.errors.Error, match="Authorization Violation"):
        asyncio.run(nats.connect(url, allow_reconnect=False, max_reconnect_attempts=0))


def assert_a_killed_service_and_a_killed_nats_come_back(urls: list[str], tokens: Tokens, cwd: Path,
                                                        log: Path) -> None:
    """SIGKILL the ledger: it is restarted and answers again. SIGKILL NATS: it is restarted on the
    same port and data directory, and a new item still goes through to the ledger."""
    [ledger_pid] = re.findall(r"ledger started \(pid (\d+)\)", log.read_text())
    os.kill(int(ledger_pid), signal.SIGKILL)
    polled(lambda: "ledger restarted" in log.read_text(), "the killed ledger was not restarted")
    assert "ledger exited with -9" in log.read_text()
    polled(lambda: _ready(f"{urls[1]}/readyz"), "the restarted ledger does not answer", timeout=60)

    [ports_file] = (cwd / "var" / "nats" / "ports").glob("nats-server_*.ports")
    nats_url = json.loads(ports_file.read_text())["nats"][0]
    os.kill(int(ports_file.stem.rsplit("_", 1)[1]), signal.SIGKILL)
    polled(lambda: "embedded NATS restarted" in log.read_text(), "the killed NATS was not restarted")
    [ports_file] = polled(lambda: list((cwd / "var" / "nats" / "ports").glob("nats-server_*.ports")),
                          "the restarted NATS wrote no ports file")
    assert json.loads(ports_file.read_text())["nats"][0] == nats_url  # same port for the services
    register_and_approve(urls[0], tokens, "清理背街小巷垃圾")
    polled(lambda: "清理背街小巷垃圾" in [row["title"] for row in httpx.get(
        f"{urls[1]}/items", headers=tokens("office"), timeout=5).json()["items"]],
        "an item registered after the NATS restart did not reach the ledger", timeout=60)


def _ready(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def assert_an_item_reaches_the_mailbox_and_the_ledger(urls: list[str], tokens: Tokens, cwd: Path) -> None:
    """Workflow → NATS → notification → the local SMTP server of ``duban run``, and → ledger."""
    register_and_approve(urls[0], tokens, "整治城区道路积水点")
    mail_dir = cwd / "var" / "mail" / "new"

    def mails_to(address: str) -> list[email.message.EmailMessage]:
        found = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in mail_dir.glob("*")]
        return [m for m in found if address in m["To"]]  # type: ignore[misc]

    mails = polled(lambda: mails_to("zjj-liaison@example.gov.cn"),
                   "no mail reached the lead unit through the local SMTP server")
    assert "整治城区道路积水点" in mails[0].get_body(preferencelist=("plain",)).get_content()
    # … and into the ledger (台帐), assigned with a green light
    [row] = polled(lambda: httpx.get(f"{urls[1]}/items", headers=tokens("office"), timeout=5).json()["items"],
                   "the item did not reach the ledger")
    assert (row["title"], row["status"], row["light"]) == ("整治城区道路积水点", "assigned", "green")

"""The whole platform as OS processes for a benchmark: the four services (``python -m
services.<name>``, as ``duban run`` starts them), a local SMTP sink, the database and the
broker they use, and the pids to measure.

Each service connects to PostgreSQL with ``application_name=<prefix><service>``, so the
backends serving it can be found in ``pg_stat_activity`` and measured.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("workflow", "ledger", "notification", "reporting")
BENCH_SECRET = "bench-secret-0123456789abcdef0123456789"
APP_PREFIX = "bench-"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Platform:
    urls: dict[str, str]
    pids: dict[str, int]  # service name -> pid
    database_url: str  # the services' database (a schema of its own on PostgreSQL)
    bus_root: str
    work_dir: Path
    mail_pid: int


def with_application_name(url: str, name: str, log_statements: bool = False) -> str:
    """The URL with ``application_name``; with ``log_statements``, the server logs every
    statement of these connections (``log_statement=all``, for this session only; superuser)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return url
    query = {"application_name": name}
    if log_statements:
        query["options"] = f"{parsed.query.get('options', '')} -clog_statement=all".strip()
    return parsed.update_query_dict(query).render_as_string(hide_password=False)


def service_env(work_dir: Path, *, nats_url: str, bus_root: str, database_url: str | None, smtp_port: int,
                log_level: str, log_statements: bool = False) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_") and k not in ("NATS_URL", "DATABASE_URL")}
    env.update(DUBAN_DATA_DIR=str(work_dir), DUBAN_CALENDAR_DIR=str(work_dir / "calendar"),
               DUBAN_ORG_FILE=str(ROOT / "deploy" / "org.example.yaml"), DUBAN_NATS_URL=nats_url,
               DUBAN_BUS_ROOT=bus_root, DUBAN_JWT_SECRET=BENCH_SECRET, DUBAN_LOG_LEVEL=log_level,
               DUBAN_WORKFLOW_WORKFLOWS_DIR=str(ROOT / "workflows"),
               DUBAN_NOTIFICATION_SMTP_HOST="127.0.0.1", DUBAN_NOTIFICATION_SMTP_PORT=str(smtp_port))
    for name in SERVICES:
        if database_url:
            env[f"DUBAN_{name.upper()}_DATABASE_URL"] = with_application_name(database_url, APP_PREFIX + name,
                                                                               log_statements)
    return env


@contextlib.contextmanager
def mail_sink(work_dir: Path) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """aiosmtpd's ``Sink`` handler in a process of its own: accepts every mail and keeps none."""
    port = free_port()
    with (work_dir / "smtp.log").open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                                    "-c", "aiosmtpd.handlers.Sink"], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the SMTP sink did not start: {(work_dir / 'smtp.log').read_text()[-2000:]}")
            time.sleep(0.05)  # waiting for another process to listen
        yield port, process
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextlib.contextmanager
def running_platform(work_dir: Path, *, nats_url: str, database_url: str | None, log_level: str = "INFO",
                     log_statements: bool = False, start_timeout: float = 90.0) -> Iterator[Platform]:
    """Start the four services (SQLite files under ``work_dir`` unless ``database_url``), wait
    until each answers ``/readyz``, and stop them (SIGTERM) afterwards."""
    bus_root = f"b{uuid.uuid4().hex[:10]}"
    ports = {name: free_port() for name in SERVICES}
    children: dict[str, subprocess.Popen[bytes]] = {}
    with mail_sink(work_dir) as (smtp_port, mail):
        env = service_env(work_dir, nats_url=nats_url, bus_root=bus_root, database_url=database_url,
                          smtp_port=smtp_port, log_level=log_level, log_statements=log_statements)
        try:
            for name in SERVICES:
                with (work_dir / f"{name}.log").open("wb") as log:
                    children[name] = subprocess.Popen(
                        [sys.executable, "-m", f"services.{name}"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                        env={**env, f"DUBAN_{name.upper()}_PORT": str(ports[name])})
            urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
            wait_ready(urls, children, work_dir, start_timeout)
            yield Platform(urls, {n: c.pid for n, c in children.items()}, database_url or "", bus_root, work_dir,
                           mail.pid)
        finally:
            for child in children.values():
                child.terminate()
            for child in children.values():
                try:
                    child.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    child.kill()


def wait_ready(urls: dict[str, str], children: dict[str, subprocess.Popen[bytes]], work_dir: Path,
               timeout: float) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2.0) as client:
        for name, url in urls.items():
            while True:
                if children[name].poll() is not None:
                    raise RuntimeError(f"{name} exited: {(work_dir / f'{name}.log').read_text()[-3000:]}")
                with contextlib.suppress(httpx.HTTPError):
                    if client.get(f"{url}/readyz").status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} was not ready in {timeout:.0f}s")
                time.sleep(0.1)  # waiting on another process

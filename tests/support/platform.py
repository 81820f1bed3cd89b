"""The four services as OS processes on free ports, for tests that need real servers
(fuzzing with schemathesis over HTTP)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.services import REPO, TEST_SECRET

SERVICES = ("workflow", "ledger", "notification", "reporting")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Platform:
    urls: dict[str, str]
    data_dir: Path


@contextlib.contextmanager
def platform(data_dir: Path, *, nats_url: str, bus_root: str, database_url: str | None = None,
             start_timeout: float = 60.0) -> Iterator[Platform]:
    """Start the services (SQLite files under ``data_dir`` unless ``database_url``), wait until
    each answers ``/healthz``, and stop them afterwards."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_") and k not in ("NATS_URL", "DATABASE_URL")}
    env.update(DUBAN_DATA_DIR=str(data_dir), DUBAN_CALENDAR_DIR=str(data_dir / "calendar"),
               DUBAN_ORG_FILE=str(REPO / "deploy" / "org.example.yaml"), DUBAN_NATS_URL=nats_url,
               DUBAN_BUS_ROOT=bus_root, DUBAN_JWT_SECRET=TEST_SECRET, DUBAN_LOG_LEVEL="WARNING",
               DUBAN_WORKFLOW_WORKFLOWS_DIR=str(REPO / "workflows"), DUBAN_RETRY_DELAYS="[0.1]")
    if database_url:
        env["DUBAN_DATABASE_URL"] = database_url
    ports = {name: free_port() for name in SERVICES}
    children = {}
    logs = {}
    try:
        for name in SERVICES:
            logs[name] = (data_dir / f"{name}.log").open("wb")
            children[name] = subprocess.Popen(
                [sys.executable, "-m", f"services.{name}"], cwd=REPO, stdout=logs[name], stderr=subprocess.STDOUT,
                env={**env, f"DUBAN_{name.upper()}_PORT": str(ports[name])})
        urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        deadline = time.monotonic() + start_timeout
        with httpx.Client(timeout=2.0) as client:
            for name, url in urls.items():
                while True:
                    if children[name].poll() is not None:
                        raise RuntimeError(f"{name} exited: {(data_dir / f'{name}.log').read_text()[-3000:]}")
                    try:
                        if client.get(f"{url}/healthz").status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{name} did not start in {start_timeout}s")
                    time.sleep(0.1)  # waiting on another process, not business time
        yield Platform(urls, data_dir)
    finally:
        for child in children.values():
            child.terminate()
        for child in children.values():
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
        for log in logs.values():
            log.close()

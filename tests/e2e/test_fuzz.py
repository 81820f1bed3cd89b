"""Schemathesis (``--checks all``) against each service's OpenAPI over real HTTP, as the
office, a unit's liaison, a leader and an admin: no 5xx, no answer outside the documented
schema and statuses, no invalid input accepted. ``make fuzz`` runs it with more examples."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import nats
import pytest

from shared.bus.topology import Topology, delete_streams
from tests.support import infra
from tests.support.platform import SERVICES, Platform, platform
from tests.support.services import REPO, token
from tests.support.workflow_client import ITEM

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
CONFIG = REPO / "tests" / "fuzz" / "schemathesis.toml"
EXAMPLES = int(os.environ.get("DUBAN_FUZZ_EXAMPLES", "10"))
USERS = ("office", "zjj-liaison", "leader", "admin")


def backends() -> list[str]:
    return ["sqlite", "postgresql"] if infra.postgres_configured() else ["sqlite"]


@pytest.fixture(scope="module", params=backends())
def running(request: pytest.FixtureRequest, nats_url: str, postgres_url: str | None,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    root = infra.unique_root()
    schema = infra.postgres_schema(postgres_url) if request.param == "postgresql" else None
    url = schema.__enter__() if schema else None
    try:
        with platform(tmp_path_factory.mktemp(f"fuzz-{request.param}"), nats_url=nats_url, bus_root=root,
                      database_url=url) as started:
            seed(started)
            yield started
    finally:
        if schema:
            schema.__exit__(None, None, None)
        remove_streams(nats_url, root)


def seed(started: Platform) -> None:
    """One registered item, so some generated requests meet real data."""
    answer = httpx.post(f"{started.urls['workflow']}/items", json=ITEM,
                        headers={"Authorization": f"Bearer {token('office')}"}, timeout=30)
    assert answer.status_code == 201, answer.text


def remove_streams(nats_url: str, root: str) -> None:
    async def remove() -> None:
        connection = await nats.connect(nats_url)
        await delete_streams(connection.jetstream(), Topology(root=root))
        await connection.close()

    import asyncio

    asyncio.run(remove())


@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize("service", SERVICES)
def test_no_server_error_and_no_schema_violation(running: Platform, service: str, user: str,
                                                 tmp_path: Path) -> None:
    command = [str(SCHEMATHESIS), "--config-file", str(CONFIG), "--no-color", "run",
               f"{running.urls[service]}/openapi.json", "--checks", "all", "--max-examples", str(EXAMPLES),
               "--seed", "8",
               # one worker: with two, Hypothesis's lambda descriptions race in CPython 3.11's AST
               # constructor ("AST constructor recursion depth mismatch"), a Runtime Error of the tool
               "--workers", "1", "--request-timeout", "30",
               "-H", f"Authorization: Bearer {token(user)}", "--report", "junit", "--report-dir", str(tmp_path)]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    summary = done.stdout[-6000:]
    if done.returncode:  # the whole report, for a look afterwards
        (tmp_path / "schemathesis.txt").write_text(done.stdout + done.stderr)
    assert done.returncode == 0, f"schemathesis found problems in {service} as {user}:\n{summary}"
    assert "generated" in summary and " passed" in summary

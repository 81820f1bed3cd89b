"""Fixtures shared by every test: real NATS, real databases, isolated names."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import nats
import pytest

from shared.bus.connection import BusConnection, NatsConnection
from shared.bus.topology import Topology, delete_streams, ensure_streams
from tests.support import infra

_POSTGRES_AVAILABLE = infra.postgres_configured() or infra.docker_available()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``database_url`` runs each test on SQLite, and on PostgreSQL where there is one."""
    if "database_url" in metafunc.fixturenames:
        backends = ["sqlite", "postgresql"] if _POSTGRES_AVAILABLE else ["sqlite"]
        metafunc.parametrize("database_backend", backends, scope="function")


@pytest.fixture(scope="session")
def nats_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with infra.nats_server(tmp_path_factory.mktemp("nats")) as url:
        yield url


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    with infra.postgres_server() as url:
        yield url


@pytest.fixture
def database_url(database_backend: str, postgres_url: str | None, tmp_path: Path) -> Iterator[str]:
    if database_backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
    else:
        assert postgres_url, "PostgreSQL was expected for this run"
        with infra.postgres_schema(postgres_url) as url:
            yield url


@pytest.fixture
async def topology(nats_url: str) -> AsyncIterator[Topology]:
    """A topology under a root of its own: its own subjects and streams, removed afterwards."""
    topology = Topology(root=infra.unique_root())
    connection = await nats.connect(nats_url)
    js = connection.jetstream()
    await ensure_streams(js, topology)
    try:
        yield topology
    finally:
        await delete_streams(js, topology)
        await connection.close()


@pytest.fixture
async def bus(nats_url: str) -> AsyncIterator[BusConnection]:
    """A connection as a service holds one, for publishers and consumers built by the test."""
    async with BusConnection(NatsConnection(url=nats_url, name="test")) as bus:
        yield bus


@pytest.fixture(autouse=True)
def _no_ambient_service_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests build settings explicitly; the caller's DUBAN_* variables must not leak in."""
    for name in list(os.environ):
        if name.startswith("DUBAN_"):
            monkeypatch.delenv(name)

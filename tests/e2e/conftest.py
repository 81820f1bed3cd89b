"""Fixtures of the end-to-end tests: a settable clock and the workflow service on it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from services.workflow.app import create_app
from services.workflow.config import WorkflowSettings
from shared.bus.topology import Topology
from shared.clock import SettableClock
from tests.support.services import NOW, runtime_for, settings_for


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(NOW)


@pytest.fixture
def make_workflow_app(nats_url: str, database_url: str, topology: Topology, tmp_path: Path,
                      clock: SettableClock) -> Callable[..., FastAPI]:
    """``make_workflow_app(workflows_dir, **settings)``: the workflow service on this test's
    NATS topology, database and clock."""

    def make(workflows_dir: Path, **overrides: Any) -> FastAPI:
        settings = settings_for(WorkflowSettings, nats_url=nats_url, database_url=database_url, topology=topology,
                                data_dir=tmp_path, workflows_dir=workflows_dir, **overrides)
        return create_app(settings, deps=runtime_for(settings, clock))

    return make

"""Fixtures of the end-to-end tests: a settable clock and the workflow service on it; for the
browser tests, `duban run` with the console (``console_url``, which a module overrides to run it
with other settings) and Chromium on it (``browser``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from services.workflow.app import create_app
from services.workflow.config import WorkflowSettings
from shared.bus.topology import Topology
from shared.clock import SettableClock
from tests.support.console_browser import CHROMIUM, playwright_api, run_console
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


@pytest.fixture(scope="module")
def console_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from run_console(tmp_path_factory)


@pytest.fixture(scope="module")
def browser(console_url: str) -> Iterator[object]:
    if playwright_api is None:
        pytest.skip("the playwright package is not installed (make install): the browser tests need it")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()

"""Service logging: SpiffWorkflow's task chatter stays out of the log unless asked for."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from services.workflow.engine.definitions import Definitions
from services.workflow.engine.runner import Engine
from shared.calendar import load_calendar
from shared.clock import SettableClock
from shared.logs import SPIFF_LOGGERS, configure_logging
from tests.support.services import NOW, REPO


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """configure_logging's output in a buffer; the process's logging as it was afterwards."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level, {name: logging.getLogger(name).level for name in SPIFF_LOGGERS}
    out = io.StringIO()
    yield out
    root.handlers[:], root.level = saved[0], saved[1]
    for name, level in saved[2].items():
        logging.getLogger(name).setLevel(level)


def configure_into(out: io.StringIO, level: str) -> None:
    configure_logging("workflow", level)
    logging.getLogger().handlers[0].setStream(out)  # type: ignore[attr-defined]


def start_an_item() -> None:
    """Start a real assignment process: SpiffWorkflow changes the state of many tasks."""
    definitions = Definitions({p.name: p.read_bytes() for p in sorted((REPO / "workflows").glob("*.bpmn"))})
    engine = Engine(SettableClock(NOW), load_calendar(None))
    engine.start(definitions, "assignment", {
        "item_id": "00000000-0000-0000-0000-000000000001", "code": "督办〔2026〕1号", "title": "推进老旧小区改造",
        "source": "work_report_target", "urgency": "normal", "lead_unit": "zjj", "co_units": [], "leader": "leader",
        "major": False, "public": False, "livelihood": False, "cadence": "none",
        "registered_on": NOW.date().isoformat(), "lookback_months": 3})


def loggers_in(out: io.StringIO) -> set[str]:
    return {json.loads(line)["logger"] for line in out.getvalue().splitlines()}


def test_at_info_the_engine_logs_warnings_only_and_attaches_no_task_data(captured: io.StringIO) -> None:
    configure_into(captured, "INFO")
    start_an_item()
    logging.getLogger("spiff.task").warning("a real warning")
    logging.getLogger("duban.workflow").info("the service's own line")
    lines = [json.loads(line) for line in captured.getvalue().splitlines()]
    assert [(line["logger"], line["message"]) for line in lines] == [
        ("spiff.task", "a real warning"), ("duban.workflow", "the service's own line")]
    # SpiffWorkflow builds its extras before it asks whether to log: at WARNING they carry no data
    assert logging.getLogger("spiff.task").level == logging.WARNING


def test_at_debug_the_engine_says_everything(captured: io.StringIO) -> None:
    configure_into(captured, "DEBUG")
    start_an_item()
    assert {"spiff.task", "spiff.workflow"} <= loggers_in(captured)

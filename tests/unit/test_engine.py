"""The engine seam: clock-driven timers, script helpers, emitted events, save and restore."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from lxml import etree

from services.workflow.engine.definitions import Definitions
from services.workflow.engine.parser import UnsafeXml
from services.workflow.engine.runner import Engine, Run, TaskNotReady
from services.workflow.engine.scripts import add_months, end_of_day
from shared.calendar import load_calendar
from shared.clock import CHINA, SettableClock

FIXTURE = Path(__file__).parents[1] / "fixtures" / "engine" / "sign_demo.bpmn"
XML_ATTACKS = Path(__file__).parents[1] / "fixtures" / "xml"
# Tuesday 2025-09-30 10:00 in Beijing: the next working day is Thursday 2025-10-09
START = dt.datetime(2025, 9, 30, 10, 0, tzinfo=CHINA)


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(START)


@pytest.fixture
def engine(clock: SettableClock) -> Engine:
    return Engine(clock, load_calendar(None))


@pytest.fixture
def definitions() -> Definitions:
    return Definitions({FIXTURE.name: FIXTURE.read_bytes()})


def round_trip(engine: Engine, definitions: Definitions, run: Run) -> Run:
    state = engine.dump(run)
    assert "spec" not in json.loads(state)  # the spec is stored once per version, not per row
    return engine.load(definitions, "sign_demo", state)


def test_deadline_from_working_days_and_timer_on_the_services_clock(
        engine: Engine, definitions: Definitions, clock: SettableClock) -> None:
    run, emitted = engine.start(definitions, "sign_demo", {"lead_unit": "tiexi"})
    assert emitted == []
    [task] = run.ready_tasks()
    assert run.active_element_ids() == ["Event_sign_late", "Task_sign"]
    assert (task.kind, task.assignee, task.due) == ("sign", "unit:lead_unit:liaison", "2025-10-09")
    assert run.next_timer_due() == dt.datetime(2025, 10, 9, 23, 59, 59, tzinfo=CHINA)

    run = round_trip(engine, definitions, run)
    clock.set(dt.datetime(2025, 10, 9, 23, 59, 58, tzinfo=CHINA))
    assert run.settle() == []  # one second before the end of the due day: nothing fires
    clock.set(dt.datetime(2025, 10, 10, 0, 0, tzinfo=CHINA))
    run = round_trip(engine, definitions, run)
    assert run.settle() == [("deadline.reminder", {"deadline": "sign", "due_date": "2025-10-09", "unit": "tiexi"})]
    [still_open] = run.ready_tasks()  # the reminder did not take the task away
    assert still_open.id == task.id
    assert run.next_timer_due() is None


def test_completing_a_task_runs_on_and_a_finished_task_is_refused(
        engine: Engine, definitions: Definitions) -> None:
    run, _ = engine.start(definitions, "sign_demo", {"lead_unit": "tiexi"})
    [task] = run.ready_tasks()
    run = round_trip(engine, definitions, run)
    emitted = run.complete(task.id, {"sign": {"comment": "已收到"}})
    assert emitted == [("item.signed", {"unit": "tiexi", "comment": "已收到"})]
    assert run.completed and run.ready_tasks() == []
    with pytest.raises(TaskNotReady):
        run.complete(task.id, {"sign": {}})
    assert {"Task_sign", "Task_signed", "EndEvent_done"} <= set(run.completed_element_ids())
    assert run.active_element_ids() == []


def test_date_helpers() -> None:
    assert end_of_day("2025-10-11") == "2025-10-11T23:59:59+08:00"
    assert add_months("2026-01-31", 1) == "2026-02-28"
    assert add_months("2026-11-30", 3) == "2027-02-28"


def test_restored_specs_are_kept_for_a_few_versions_only(clock: SettableClock, definitions: Definitions) -> None:
    engine = Engine(clock, load_calendar(None), spec_cache_size=2)
    state = engine.dump(engine.start(definitions, "sign_demo", {"lead_unit": "tiexi"})[0])
    spec = json.loads(definitions.spec_json("sign_demo"))
    versions = [json.dumps(spec, indent=i) for i in range(3)]  # three stored versions of the same process

    first = engine.restore(versions[0], state).workflow.spec
    assert engine.restore(versions[0], state).workflow.spec is first  # restored once, shared by its rows
    engine.restore(versions[1], state)
    engine.restore(versions[0], state)  # used again: now the most recent
    engine.restore(versions[2], state)  # a third version pushes out the least recently used (versions[1])
    assert len(engine._specs) == 2
    assert engine.restore(versions[0], state).workflow.spec is first
    assert engine.restore(versions[1], state).ready_tasks()[0].kind == "sign"  # restored again when it comes back


def test_definitions_refuse_entities_at_load() -> None:
    """Loading (not only the deploy check) parses safely: no expansion, no external entity read."""
    with pytest.raises((UnsafeXml, etree.XMLSyntaxError)):
        Definitions({"lolz.bpmn": (XML_ATTACKS / "billion_laughs.xml").read_bytes()})
    with pytest.raises(UnsafeXml, match="DOCTYPE"):
        Definitions({"leak.bpmn": (XML_ATTACKS / "external_entity.xml").read_bytes()})

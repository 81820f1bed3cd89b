"""Drives an item's BPMN processes the way the workflow service does, for path tests.

One ``ItemDriver`` is one item: the real files of ``workflows/`` parsed together, an engine
on a ``SettableClock`` (Beijing time), and every step saved and restored through
``Engine.dump``/``Engine.load`` before and after it runs (and held to SpiffWorkflow's stock
restore: tests/support/stock_restore.py). Each emitted event is checked
against its contract with ``services.workflow.adapters.emitted.to_event``, as the service does.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path
from typing import Any
from uuid import UUID

from services.workflow.adapters.emitted import to_event
from services.workflow.engine.definitions import Definitions
from services.workflow.engine.runner import Emitted, Engine, Run, UserTask
from shared.calendar import load_calendar
from shared.clock import CHINA, SettableClock
from tests.support.stock_restore import same_as_stock

ROOT = Path(__file__).parents[2]
WORKFLOWS = ROOT / "workflows"
ITEM_ID = UUID("5f1c2d3e-4a5b-4c6d-8e7f-901234567890")
# Tuesday 2025-09-30 10:00 in Beijing: the National Day holidays (10-01..10-08) come next,
# Saturday 10-11 is a working day. One working day on is 10-09, five is 10-14.
START = dt.datetime(2025, 9, 30, 10, 0, tzinfo=CHINA)
ACCOUNTABILITY_KINDS = ("decide_measure", "explain", "verify_explanation")


@cache
def definitions() -> Definitions:
    """The real files of workflows/, parsed together as the service deploys them."""
    return Definitions({p.name: p.read_bytes() for p in sorted(WORKFLOWS.glob("*.bpmn"))})


def item_variables(**overrides: Any) -> dict[str, Any]:
    """What the service puts into a new ``assignment`` instance (workflows/README.md)."""
    variables: dict[str, Any] = {
        "item_id": str(ITEM_ID), "code": "督办〔2025〕18号", "title": "推进老旧小区改造",
        "source": "work_report_target", "urgency": "normal", "lead_unit": "zjj", "co_units": ["tiedong"],
        "leader": "vice_mayor_li", "major": False, "public": False, "livelihood": False, "cadence": "none",
        "registered_on": "2025-09-30",
    }
    variables.update(overrides)
    return variables


def at(text: str) -> dt.datetime:
    """``"2025-10-14 23:59"`` in Beijing."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=CHINA)


class ItemDriver:
    def __init__(self, start: dt.datetime = START, process_id: str = "assignment") -> None:
        self.clock = SettableClock(start)
        self.engine = Engine(self.clock, load_calendar(None))
        self.process_id = process_id
        self.run: Run | None = None
        self.events: list[Emitted] = []

    # -- inputs -------------------------------------------------------------------------------
    def start(self, **overrides: Any) -> list[Emitted]:
        self.run, emitted = self.engine.start(definitions(), self.process_id, item_variables(**overrides))
        return self._record(emitted)

    def complete(self, kind: str, form: dict[str, Any] | None = None) -> list[Emitted]:
        """Completes the single ready task of ``kind``; its form lands under ``kind``."""
        task = self.task(kind)
        return self._step(lambda run: run.complete(task.id, {kind: form or {}}))

    def send(self, name: str, payload: dict[str, Any]) -> list[Emitted]:
        return self._step(lambda run: run.send_message(name, payload))

    def advance_to(self, when: dt.datetime | str) -> list[Emitted]:
        self.clock.set(at(when) if isinstance(when, str) else when)
        return self._step(lambda run: run.settle())

    def finish_accountability(self) -> list[Emitted]:
        """Takes every open accountability case to its end (measure decided, explained, accepted)."""
        emitted: list[Emitted] = []
        forms = {"decide_measure": {"measure": "criticism", "comment": "通报批评"},
                 "explain": {"causes": "工作安排不当", "measures": "明确专人负责，按期报告"},
                 "verify_explanation": {"decision": "accept", "comment": ""}}
        while tasks := [t for t in self.ready() if t.kind in ACCOUNTABILITY_KINDS]:
            task = tasks[0]
            emitted += self._step(lambda run, task=task: run.complete(task.id, {task.kind: forms[task.kind]}))
        return emitted

    # -- questions ------------------------------------------------------------------------------
    def ready(self) -> list[UserTask]:
        return self._loaded().ready_tasks()

    def kinds(self) -> list[str]:
        """The kinds of the ready tasks, accountability's left out."""
        return sorted(t.kind for t in self.ready() if t.kind not in ACCOUNTABILITY_KINDS)

    def task(self, kind: str) -> UserTask:
        tasks = [t for t in self.ready() if t.kind == kind]
        assert len(tasks) == 1, f"expected one ready {kind!r} task, found {[t.kind for t in self.ready()]}"
        return tasks[0]

    def emitted(self, kind: str) -> list[dict[str, Any]]:
        return [fields for k, fields in self.events if k == kind]

    def last(self, kind: str) -> dict[str, Any]:
        found = self.emitted(kind)
        assert found, f"no {kind!r} emitted; got {[k for k, _ in self.events]}"
        return found[-1]

    @property
    def completed(self) -> bool:
        return self._loaded().completed

    @property
    def data(self) -> dict[str, Any]:
        return self._loaded().data

    def next_timer_due(self) -> dt.datetime | None:
        return self._loaded().next_timer_due()

    def visited(self) -> set[str]:
        run = self._loaded()
        return set(run.completed_element_ids()) | set(run.active_element_ids())

    # -- internals ------------------------------------------------------------------------------
    def _step(self, action: Any) -> list[Emitted]:
        run = self._loaded()  # saved and restored before the input ...
        emitted = action(run)
        self.run = run
        self._loaded()  # ... and after it
        return self._record(emitted)

    def _loaded(self) -> Run:
        """The instance after a save and restore (the spec is stored once, not in the row)."""
        assert self.run is not None, "start the item first"
        state = self.engine.dump(self.run)
        assert "spec" not in json.loads(state)
        same_as_stock(self.engine, definitions().spec_json(self.process_id), state)  # the fast restore
        self.run = self.engine.load(definitions(), self.process_id, state)
        return self.run

    def _record(self, emitted: list[Emitted]) -> list[Emitted]:
        for kind, fields in emitted:
            to_event(kind, fields, item_id=ITEM_ID, actor="system", occurred_at=self.clock.now())
        self.events += emitted
        return emitted

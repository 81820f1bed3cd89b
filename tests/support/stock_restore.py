"""SpiffWorkflow's stock converters, to hold ``services/workflow/engine/restoring.py`` to them.

``same_as_stock(engine, spec_json, state)`` restores a state both ways and checks that the
two task trees are equal task for task (id, spec, state, parent, children, data, internal
data, last state change), that both dump to the same JSON, and that the dump restores to
the same tree.
"""

from __future__ import annotations

import json
from typing import Any

from SpiffWorkflow.bpmn.serializer.default.event_definition import TimerConditionalEventDefinitionConverter
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from services.workflow.engine.runner import Engine
from services.workflow.engine.timers import ClockTimeDateEventDefinition


class StockStateOnlyConverter(BpmnWorkflowConverter):
    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct


STOCK = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure({
    **SPIFF_CONFIG,
    ClockTimeDateEventDefinition: TimerConditionalEventDefinitionConverter,
    BpmnWorkflow: StockStateOnlyConverter,
}))


def tasks_of(workflow: Any) -> dict[str, tuple[Any, ...]]:
    """Every task of the workflow and its subprocesses, by id, as comparable values."""
    found = {}
    for flow in [workflow, *workflow.subprocesses.values()]:
        for task in flow.tasks.values():
            found[str(task.id)] = (task.task_spec.name, task.state, str(task._parent), [str(c) for c in task._children],
                                   task.data, task.internal_data, task.last_state_change, task.triggered)
    return found


def same_as_stock(engine: Engine, spec_json: str, state: str) -> None:
    fast = engine.restore(spec_json, state).workflow
    spec, subprocess_specs = engine._restored_specs(spec_json)
    dct = json.loads(state)
    dct.update(spec=spec, subprocess_specs=dict(subprocess_specs))
    stock = STOCK.from_dict(dct)
    assert tasks_of(fast) == tasks_of(stock)
    assert fast.data == stock.data and fast.last_task.id == stock.last_task.id
    assert {str(k) for k in fast.subprocesses} == {str(k) for k in stock.subprocesses}
    fast_dump = engine.dump(engine.restore(spec_json, state))
    assert json.dumps(STOCK.to_dict(stock), ensure_ascii=False) == fast_dump
    # and a dump restores to the same tree (a live step may order data keys and deletions
    # otherwise than a restore does, so the dump is not compared with ``state`` as text)
    assert tasks_of(engine.restore(spec_json, fast_dump).workflow) == tasks_of(fast)

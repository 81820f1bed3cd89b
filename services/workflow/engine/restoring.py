"""Restoring an instance's task tree faster than SpiffWorkflow's stock converters.

The stock converters (SpiffWorkflow 3.1) restore the same JSON, but spend most of a
restore on work they repeat for every task: each id, parent and child id is parsed by
``uuid.UUID(str)`` (~210 parses for an item's ~50 tasks), each task dict is copied on its
way through the generic ``DictionaryConverter.restore``, the workflow's task mapping parses
every id once more, and empty ``internal_data`` and deltas are walked anyway. These
subclasses produce the same objects (``tests/unit/test_engine_restore.py`` compares every
task of every step of the real processes with the stock restore) in about half the time;
``bench/timer_sweep.py`` shows what a fired timer gains.

The dump side writes the same JSON as the stock converter, with the parent looked up once
per task instead of four times and empty internal data not walked.
"""

from __future__ import annotations

from copy import copy
from typing import Any
from uuid import UUID, SafeUUID

from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnSubWorkflowConverter,
    BpmnWorkflowConverter,
    TaskConverter,
)
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.task import TaskState

_MUTABLE = (dict, list, set)


def parse_uuid(text: str) -> UUID:
    """``UUID(text)`` for the canonical form ``str(uuid)`` writes, without its checks."""
    value = object.__new__(UUID)
    object.__setattr__(value, "int", int(text.replace("-", ""), 16))
    object.__setattr__(value, "is_safe", SafeUUID.unknown)
    return value


class FastTaskConverter(TaskConverter):
    def to_dict(self, task: Any) -> dict[str, Any]:
        """The stock dict, key for key: a task's data as its delta from its parent's."""
        parent = task.parent
        if parent is None:
            data, delta = task.data, {}
        else:
            before, after = parent.data, task.data
            data, delta = {}, {"updates": {key: value for key, value in after.items()
                                           if key not in before or value != before[key]},
                               "deletions": [key for key in before if key not in after]}
        internal = task.internal_data
        return {
            "id": str(task.id),
            "parent": str(task._parent) if parent is not None else None,
            "children": [str(child) for child in task._children],
            "last_state_change": task.last_state_change,
            "state": task.state,
            "task_spec": task.task_spec.name,
            "triggered": task.triggered,
            "internal_data": self.registry.convert(internal) if internal else {},
            "data": data,
            "delta": delta,
        }

    def from_dict(self, dct: dict[str, Any], workflow: Any) -> Any:
        task_spec = workflow.spec.task_specs.get(dct["task_spec"])
        task = self.target_class(workflow, task_spec, state=dct["state"], id=parse_uuid(dct["id"]))
        parent = dct["parent"]
        task._parent = parse_uuid(parent) if parent is not None else None
        task._children = [parse_uuid(child) for child in dct["children"]]
        task.last_state_change = dct["last_state_change"]
        task.triggered = dct["triggered"]
        internal = dct["internal_data"]
        task.internal_data = self.registry.restore(internal) if internal else {}
        if isinstance(task_spec, CatchingEvent) and task.has_state(TaskState.WAITING):
            task.workflow.top_workflow.event_manager.add_task(task)
        delta, parent_task = dct.get("delta"), task.parent
        if delta and parent_task is not None:
            # the parent's data, its mutable values copied one level deep (as DeepMerge.merge({}, ...))
            data = {key: copy(value) if isinstance(value, _MUTABLE) else value
                    for key, value in parent_task.data.items()}
            updates = delta.get("updates")
            if updates:
                data.update(self.registry.restore(updates))
            for key in delta.get("deletions", ()):
                data.pop(key, None)
        else:
            data = self.registry.restore(dct["data"])
        task.data = data
        return task


def restore_tasks(converter: Any, tasks: dict[str, dict[str, Any]], workflow: Any) -> dict[UUID, Any]:
    """A workflow's task mapping: each task made by the task converter straight from its dict
    (``Task.__init__`` adds it to ``workflow.tasks``, where its children find it as parent)."""
    restore = converter.registry.restore
    task_from_dict = converter.registry.convert_from_dict["Task"]
    for dct in tasks.values():
        if dct.get("typename") == "Task":
            task_from_dict(dct, workflow=workflow)
        else:  # not a plain task: the generic path
            restore(dct, workflow=workflow)
    return workflow.tasks


class FastSubWorkflowConverter(BpmnSubWorkflowConverter):
    def from_dict(self, dct: dict[str, Any], task: Any, top_workflow: Any) -> Any:
        spec = top_workflow.subprocess_specs.get(task.task_spec.spec)
        subprocess = self.target_class(spec, task.id, top_workflow, deserializing=True)
        subprocess.tasks = restore_tasks(self, dct["tasks"], subprocess)
        subprocess.task_tree = subprocess.tasks.get(parse_uuid(dct["root"]))
        self.set_default_attributes(subprocess, dct)
        return subprocess


class FastWorkflowConverter(BpmnWorkflowConverter):
    """The top workflow; its specs arrive as objects (see ``StateOnlyWorkflowConverter``)."""

    def from_dict(self, dct: dict[str, Any]) -> Any:
        spec = self.registry.restore(dct.pop("spec"))
        subprocess_specs = self.mapping_from_dict(dct.pop("subprocess_specs", {}))
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = restore_tasks(self, dct["tasks"], workflow)
        workflow.task_tree = workflow.tasks.get(parse_uuid(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow

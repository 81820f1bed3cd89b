"""Starting, stepping, completing and saving one process instance.

A ``Run`` is one instance in memory. The host loads it, applies one input (a completed
task, a message, the passing of time), saves it and the events it emitted in one
transaction. Before any input the instance is refreshed and settled, so a late report
never races a deadline that has already fired.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import TaskNotFoundException, WorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from services.workflow.domain.assignees import task_assignee
from services.workflow.domain.forms import task_form
from services.workflow.engine.definitions import SERIALIZER, Definitions
from services.workflow.engine.sandbox import ScriptError
from services.workflow.engine.scripts import DubanScriptEngine, Offences
from services.workflow.engine.timers import TimerEventDefinition
from shared.calendar import WorkingCalendar
from shared.clock import Clock
from shared.lru import Lru

Emitted = tuple[str, dict[str, Any]]


class TaskNotReady(Exception):
    """The task is finished, cancelled or not yet reached."""


class UnknownTask(Exception):
    pass


class NotWaiting(Exception):
    """The instance does not wait for this message now (e.g. a second extension request
    for the same deadline, or one before the item was signed for)."""


class ScriptFailed(Exception):
    """A script, condition or expression of the process failed (a refused attribute, a
    NameError, any exception), or the engine could not take the step it led to. The step
    is not taken: the caller discards the run, so the stored instance stays as it was."""

    def __init__(self, element: str | None, name: str | None, reason: str, process: str | None = None) -> None:
        self.element, self.name, self.reason, self.process = element, name, reason, process
        label = f" ({name})" if name and name != element else ""
        where = f"element '{element}'{label}" if element else "the process"
        super().__init__(f"{where}{f' of {process}' if process else ''}: {reason}")

    @classmethod
    def of(cls, exc: Exception) -> ScriptFailed:
        """The element from the engine's exception, the reason from the script's if there is one."""
        spec, task = getattr(exc, "task_spec", None), getattr(exc, "task", None)
        cause: BaseException | None = exc
        for _ in range(10):  # the script's error is a few links down the engine's chain
            if cause is None or isinstance(cause, ScriptError):
                break
            cause = cause.__cause__ or cause.__context__
        reason = str(cause) if isinstance(cause, ScriptError) else str(exc).removesuffix(". ")  # Spiff adds ". " + notes
        process = task.workflow.spec.name if task is not None else None
        return cls(getattr(spec, "bpmn_id", None), getattr(spec, "bpmn_name", None), reason, process)


@contextlib.contextmanager
def _step(engine: DubanScriptEngine) -> Iterator[None]:
    """Runs engine steps; a failure becomes ``ScriptFailed`` and drops what the step emitted."""
    try:
        yield
    except (WorkflowException, ScriptError) as exc:
        engine.take_emitted()  # the shared script engine must not hand them to the next run
        raise ScriptFailed.of(exc) from exc


@dataclass(frozen=True)
class UserTask:
    id: UUID
    bpmn_id: str
    name: str
    process: str
    kind: str  # the name of its form (its data lands under it)
    assignee: str
    due: str | None
    data: dict[str, Any]


class Run:
    def __init__(self, workflow: BpmnWorkflow, engine: DubanScriptEngine) -> None:
        self.workflow = workflow
        self.engine = engine

    # -- inputs -----------------------------------------------------------------------
    def settle(self) -> list[Emitted]:
        """Fire due timers and run every engine step that can run. Raises ``ScriptFailed``."""
        with _step(self.engine):
            self.workflow.refresh_timers()
            self.workflow.do_engine_steps()
        return self.engine.take_emitted()

    def ready(self, task_id: UUID) -> UserTask:
        """The user task, if it is ready now (``UnknownTask``, ``TaskNotReady`` otherwise)."""
        return self._view(self._ready_task(task_id))

    def complete(self, task_id: UUID, data: dict[str, Any], *, settled: bool = False) -> list[Emitted]:
        """``settled``: the caller settled the run in this step already (due timers fired)."""
        emitted = [] if settled else self.settle()
        task = self._ready_task(task_id)
        task.data.update(data)
        with _step(self.engine):
            task.run()  # its post-script and the conditions after it
        return emitted + self.settle()

    def send_message(self, name: str, payload: dict[str, Any]) -> list[Emitted]:
        emitted = self.settle()
        if not any(e.name == name for e in self.workflow.waiting_events()
                   if e.event_type.endswith("MessageEventDefinition")):
            raise NotWaiting(f"the process is not waiting for {name!r}")
        with _step(self.engine):
            self.workflow.send_event(BpmnEvent(MessageEventDefinition(name), payload=payload))
        return emitted + self.settle()

    # -- questions ----------------------------------------------------------------------
    @property
    def completed(self) -> bool:
        return self.workflow.is_completed()

    @property
    def data(self) -> dict[str, Any]:
        return self.workflow.data

    def ready_tasks(self) -> list[UserTask]:
        return [self._view(t) for t in self.workflow.get_tasks(state=TaskState.READY, manual=True)]

    def next_timer_due(self) -> dt.datetime | None:
        """The earliest fire time among the timers the instance waits on."""
        due = [TimerEventDefinition.get_datetime(e.value) for e in self.workflow.waiting_events()
               if e.event_type.endswith("TimeDateEventDefinition") and e.value]
        return min(due, default=None)

    def active_element_ids(self) -> list[str]:
        """BPMN elements the instance is at: ready tasks and waiting events."""
        return self._element_ids(TaskState.READY | TaskState.WAITING | TaskState.STARTED)

    def completed_element_ids(self) -> list[str]:
        return self._element_ids(TaskState.COMPLETED)

    def waiting_timers(self) -> dict[str, dt.datetime]:
        """The date timers the instance waits on, in it and its subprocesses: BPMN element id
        to when it fires (to note on the diagram)."""
        found: dict[str, dt.datetime] = {}
        for task in self._tasks(TaskState.WAITING):
            definition = getattr(task.task_spec, "event_definition", None)
            if definition is None or not type(definition).__name__.endswith("TimeDateEventDefinition"):
                continue
            value = definition.details(task).value
            if value and getattr(task.task_spec, "bpmn_id", None):
                found[task.task_spec.bpmn_id] = TimerEventDefinition.get_datetime(value)
        return found

    def _element_ids(self, state: int) -> list[str]:
        return sorted({t.task_spec.bpmn_id for t in self._tasks(state) if getattr(t.task_spec, "bpmn_id", None)})

    def _tasks(self, state: int) -> list[Any]:
        tasks = self.workflow.get_tasks(state=state)
        for sub in self.workflow.subprocesses.values():
            tasks += sub.get_tasks(state=state)
        return tasks

    # -- internals ----------------------------------------------------------------------
    def _ready_task(self, task_id: UUID) -> Any:
        try:
            task = self.workflow.get_task_from_id(task_id)
        except TaskNotFoundException:
            task = None
        if task is None:
            raise UnknownTask(f"task {task_id} not found")
        if task.state != TaskState.READY or not task.task_spec.manual:
            raise TaskNotReady(f"task {task_id} is {TaskState.get_name(task.state)}")
        return task

    def _view(self, task: Any) -> UserTask:
        props = task.task_spec.extensions.get("properties", {})
        due_var = props.get("due")
        return UserTask(
            id=task.id, bpmn_id=task.task_spec.bpmn_id, name=task.task_spec.bpmn_name or task.task_spec.bpmn_id,
            process=task.workflow.spec.name, kind=task_form(props) or "",
            assignee=task_assignee(props, task.task_spec.lane) or "",
            due=task.data.get(due_var) if due_var else None, data=task.data,
        )


class Engine:
    """Makes and restores runs. Each run gets a script environment of its own (its clock,
    calendar and the offence counts of its transaction; the events its scripts emit), so
    no state passes from one run to another."""

    def __init__(self, clock: Clock, calendar: WorkingCalendar, *, spec_cache_size: int = 16) -> None:
        self.clock, self.calendar = clock, calendar
        # spec JSON -> restored specs: a version has one per top-level process
        self._specs: Lru[str, tuple[Any, dict[str, Any]]] = Lru(spec_cache_size)

    def scripts(self, offences: Offences | None = None) -> DubanScriptEngine:
        """A run's own script environment; ``offences(unit, year)`` counts accountability cases."""
        return DubanScriptEngine(self.clock, self.calendar, offences)

    def start(self, definitions: Definitions, process_id: str, data: dict[str, Any],
              offences: Offences | None = None) -> tuple[Run, list[Emitted]]:
        """A new instance, run to its first wait. Raises ``ScriptFailed``."""
        spec, subprocess_specs = definitions.specs(process_id)
        scripts = self.scripts(offences)
        workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=scripts)
        workflow.get_next_task(state=TaskState.READY).data.update(data)
        run = Run(workflow, scripts)
        return run, run.settle()

    def dump(self, run: Run) -> str:
        """The instance's state without its spec (stored once per definition version)."""
        return json.dumps(SERIALIZER.to_dict(run.workflow), ensure_ascii=False)

    def load(self, definitions: Definitions, process_id: str, state: str, offences: Offences | None = None) -> Run:
        return self.restore(definitions.spec_json(process_id), state, offences)

    def restore(self, spec_json: str, state: str, offences: Offences | None = None) -> Run:
        """Restore an instance from its row and its version's stored spec."""
        spec, subprocess_specs = self._restored_specs(spec_json)
        dct = json.loads(state)
        # restored spec objects pass through the serializer unchanged; like the parser's
        # specs, one set is shared by every instance of a version (specs hold no run state)
        dct.update(spec=spec, subprocess_specs=dict(subprocess_specs))
        workflow = SERIALIZER.from_dict(dct)
        workflow.script_engine = scripts = self.scripts(offences)
        return Run(workflow, scripts)

    def _restored_specs(self, spec_json: str) -> tuple[Any, dict[str, Any]]:
        specs = self._specs.get(spec_json)
        if specs is None:  # a new version, or an old one whose rows come back
            dct = json.loads(spec_json)
            specs = self._specs.put(spec_json, (SERIALIZER.from_dict(dct["spec"]), {
                name: SERIALIZER.from_dict(sub) for name, sub in dct["subprocess_specs"].items()}))
        return specs

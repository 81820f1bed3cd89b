"""Moving a running instance to another version of its process: what would change (a plan)
and the move itself.

SpiffWorkflow aligns the old and new specs by BPMN id (``SpecDiff``) and swaps each task's
spec (``migrate_workflow``). Added here: the checks that refuse a move the instance could
not survive, re-predicting what follows the tasks the instance is at (so a task added after
the ready one is reached), and the move always made on a copy: a plan tries it, so a dry run
refuses what the move itself would.

A move is refused when an element the instance is at (a ready task, a waiting event, a
started subprocess) is removed or changes type, when an element it already passed through
is removed (its stored state names every element it reached), or when a process it runs or
ran (a call activity's) is not in the new version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from SpiffWorkflow.bpmn.util.diff import SpecDiff, migrate_workflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState

from services.workflow.engine.definitions import REGISTRY, SERIALIZER, Definitions
from services.workflow.engine.runner import Run
from services.workflow.engine.sandbox import ScriptError

AT = TaskState.READY | TaskState.WAITING | TaskState.STARTED  # where the instance is now
STATE_NAMES = {TaskState.READY: "ready", TaskState.WAITING: "waiting", TaskState.STARTED: "started"}


class MigrationRefused(ValueError):
    """The instance cannot move to that version (the reasons say why); nothing changed."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__("; ".join(reasons))


@dataclass(frozen=True)
class Element:
    bpmn_id: str
    name: str
    type: str
    changes: tuple[str, ...] = ()  # the attributes that differ (for a changed element)


@dataclass(frozen=True)
class ProcessChanges:
    """What differs between the old and the new spec of one process (top level or called)."""

    process: str
    added: list[Element] = field(default_factory=list)
    removed: list[Element] = field(default_factory=list)
    changed: list[Element] = field(default_factory=list)
    status: str = "changed"  # changed | added | removed (a called process new in, or gone from, the version)


@dataclass(frozen=True)
class ActiveElement:
    process: str
    bpmn_id: str
    name: str
    state: str  # ready | waiting | started
    survives: bool
    new_bpmn_id: str | None
    new_name: str | None


@dataclass(frozen=True)
class MigrationPlan:
    process_id: str
    processes: list[ProcessChanges]
    active: list[ActiveElement]
    reasons: list[str]

    @property
    def allowed(self) -> bool:
        return not self.reasons


def plan(run: Run, new: Definitions, process_id: str) -> MigrationPlan:
    """What moving ``run`` (an instance of ``process_id``) to ``new`` changes, and whether it
    may: the checks, then the move tried on a copy (what the engine would refuse is refused)."""
    found = _checked(run.workflow, new, process_id)
    if found.allowed:
        try:
            _moved(run.workflow, new, process_id)
        except MigrationRefused as refused:
            return replace(found, reasons=refused.reasons)
    return found


def migrate(run: Run, new: Definitions, process_id: str) -> Run:
    """A copy of ``run`` moved to ``new``, its ready tasks kept with their ids and data
    (``run`` itself is left as it was). Raises ``MigrationRefused``."""
    found = _checked(run.workflow, new, process_id)
    if not found.allowed:
        raise MigrationRefused(found.reasons)
    return Run(_moved(run.workflow, new, process_id), run.engine)


def _checked(workflow: BpmnWorkflow, new: Definitions, process_id: str) -> MigrationPlan:
    if process_id not in new.process_ids:
        return MigrationPlan(process_id, [], [], [f"the new version has no process {process_id!r}"])
    if workflow.is_completed():
        return MigrationPlan(process_id, [], [], ["the instance is completed"])
    new_spec, new_subs = new.specs(process_id)
    diffs = {process_id: _Diff(workflow.spec, new_spec)}
    processes = [_changes(process_id, diffs[process_id])]
    for name in sorted(set(workflow.subprocess_specs) | set(new_subs)):
        if name not in new_subs:
            processes.append(ProcessChanges(name, status="removed"))
        elif name not in workflow.subprocess_specs:
            processes.append(ProcessChanges(name, status="added"))
        else:
            diffs[name] = _Diff(workflow.subprocess_specs[name], new_subs[name])
            if (changes := _changes(name, diffs[name])).added or changes.removed or changes.changed:
                processes.append(changes)  # a called process is listed when something of it differs
    active, reasons = [], []
    for part in [workflow, *workflow.subprocesses.values()]:
        name = part.spec.name
        diff = diffs.get(name)
        if diff is None:  # its stored state names its process, running or done
            reasons.append(f"the process {name!r} the instance {'ran' if part.is_completed() else 'runs'} "
                           "is not in the new version")
            continue
        for task in part.get_tasks(state=AT, skip_subprocesses=True):
            if _bpmn_id(task.task_spec):
                active.append(_active(name, task, diff))
        reasons += _lost(name, part, diff)
    reasons += [f"{a.state} element {_label(a.bpmn_id, a.name)} of {a.process!r} "
                f"{'changes type' if a.new_bpmn_id else 'is removed'} in the new version"
                for a in active if not a.survives]
    return MigrationPlan(process_id, processes, active, list(dict.fromkeys(reasons)))


def _moved(original: BpmnWorkflow, new: Definitions, process_id: str) -> BpmnWorkflow:
    """A copy of ``original`` with the new specs: every task's spec swapped for its counterpart,
    waiting events armed again, what follows the tasks it is at predicted again."""
    workflow = _copy(original)
    new_spec, new_subs = new.specs(process_id)
    parts = [(workflow, new_spec), *((sub, new_subs[sub.spec.name]) for sub in workflow.subprocesses.values()
                                     if sub.spec.name in new_subs)]
    last = {id(part): part.last_task for part, _ in parts}
    try:
        for part, spec in parts:
            diff = _Diff(part.spec, spec)
            aligned = {task: diff.counterpart(task.task_spec) for task in part.get_tasks(skip_subprocesses=True)}
            # waiting events are reset: re-armed from the new spec (a duration timer counts again from now)
            migrate_workflow(_Aligned(aligned), part, spec, reset_mask=TaskState.WAITING)
        workflow.subprocess_specs = dict(new_subs)
        for part, _ in parts:
            if last[id(part)] is not None and last[id(part)].id in part.tasks:
                part.last_task = last[id(part)]  # migrate_workflow drops it (it looks a task up among ids)
            _repredict(part)
    except (WorkflowException, ScriptError) as error:
        raise MigrationRefused([f"the engine cannot move the instance: {error}"]) from error
    for part, spec in parts:
        stale = sorted({t.task_spec.name for t in part.get_tasks(skip_subprocesses=True)
                        if spec.task_specs.get(t.task_spec.name) is not t.task_spec})
        if stale:  # a state naming these could not be restored
            raise MigrationRefused([f"{name!r} of {spec.name!r} would be left without an element of the new version"
                                    for name in stale])
    return workflow


def _copy(workflow: BpmnWorkflow) -> BpmnWorkflow:
    """The instance restored from its state (as ``Engine.restore`` does), sharing its specs."""
    dct = json.loads(json.dumps(SERIALIZER.to_dict(workflow)))
    dct.update(spec=workflow.spec, subprocess_specs=dict(workflow.subprocess_specs))
    copy = SERIALIZER.from_dict(dct)
    copy.script_engine = workflow.script_engine  # timer expressions are evaluated again
    return copy


class _Diff:
    """SpiffWorkflow's ``SpecDiff`` of two specs of a process, asked spec by spec."""

    def __init__(self, old: Any, new: Any) -> None:
        self.specs = SpecDiff(REGISTRY, old, new)
        self.new = new

    def counterpart(self, spec: Any) -> Any:
        """The new version's element for ``spec`` (None: removed); by BPMN id where the
        diff's walk from the start event did not reach it."""
        if spec in self.specs.alignment:
            return self.specs.alignment[spec]
        return self.new.task_specs.get(spec.name)

    def retyped(self, spec: Any) -> bool:
        return "typename" in self.specs.comparisons.get(spec, [])


@dataclass
class _Aligned:
    """The part of SpiffWorkflow's ``WorkflowDiff`` that ``migrate_workflow`` reads."""

    alignment: dict[Any, Any]


def _repredict(part: Any) -> None:
    """Drop what was predicted after each task the instance is at and predict it again from
    the new spec (SpiffWorkflow keeps the old successors: an added task would be skipped)."""
    for task in part.get_tasks(state=TaskState.READY | TaskState.STARTED, skip_subprocesses=True):
        for child in task.children:
            if child.has_state(TaskState.PREDICTED_MASK | TaskState.FUTURE):
                part._remove_task(child.id)
        task.task_spec._predict(task, mask=TaskState.NOT_FINISHED_MASK)


def _changes(process: str, diff: _Diff) -> ProcessChanges:
    specs = diff.specs
    return ProcessChanges(
        process,
        added=[_element(s) for s in specs.added if _bpmn_id(s)],
        removed=[_element(s) for s in specs.removed if _bpmn_id(s)],
        changed=[_element(specs.alignment[s], tuple(c)) for s, c in specs.changed.items() if _bpmn_id(s)],
    )


def _active(process: str, task: Any, diff: _Diff) -> ActiveElement:
    spec = task.task_spec
    new = diff.counterpart(spec)
    retyped = new is not None and diff.retyped(spec)
    return ActiveElement(process, _bpmn_id(spec), _name(spec), STATE_NAMES.get(task.state, str(task.state)),
                         survives=new is not None and not retyped,
                         new_bpmn_id=_bpmn_id(new) if new is not None else None,
                         new_name=_name(new) if new is not None else None)


def _lost(process: str, part: Any, diff: _Diff) -> list[str]:
    """Elements the instance passed through (its stored state names them) that the new version removes."""
    gone = {t.task_spec for t in part.get_tasks(state=TaskState.FINISHED_MASK, skip_subprocesses=True)
            if diff.counterpart(t.task_spec) is None}
    return [f"element {_label(_bpmn_id(s) or s.name, _name(s))} of {process!r} was reached by this instance "
            "and is removed in the new version" for s in sorted(gone, key=lambda s: s.name)]


def _element(spec: Any, changes: tuple[str, ...] = ()) -> Element:
    return Element(_bpmn_id(spec), _name(spec), type(spec).__name__, changes)


def _bpmn_id(spec: Any) -> str:
    return getattr(spec, "bpmn_id", None) or ""


def _name(spec: Any) -> str:
    return getattr(spec, "bpmn_name", None) or _bpmn_id(spec) or spec.name


def _label(bpmn_id: str, name: str) -> str:
    return f"'{bpmn_id}'" + (f" ({name})" if name and name != bpmn_id else "")

"""Moving a running instance to a newer version (engine/migration.py): the plan, the move,
and the run after it (saved and restored with the new version's spec)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict

import pytest

from services.workflow.engine.definitions import Definitions
from services.workflow.engine.migration import MigrationRefused, migrate, plan
from services.workflow.engine.runner import Engine, Run
from shared.calendar import load_calendar
from shared.clock import CHINA, SettableClock
from tests.support import flow_versions as versions
from tests.support.process_driver import WORKFLOWS, ItemDriver, at, definitions

# Monday 2026-03-02 10:00 in Beijing
START = dt.datetime(2026, 3, 2, 10, 0, tzinfo=CHINA)
VARIABLES = {"lead_unit": "zjj", "co_units": [], "urgency": "normal", "leader": "leader"}


def version(xml: str) -> Definitions:
    return Definitions({"assignment.bpmn": xml.encode()})


@pytest.fixture
def engine() -> Engine:
    return Engine(SettableClock(START), load_calendar(None))


def at_sign(engine: Engine) -> Run:
    run, _ = engine.start(version(versions.original()), "assignment", VARIABLES)
    [approve] = run.ready_tasks()
    run.complete(approve.id, {"approve_item": {"decision": "approve"}})
    return run


def complete_only(run: Run, kind: str, data: dict[str, object] | None = None) -> None:
    [task] = run.ready_tasks()
    assert task.kind == kind
    run.complete(task.id, {kind: data or {}})


def restored(engine: Engine, definitions: Definitions, run: Run) -> Run:
    return engine.load(definitions, "assignment", engine.dump(run))


def test_the_plan_lists_what_changes_and_where_the_instance_is(engine: Engine) -> None:
    run = at_sign(engine)
    new = version(versions.sign_renamed_and_confirmed())
    found = plan(run, new, "assignment")
    assert found.allowed and found.reasons == []
    [top] = found.processes
    assert [(e.bpmn_id, e.name, e.type) for e in top.added] == [("Task_confirm", "确认签收", "UserTask")]
    assert top.removed == []
    changed = {e.bpmn_id: e for e in top.changed}
    assert changed["Task_sign"].name == "签收(新)" and "bpmn_name" in changed["Task_sign"].changes
    [active] = found.active
    assert (active.bpmn_id, active.name, active.state, active.survives, active.new_name) == (
        "Task_sign", "签收", "ready", True, "签收(新)")
    assert run.ready_tasks()[0].name == "签收"  # a plan changes nothing


def test_a_migrated_instance_keeps_its_ready_task_and_reaches_the_added_one(engine: Engine) -> None:
    run = at_sign(engine)
    [sign] = run.ready_tasks()
    new = version(versions.sign_renamed_and_confirmed())
    moved = migrate(run, new, "assignment")
    assert run.ready_tasks()[0].name == "签收"  # the move is made on a copy
    run = restored(engine, new, moved)
    [renamed] = run.ready_tasks()
    assert (renamed.id, renamed.name, renamed.data["sign_due_date"]) == (sign.id, "签收(新)", sign.data["sign_due_date"])
    complete_only(run, "sign")
    [confirm] = run.ready_tasks()
    assert (confirm.bpmn_id, confirm.name) == ("Task_confirm", "确认签收")
    complete_only(run, "sign")
    [report] = run.ready_tasks()
    assert report.bpmn_id == "Task_report" and run.next_timer_due() is not None  # the deadline is armed
    assert "Task_confirm" in restored(engine, new, run).completed_element_ids()


def test_removing_the_ready_task_is_refused(engine: Engine) -> None:
    run = at_sign(engine)
    new = version(versions.sign_removed())
    found = plan(run, new, "assignment")
    assert not found.allowed
    assert found.reasons == ["ready element 'Task_sign' (签收) of 'assignment' is removed in the new version"]
    assert [e.bpmn_id for e in found.processes[0].removed] == ["Task_sign"]
    with pytest.raises(MigrationRefused, match="Task_sign"):
        migrate(run, new, "assignment")


def test_removing_an_element_the_instance_passed_is_refused(engine: Engine) -> None:
    run = at_sign(engine)
    complete_only(run, "sign")
    found = plan(run, version(versions.sign_removed()), "assignment")
    assert found.reasons == ["element 'Task_sign' (签收) of 'assignment' was reached by this instance and is "
                             "removed in the new version"]


def test_a_waiting_timer_is_kept_through_the_move(engine: Engine) -> None:
    run = at_sign(engine)
    complete_only(run, "sign")
    due = run.next_timer_due()
    [report] = run.ready_tasks()
    new = version(versions.report_renamed())
    assert {(a.bpmn_id, a.state) for a in plan(run, new, "assignment").active} == {
        ("Task_report", "ready"), ("Event_overdue", "waiting")}
    run = restored(engine, new, migrate(run, new, "assignment"))
    assert run.next_timer_due() == due
    assert [(t.id, t.name) for t in run.ready_tasks()] == [(report.id, "书面报告")]
    complete_only(run, "report", {"report_type": "completion", "content": "已完成"})
    assert [t.kind for t in run.ready_tasks()] == ["review"]
    assert run.next_timer_due() is None


def test_a_completed_instance_or_a_missing_process_is_refused(engine: Engine) -> None:
    run, _ = engine.start(version(versions.original()), "assignment", VARIABLES)
    complete_only(run, "approve_item", {"decision": "reject"})
    assert run.completed
    assert plan(run, version(versions.report_renamed()), "assignment").reasons == ["the instance is completed"]
    other = Definitions({"minimal.bpmn": (WORKFLOWS.parent / "tests/fixtures/bpmn/minimal.bpmn").read_bytes()})
    assert plan(at_sign(engine), other, "assignment").reasons == ["the new version has no process 'assignment'"]


# -- inside a called process: the real workflows/, the report task of 限期报告 ---------------------

def real_version(reporting: str) -> Definitions:
    files = {p.name: p.read_bytes() for p in sorted(WORKFLOWS.glob("*.bpmn"))}
    return Definitions({**files, "reporting.bpmn": reporting.encode()})


def report_task_as(reporting: str, tag: str) -> str:
    start = reporting.index('<bpmn:userTask id="Task_report"')
    end = reporting.index("</bpmn:userTask>", start) + len("</bpmn:userTask>")
    element = reporting[start:end].replace("bpmn:userTask", f"bpmn:{tag}")
    return reporting[:start] + element + reporting[end:]


def signed() -> ItemDriver:
    d = ItemDriver()
    d.start()
    d.complete("approve_item", {"decision": "approve"})
    d.complete("sign", {"comment": ""})
    return d


def test_a_task_inside_a_called_process_moves_with_its_timers() -> None:
    d = signed()
    reporting = (WORKFLOWS / "reporting.bpmn").read_text(encoding="utf-8")
    new = real_version(reporting.replace('name="提交报告"', 'name="提交书面报告"', 1))
    report, due = d.task("report"), d.next_timer_due()
    found = plan(d.run, new, "assignment")
    assert found.allowed, found.reasons
    changed = {(p.process, e.bpmn_id) for p in found.processes for e in p.changed}
    assert ("SubProcess_report", "Task_report") in changed
    assert [p.process for p in found.processes] == ["assignment", "SubProcess_report"]  # what differs
    assert any(a.bpmn_id == "Task_report" and a.new_name == "提交书面报告" for a in found.active)
    run = d.engine.load(new, "assignment", d.engine.dump(migrate(d.run, new, "assignment")))
    [moved] = [t for t in run.ready_tasks() if t.kind == "report"]
    assert (moved.id, moved.name) == (report.id, "提交书面报告")
    assert run.next_timer_due() == due == at("2025-10-13 09:00")  # the reminder, as before the move
    run.complete(moved.id, {"report": {"report_type": "completion", "content": "已完成改造任务"}})
    assert [t.kind for t in run.ready_tasks()] == ["review"]


def test_a_task_inside_a_called_process_that_changes_type_is_refused() -> None:
    d = signed()
    reporting = (WORKFLOWS / "reporting.bpmn").read_text(encoding="utf-8")
    found = plan(d.run, real_version(report_task_as(reporting, "manualTask")), "assignment")
    assert not found.allowed
    assert any("'Task_report' (提交报告)" in r and "changes type" in r for r in found.reasons), found.reasons


def test_a_called_process_the_instance_runs_that_is_gone_is_refused() -> None:
    d = signed()
    reporting = (WORKFLOWS / "reporting.bpmn").read_text(encoding="utf-8")
    found = plan(d.run, real_version(reporting.replace('"SubProcess_report"', '"SubProcess_report_v2"')), "assignment")
    assert "the process 'SubProcess_report' the instance runs is not in the new version" in found.reasons
    assert not found.allowed


def test_the_plan_is_plain_data() -> None:
    d = signed()
    reporting = (WORKFLOWS / "reporting.bpmn").read_text(encoding="utf-8")
    found = plan(d.run, real_version(reporting.replace('name="提交报告"', 'name="提交书面报告"', 1)), "assignment")
    json.dumps(asdict(found), ensure_ascii=False)


# -- the real processes moved before every step go on exactly as they would have --------------

def moved_before_every_step(d: ItemDriver) -> ItemDriver:
    """A driver whose instance moves to a fresh parse of the same files before each step (the
    same elements, new spec objects: every task's spec is swapped and what follows re-predicted)."""
    step = d._step

    def moved_then(action: object) -> object:
        fresh = Definitions(dict(definitions().documents))
        d.run = migrate(d._loaded(), fresh, "assignment")
        return step(action)

    d._step = moved_then  # type: ignore[method-assign]
    return d


def extension_then_report(d: ItemDriver) -> None:
    d.start()
    d.complete("approve_item", {"decision": "approve"})
    d.complete("sign", {"comment": ""})
    d.advance_to("2025-10-10 11:00")
    d.send("extension_requested", {"requested_due_date": "2025-10-21", "reason": "需协调供电部门", "unit": "zjj"})
    d.complete("extension_decision", {"decision": "approve", "new_due_date": "2025-10-20"})
    d.advance_to("2025-10-17 09:00")
    d.advance_to("2025-10-20 17:00")
    d.complete("report", {"report_type": "completion", "content": "已完成改造任务"})
    d.complete("review", {"decision": "accept"})


def overdue_with_accountability(d: ItemDriver) -> None:
    d.start()
    d.complete("approve_item", {"decision": "approve"})
    d.complete("sign", {"comment": ""})
    d.advance_to("2025-10-15 00:00")
    d.advance_to("2025-10-20 00:00")
    d.complete("report", {"report_type": "completion", "content": "已完成改造任务"})
    d.complete("review", {"decision": "return", "comment": "材料不全"})
    d.finish_accountability()
    d.complete("report", {"report_type": "completion", "content": "已补充材料"})
    d.complete("review", {"decision": "accept"})


def revisit_failed_then_resupervised(d: ItemDriver) -> None:
    """Through the parallel gateway of 再督查 (a new report round beside an accountability case)."""
    passed = {"method": "open_visit", "truthful": True, "implemented": True, "rectified": True,
              "solved": True, "satisfied": True, "note": "现场核实"}
    d.start(major=True)
    d.complete("approve_item", {"decision": "approve"})
    d.complete("sign")
    d.advance_to("2025-10-10 10:00")
    d.complete("report", {"report_type": "completion", "content": "已完成整改"})
    d.complete("review", {"decision": "accept"})
    d.complete("revisit", {**passed, "rectified": False, "satisfied": False, "note": "整改不彻底"})
    d.advance_to("2025-10-15 14:00")
    d.complete("report", {"report_type": "completion", "content": "已完成整改"})
    d.complete("review", {"decision": "accept"})
    d.complete("revisit", passed)
    d.finish_accountability()
    d.advance_to("2026-01-15 09:00")


@pytest.mark.parametrize("path", [extension_then_report, overdue_with_accountability,
                                  revisit_failed_then_resupervised])
def test_moving_to_the_same_elements_changes_nothing_on_a_whole_path(path: object) -> None:
    plain, moved = ItemDriver(), moved_before_every_step(ItemDriver())
    path(plain)  # type: ignore[operator]
    path(moved)  # type: ignore[operator]
    assert without_case_ids(moved.events) == without_case_ids(plain.events)
    assert (moved.completed, moved.kinds(), moved.next_timer_due()) == (
        plain.completed, plain.kinds(), plain.next_timer_due())
    assert len(plain.events) > 8


def without_case_ids(events: list[tuple[str, dict[str, object]]]) -> list[tuple[str, dict[str, object]]]:
    return [(kind, {k: v for k, v in fields.items() if k != "case_id"}) for kind, fields in events]

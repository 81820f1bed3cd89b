"""The accountability process (问责, workflows/accountability.bpmn), start to close.

Two ways in: a top-level instance for a bulletin's criticism (case_trigger "bulletin"),
or a call activity inside an item's instance (case_trigger "overdue" / "revisit_failed").
The item context is played by a small caller process defined here. Every step saves and
restores the instance, and every emitted event is validated against its contract.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from services.workflow.adapters.emitted import BadEmit, to_event
from services.workflow.engine.definitions import Definitions
from services.workflow.engine.runner import Emitted, Engine, UserTask
from shared.calendar import load_calendar
from shared.clock import CHINA, SettableClock

WORKFLOWS = Path(__file__).parents[2] / "workflows"
BPMN = WORKFLOWS / "accountability.bpmn"
# Tuesday 2025-09-30 10:00 in Beijing. National Day holidays run 10-01..10-08, Saturday
# 10-11 is a working day: five working days on is Tuesday 2025-10-14.
START = dt.datetime(2025, 9, 30, 10, 0, tzinfo=CHINA)
EXPLAIN_DUE = "2025-10-14"
ITEM_ID = UUID("7d0f3c1e-2b4a-4c8e-9f10-5a6b7c8d9e01")
BULLETIN_ID = UUID("0b6c3a0e-4c1e-4a35-9b1e-2f9f0d2d5f11")
OCCURRED_AT = dt.datetime(2025, 9, 30, 10, 0, tzinfo=CHINA)
MEASURES = ("none", "criticism", "interview", "admonishment")

BULLETIN_CASE = {"case_unit": "tiexi", "case_trigger": "bulletin", "bulletin_id": str(BULLETIN_ID),
                 "case_reason": "落实不力、敷衍应付"}
ITEM = {"item_id": str(ITEM_ID), "code": "DB-2025-0042", "title": "老旧小区改造", "lead_unit": "tiexi",
        "due_date": "2025-09-26", "urgency": "normal"}

# An item's process calling accountability, as reporting.bpmn does; after the call the
# caller's own variables must be intact and the case's visible (SpiffWorkflow copies
# the called process's data back).
CALLER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="Definitions_accountability_caller" targetNamespace="http://duban.example/bpmn">
  <bpmn:process id="accountability_caller" isExecutable="true">
    <bpmn:startEvent id="StartEvent_caller"><bpmn:outgoing>Flow_c1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="ScriptTask_overdue" name="overdue">
      <bpmn:incoming>Flow_c1</bpmn:incoming><bpmn:outgoing>Flow_c2</bpmn:outgoing>
      <bpmn:script>case_unit = lead_unit
case_trigger = caller_trigger
case_fault = "逾期未报" if caller_trigger == "overdue" else "回访复核未通过"</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:callActivity id="CallActivity_accountability" calledElement="accountability">
      <bpmn:incoming>Flow_c2</bpmn:incoming><bpmn:outgoing>Flow_c3</bpmn:outgoing>
    </bpmn:callActivity>
    <bpmn:userTask id="UserTask_after_case" name="after">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="kind" value="review" />
        <spiffworkflow:property name="assignee" value="role:office" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>Flow_c3</bpmn:incoming><bpmn:outgoing>Flow_c4</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="EndEvent_caller"><bpmn:incoming>Flow_c4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_c1" sourceRef="StartEvent_caller" targetRef="ScriptTask_overdue" />
    <bpmn:sequenceFlow id="Flow_c2" sourceRef="ScriptTask_overdue" targetRef="CallActivity_accountability" />
    <bpmn:sequenceFlow id="Flow_c3" sourceRef="CallActivity_accountability" targetRef="UserTask_after_case" />
    <bpmn:sequenceFlow id="Flow_c4" sourceRef="UserTask_after_case" targetRef="EndEvent_caller" />
  </bpmn:process>
</bpmn:definitions>
"""


def _definitions() -> Definitions:
    """Every file of workflows/ (others may be mid-edit: then accountability.bpmn alone)."""
    try:
        docs = {p.name: p.read_bytes() for p in WORKFLOWS.glob("*.bpmn")}
        return Definitions({**docs, "accountability_caller.bpmn": CALLER.encode()})
    except Exception:
        return Definitions({BPMN.name: BPMN.read_bytes(), "accountability_caller.bpmn": CALLER.encode()})


DEFINITIONS = _definitions()


class Case:
    """One instance driven like the workflow service: each step saved and restored."""

    def __init__(self, context: str, offences: Callable[[str, int], int] | None = None,
                 trigger: str = "overdue") -> None:
        self.clock = SettableClock(START)
        self.offences_asked: list[tuple[str, int]] = []

        def count(unit: str, year: int) -> int:
            self.offences_asked.append((unit, year))
            return offences(unit, year) if offences else 0

        self.count = count
        self.engine = Engine(self.clock, load_calendar(None))
        self.process_id = "accountability" if context == "bulletin" else "accountability_caller"
        self.item_id = None if context == "bulletin" else ITEM_ID
        start = BULLETIN_CASE if context == "bulletin" else {**ITEM, "caller_trigger": trigger}
        run, emitted = self.engine.start(DEFINITIONS, self.process_id, dict(start), self.count)
        self.run = run
        self.emitted = self._checked(emitted)

    def _round_trip(self) -> None:
        state = self.engine.dump(self.run)
        assert "spec" not in json.loads(state)
        self.run = self.engine.load(DEFINITIONS, self.process_id, state, self.count)

    def _checked(self, emitted: list[Emitted]) -> list[Emitted]:
        """Every event fits its contract once the service adds the envelope (and item_id)."""
        for kind, fields in emitted:
            to_event(kind, fields, item_id=self.item_id, actor="test", occurred_at=OCCURRED_AT)
        return emitted

    def task(self) -> UserTask:
        self._round_trip()
        [task] = self.run.ready_tasks()
        return task

    def complete(self, kind: str, form: dict[str, Any]) -> list[Emitted]:
        task = self.task()
        assert task.kind == kind
        emitted = self._checked(self.run.complete(task.id, {kind: form}))
        self._round_trip()
        return emitted

    def tick(self, when: dt.datetime) -> list[Emitted]:
        self._round_trip()
        self.clock.set(when)
        emitted = self._checked(self.run.settle())
        self._round_trip()
        return emitted

    def finish_caller(self) -> dict[str, Any]:
        """In the item context: the caller's task after the case, with the data it got back."""
        if self.process_id == "accountability":
            return {}
        task = self.task()
        assert (task.bpmn_id, task.process) == ("UserTask_after_case", "accountability_caller")
        data = dict(task.data)
        self.run.complete(task.id, {"review": {"decision": "accept", "comment": ""}})
        return data


def only(emitted: list[Emitted], kind: str) -> dict[str, Any]:
    [fields] = [f for k, f in emitted if k == kind]
    return fields


def test_the_file_passes_the_checks() -> None:
    from services.workflow.engine.checks import check_files  # another engineer's module: import late

    assert check_files([BPMN]) == []


@pytest.mark.parametrize("context", ["bulletin", "item"])
@pytest.mark.parametrize("measure", MEASURES)
def test_each_measure_from_opening_to_close(context: str, measure: str) -> None:
    case = Case(context)
    [(kind, opened)] = case.emitted
    assert kind == "accountability.opened"
    case_id = opened["case_id"]
    assert UUID(case_id)
    assert case.offences_asked == [("tiexi", 2025)]
    if context == "bulletin":
        assert opened == {"case_id": case_id, "unit": "tiexi", "item_id": None, "trigger": "bulletin",
                          "offence_count": 1, "bulletin_id": str(BULLETIN_ID), "reason": "落实不力、敷衍应付"}
    else:
        assert opened == {"case_id": case_id, "unit": "tiexi", "item_id": str(ITEM_ID), "trigger": "overdue",
                          "offence_count": 1, "bulletin_id": None, "reason": "DB-2025-0042 老旧小区改造：逾期未报"}

    decide = case.task()
    assert (decide.bpmn_id, decide.process, decide.assignee, decide.due) == (
        "UserTask_decide_measure", "accountability", "leader:leader", None)
    assert decide.data["case_offence_count"] == 1  # the leader's form shows the unit's record
    emitted = case.complete("decide_measure", {"measure": measure, "comment": "研究决定"})

    decided = emitted[0]
    assert decided == ("accountability.measure_decided", {
        "case_id": case_id, "unit": "tiexi", "item_id": opened["item_id"], "measure": measure,
        "escalated": False, "comment": "研究决定"})
    if measure == "none":
        assert emitted[1:] == [("accountability.closed", {
            "case_id": case_id, "unit": "tiexi", "item_id": opened["item_id"], "measure": "none",
            "outcome": "no_measure"})]
    else:
        assert emitted[1:] == []
        explain = case.task()
        assert (explain.bpmn_id, explain.assignee, explain.due) == (
            "UserTask_explain", "unit:case_unit:head", EXPLAIN_DUE)
        assert explain.data["case_unit"] == "tiexi"
        assert case.complete("explain", {"causes": "统筹不力", "measures": "建立周调度机制"}) == []
        verify = case.task()
        assert (verify.bpmn_id, verify.assignee) == ("UserTask_verify_explanation", "role:office")
        assert case.complete("verify_explanation", {"decision": "accept", "comment": "整改措施可行"}) == [
            ("accountability.closed", {"case_id": case_id, "unit": "tiexi", "item_id": opened["item_id"],
                                       "measure": measure, "outcome": "explained"})]

    back = case.finish_caller()
    assert case.run.completed and case.run.ready_tasks() == []
    assert case.run.next_timer_due() is None
    if context == "item":  # the item's own variables survive the call; the case's come back
        assert {k: back[k] for k in ITEM} == ITEM
        assert (back["case_id"], back["case_measure"]) == (case_id, measure)


@pytest.mark.parametrize(("decided", "applied", "escalated"), [
    ("none", "criticism", True),
    ("criticism", "interview", True),
    ("interview", "admonishment", True),
    ("admonishment", "admonishment", False),
])
@pytest.mark.parametrize("context", ["bulletin", "item"])
def test_a_second_offence_in_the_year_takes_the_next_measure(
        context: str, decided: str, applied: str, escalated: bool) -> None:
    case = Case(context, offences=lambda unit, year: 1 if (unit, year) == ("tiexi", 2025) else 0)
    assert only(case.emitted, "accountability.opened")["offence_count"] == 2
    assert case.task().data["case_prior"] == 1

    emitted = case.complete("decide_measure", {"measure": decided, "comment": ""})
    assert emitted == [("accountability.measure_decided", {
        "case_id": case.emitted[0][1]["case_id"], "unit": "tiexi", "item_id": case.emitted[0][1]["item_id"],
        "measure": applied, "escalated": escalated, "comment": ""})]
    assert case.task().bpmn_id == "UserTask_explain"  # even "none" became a measure to answer for
    case.complete("explain", {"causes": "推诿扯皮", "measures": "明确责任分工"})
    closed = case.complete("verify_explanation", {"decision": "accept", "comment": ""})
    assert only(closed, "accountability.closed")["measure"] == applied


def test_a_failed_revisit_opens_a_case_on_the_item() -> None:
    case = Case("item", trigger="revisit_failed")
    opened = only(case.emitted, "accountability.opened")
    assert (opened["trigger"], opened["item_id"], opened["reason"]) == (
        "revisit_failed", str(ITEM_ID), "DB-2025-0042 老旧小区改造：回访复核未通过")


def test_an_explanation_returned_once_then_accepted() -> None:
    case = Case("bulletin")
    case.complete("decide_measure", {"measure": "interview", "comment": "约谈主要负责人"})
    first = case.task()
    assert first.due == EXPLAIN_DUE and first.data["explain_round"] == 1
    assert case.complete("explain", {"causes": "不清楚", "measures": "加强"}) == []

    case.tick(dt.datetime(2025, 10, 10, 15, 0, tzinfo=CHINA))  # returned on Friday 10-10
    assert case.complete("verify_explanation", {"decision": "return", "comment": "原因分析不深入"}) == []
    again = case.task()
    # five working days from Friday 10-10 (Saturday 10-11 is a working day): Thursday 10-16
    assert (again.bpmn_id, again.due) == ("UserTask_explain", "2025-10-16")
    assert again.id != first.id
    assert (again.data["explain_round"], again.data["explain_returned_comment"]) == (2, "原因分析不深入")
    # the new deadline's reminder (the working day before, 09:00) is what the instance waits for
    assert case.run.next_timer_due() == dt.datetime(2025, 10, 15, 9, 0, tzinfo=CHINA)
    # the first round's deadline (10-14) has no effect any more
    assert case.tick(dt.datetime(2025, 10, 15, 0, 0, tzinfo=CHINA)) == []

    assert case.complete("explain", {"causes": "统筹调度不到位", "measures": "每周调度、挂图作战"}) == []
    closed = case.complete("verify_explanation", {"decision": "accept", "comment": ""})
    assert [k for k, _ in closed] == ["accountability.closed"]
    assert only(closed, "accountability.closed")["outcome"] == "explained"
    assert case.run.completed


def test_explanation_reminder_then_overdue_in_an_item_and_the_task_stays_open() -> None:
    case = Case("item")
    case.complete("decide_measure", {"measure": "criticism", "comment": ""})
    explain = case.task()
    assert explain.due == EXPLAIN_DUE
    assert case.run.next_timer_due() == dt.datetime(2025, 10, 13, 9, 0, tzinfo=CHINA)

    assert case.tick(dt.datetime(2025, 10, 13, 8, 59, 59, tzinfo=CHINA)) == []
    assert case.tick(dt.datetime(2025, 10, 13, 9, 0, tzinfo=CHINA)) == [
        ("deadline.reminder", {"deadline": "explain", "due_date": EXPLAIN_DUE, "unit": "tiexi"})]
    assert case.run.next_timer_due() == dt.datetime(2025, 10, 14, 23, 59, 59, tzinfo=CHINA)
    assert case.tick(dt.datetime(2025, 10, 14, 23, 59, 58, tzinfo=CHINA)) == []
    assert case.tick(dt.datetime(2025, 10, 15, 0, 0, tzinfo=CHINA)) == [
        ("deadline.overdue", {"deadline": "explain", "due_date": EXPLAIN_DUE, "unit": "tiexi"})]
    assert case.run.next_timer_due() is None
    assert case.tick(dt.datetime(2025, 10, 20, 0, 0, tzinfo=CHINA)) == []  # fires once

    [still_open] = case.run.ready_tasks()  # a late explanation is still wanted
    assert still_open.id == explain.id
    case.complete("explain", {"causes": "逾期原因", "measures": "整改"})
    closed = case.complete("verify_explanation", {"decision": "accept", "comment": ""})
    assert only(closed, "accountability.closed")["outcome"] == "explained"
    case.finish_caller()
    assert case.run.completed


def test_a_bulletin_case_overdue_emits_nothing_the_contract_would_refuse() -> None:
    """deadline.reminder/overdue are item events (item_id required): a bulletin-born case
    has no item, so its explanation deadline fires silently and the task stays open."""
    with pytest.raises(BadEmit):
        to_event("deadline.overdue", {"deadline": "explain", "due_date": EXPLAIN_DUE, "unit": "tiexi"},
                 item_id=None, actor="test", occurred_at=OCCURRED_AT)
    case = Case("bulletin")
    case.complete("decide_measure", {"measure": "admonishment", "comment": ""})
    explain = case.task()
    assert case.tick(dt.datetime(2025, 10, 15, 0, 0, tzinfo=CHINA)) == []
    assert case.run.next_timer_due() is None
    [still_open] = case.run.ready_tasks()
    assert still_open.id == explain.id


def test_the_diagram_draws_every_element_in_its_lane_and_every_flow_between_its_ends() -> None:
    from lxml import etree

    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
          "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
          "dc": "http://www.omg.org/spec/DD/20100524/DC", "di": "http://www.omg.org/spec/DD/20100524/DI"}
    root = etree.fromstring(BPMN.read_bytes())
    [process] = root.iterfind("bpmn:process", ns)
    bounds = {}
    for shape in root.iterfind(".//bpmndi:BPMNShape", ns):
        b = shape.find("dc:Bounds", ns)
        bounds[shape.get("bpmnElement")] = tuple(float(b.get(k)) for k in ("x", "y", "width", "height"))
    nodes = [el for el in process if etree.QName(el).localname not in ("laneSet", "sequenceFlow", "documentation")]
    lanes = {lane.get("name"): lane for lane in process.iterfind("bpmn:laneSet/bpmn:lane", ns)}
    assert list(lanes) == ["领导", "单位主要负责人", "督察室"]

    def inside(node: str, box: tuple[float, ...]) -> bool:
        x, y, w, h = bounds[node]
        return box[0] <= x and box[1] <= y and x + w <= box[0] + box[2] and y + h <= box[1] + box[3]

    for node in nodes:
        ident = node.get("id")
        assert node.get("name"), f"{ident} has no name"
        [lane] = [lane for lane in lanes.values()
                  if ident in {ref.text for ref in lane.iterfind("bpmn:flowNodeRef", ns)}]
        assert inside(ident, bounds[lane.get("id")]), f"{ident} is drawn outside its lane"

    def on_border(point: tuple[float, float], node: str) -> bool:
        x, y, w, h = bounds[node]
        px, py = point
        within = x - 1 <= px <= x + w + 1 and y - 1 <= py <= y + h + 1
        return within and min(abs(px - x), abs(px - x - w), abs(py - y), abs(py - y - h)) <= 1

    edges = {e.get("bpmnElement"): e for e in root.iterfind(".//bpmndi:BPMNEdge", ns)}
    flows = list(process.iterfind("bpmn:sequenceFlow", ns))
    assert set(edges) == {f.get("id") for f in flows}
    for flow in flows:
        points = [(float(p.get("x")), float(p.get("y"))) for p in edges[flow.get("id")].iterfind("di:waypoint", ns)]
        assert on_border(points[0], flow.get("sourceRef")), f"{flow.get('id')} does not leave its source"
        assert on_border(points[-1], flow.get("targetRef")), f"{flow.get('id')} does not reach its target"
        assert all(a[0] == b[0] or a[1] == b[1] for a, b in zip(points, points[1:])), "edges are orthogonal"

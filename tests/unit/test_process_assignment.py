"""The assignment process (交办, workflows/assignment.bpmn): approval, deadline, signing, look-back.

Every path runs on a settable clock from Tuesday 2025-09-30 10:00 (Beijing), right before the
National Day holidays, and every step is saved and restored (tests/support/process_driver.py).
"""

from __future__ import annotations

import pytest
from lxml import etree

from services.workflow.engine.checks import check_files
from tests.support.process_driver import WORKFLOWS, ItemDriver, at

OWN = ("assignment.bpmn", "reporting.bpmn", "revisit.bpmn")
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI"}
ALL_TRUE = {"method": "spot_check", "truthful": True, "implemented": True, "rectified": True,
            "solved": True, "satisfied": True, "note": "群众反映良好"}


def approved_and_signed(**item: object) -> ItemDriver:
    d = ItemDriver()
    d.start(**item)
    d.complete("approve_item", {"decision": "approve", "comment": "同意，抓紧办理"})
    d.complete("sign", {"comment": "已收到"})
    return d


def test_files_pass_the_bpmn_check() -> None:
    assert check_files(sorted(WORKFLOWS.glob("*.bpmn"))) == []


@pytest.mark.parametrize("name", OWN)
def test_every_element_is_drawn_and_in_a_lane(name: str) -> None:
    root = etree.parse(str(WORKFLOWS / name)).getroot()
    [process] = root.findall("bpmn:process", NS)
    drawn = {s.get("bpmnElement") for s in root.iterfind(".//bpmndi:BPMNShape", NS)} | \
        {e.get("bpmnElement") for e in root.iterfind(".//bpmndi:BPMNEdge", NS)}
    elements = {el.get("id") for el in process.iterdescendants() if isinstance(el.tag, str) and el.get("id")
                and etree.QName(el).localname not in ("laneSet", "lane", "timerEventDefinition",
                                                      "messageEventDefinition", "terminateEventDefinition",
                                                      "ioSpecification", "dataOutput", "inputSet", "outputSet")}
    assert elements - drawn == set()
    top_level = {el.get("id") for el in process if etree.QName(el).localname not in
                 ("documentation", "laneSet", "sequenceFlow")}
    in_lanes = [ref.text for ref in process.iterfind("bpmn:laneSet/bpmn:lane/bpmn:flowNodeRef", NS)]
    assert sorted(in_lanes) == sorted(top_level)
    assert not {"Start", "End"} & elements


def test_normal_item_gets_five_working_days_across_national_day_and_a_sign_reminder() -> None:
    d = ItemDriver()
    assert d.start() == []
    [task] = d.ready()
    assert (task.kind, task.assignee) == ("approve_item", "leader:leader")

    emitted = d.complete("approve_item", {"decision": "approve", "comment": "同意"})
    assert emitted == [
        ("item.approved", {"comment": "同意", "due_date": "2025-10-14", "due_date_estimated": False}),
        ("item.assigned", {"lead_unit": "zjj", "co_units": ["tiedong"], "due_date": "2025-10-14",
                           "due_date_estimated": False, "sign_due_date": "2025-10-09"}),
    ]
    sign = d.task("sign")
    assert (sign.assignee, sign.due) == ("unit:lead_unit:liaison", "2025-10-09")

    assert d.advance_to("2025-10-09 08:59") == []
    assert d.advance_to("2025-10-09 09:00") == [  # the morning of the day signing is due
        ("deadline.reminder", {"deadline": "sign", "due_date": "2025-10-09", "unit": "zjj"})]
    assert d.advance_to("2025-10-09 23:59:58") == []  # once
    assert d.complete("sign", {"comment": "已收到"}) == [("item.signed", {"unit": "zjj", "comment": "已收到"})]
    report = d.task("report")
    assert (report.assignee, report.due) == ("unit:lead_unit:liaison", "2025-10-14")
    assert "CallActivity_reporting" in d.visited()


def test_an_item_not_signed_by_its_deadline_is_overdue_and_escalates_like_a_late_report() -> None:
    d = ItemDriver()
    d.start()
    d.complete("approve_item", {"decision": "approve"})
    assert d.advance_to("2025-10-09 23:59:58") == [
        ("deadline.reminder", {"deadline": "sign", "due_date": "2025-10-09", "unit": "zjj"})]
    emitted = d.advance_to("2025-10-10 00:00")  # the signing day ended unsigned
    assert emitted[0] == ("deadline.overdue", {"deadline": "sign", "due_date": "2025-10-09", "unit": "zjj"})
    opened = dict(emitted)["accountability.opened"]
    assert (opened["trigger"], opened["unit"], opened["reason"]) == ("overdue", "zjj", "督办〔2025〕18号 推进老旧小区改造：逾期未签收")
    assert sorted(t.kind for t in d.ready()) == ["decide_measure", "sign"]  # the unit can still sign
    assert d.complete("sign", {}) == [("item.signed", {"unit": "zjj", "comment": ""})]
    assert d.task("report").due == "2025-10-14"  # the report deadline runs from the assignment


def test_urgent_and_difficult_items_count_their_working_days() -> None:
    urgent, difficult = ItemDriver(), ItemDriver()
    urgent.start(urgency="urgent")
    difficult.start(urgency="difficult")
    urgent.complete("approve_item", {"decision": "approve"})
    difficult.complete("approve_item", {"decision": "approve"})
    assert urgent.last("item.approved")["due_date"] == "2025-10-11"  # a Saturday made a working day
    assert difficult.last("item.approved")["due_date"] == "2025-10-21"


def test_rejected_by_the_leader() -> None:
    d = ItemDriver()
    d.start()
    emitted = d.complete("approve_item", {"decision": "reject", "comment": "不属于督查范围"})
    assert emitted == [("item.rejected", {"comment": "不属于督查范围"})]
    assert d.completed and d.ready() == []


def test_a_special_plan_submitted_less_than_a_month_ahead_is_refused_with_the_reason() -> None:
    d = ItemDriver()
    emitted = d.start(urgency="special", due_date="2025-11-30", plan_start="2025-10-20",
                      registered_on="2025-09-30")
    [(kind, fields)] = emitted
    assert kind == "item.rejected"
    assert "提前1个月" in fields["comment"] and "2025-09-20" in fields["comment"] \
        and "2025-09-30" in fields["comment"]
    assert d.completed and d.ready() == []


def test_a_special_plan_in_time_goes_to_the_secretary_general_then_the_leader_sets_the_date() -> None:
    d = ItemDriver()
    assert d.start(urgency="special", plan_start="2025-11-03", registered_on="2025-09-30") == []
    plan = d.task("approve_plan")
    assert plan.assignee == "role:secretary_general"
    assert d.complete("approve_plan", {"decision": "approve", "comment": "同意开展"}) == []
    assert d.task("approve_item").assignee == "leader:leader"

    emitted = d.complete("approve_item", {"decision": "approve", "due_date": "2025-11-28"})
    assert emitted[0] == ("item.approved", {"comment": "", "due_date": "2025-11-28", "due_date_estimated": False})
    assert emitted[1][1]["due_date"] == "2025-11-28"
    assert d.task("sign").due == "2025-10-09"


def test_a_special_plan_the_secretary_general_declines() -> None:
    d = ItemDriver()
    d.start(urgency="special", due_date="2025-12-31", plan_start="2025-11-03")
    assert d.complete("approve_plan", {"decision": "reject", "comment": "与月度计划重复"}) == [
        ("item.rejected", {"comment": "与月度计划重复"})]
    assert d.completed


def test_a_special_item_keeps_the_registered_date_when_the_leader_gives_none() -> None:
    d = ItemDriver()
    d.start(urgency="special", due_date="2025-10-31")
    d.complete("approve_item", {"decision": "approve"})
    assert d.last("item.assigned")["due_date"] == "2025-10-31"


def test_an_ordinary_item_ends_when_it_closes() -> None:
    d = approved_and_signed()
    d.complete("report", {"report_type": "completion", "content": "已完成改造"})
    d.complete("review", {"decision": "accept"})
    assert d.last("item.closed") == {"closed_on": "2025-09-30", "on_time": True}
    assert d.completed and d.next_timer_due() is None


def test_the_look_back_reopens_a_closed_major_item() -> None:
    d = approved_and_signed(major=True, lookback_months=3)
    d.advance_to("2025-10-13 15:00")
    d.complete("report", {"report_type": "completion", "content": "已完成改造"})
    d.complete("review", {"decision": "accept"})
    d.complete("revisit", ALL_TRUE)
    assert d.last("item.closed") == {"closed_on": "2025-10-13", "on_time": True}
    assert not d.completed and d.ready() == []
    assert d.next_timer_due() == at("2026-01-13 09:00")  # 回头看: three months after closing

    assert d.advance_to("2026-01-13 08:59") == []
    assert d.advance_to("2026-01-13 09:00") == []
    look_back = d.task("revisit")
    assert (look_back.assignee, look_back.due) == ("role:office", "2026-01-23")

    emitted = d.complete("revisit", {**ALL_TRUE, "method": "unannounced_visit", "solved": False,
                                     "note": "问题反弹"})
    kinds = [k for k, _ in emitted]
    assert kinds[:2] == ["revisit.completed", "item.reopened"]
    assert d.last("revisit.completed")["passed"] is False
    # five working days from Tuesday 2026-01-13
    assert d.last("item.reopened") == {"reason": "回头看发现问题：问题未解决", "new_due_date": "2026-01-20"}
    assert "CallActivity_lookback_accountability" in d.visited()
    if "accountability.opened" in kinds:  # the real accountability process
        assert d.last("accountability.opened")["trigger"] == "revisit_failed"

    report = d.task("report")
    assert report.due == "2026-01-20"
    d.complete("report", {"report_type": "completion", "content": "已整改到位"})
    assert d.last("report.submitted")["round"] == 2
    d.complete("review", {"decision": "accept"})
    d.complete("revisit", ALL_TRUE)  # the re-supervised major item is revisited again
    assert d.last("item.closed") == {"closed_on": "2026-01-13", "on_time": True}
    d.finish_accountability()
    assert d.completed and d.ready() == []


def test_a_passed_look_back_ends_the_item() -> None:
    d = approved_and_signed(major=True, lookback_months=1)
    d.complete("report", {"report_type": "completion", "content": "已完成"})
    d.complete("review", {"decision": "accept"})
    d.complete("revisit", ALL_TRUE)
    assert d.next_timer_due() == at("2025-10-30 09:00")
    d.advance_to("2025-10-30 09:00")
    emitted = d.complete("revisit", ALL_TRUE)
    assert [k for k, _ in emitted] == ["revisit.completed"]
    assert d.completed
    assert len(d.emitted("item.closed")) == 1


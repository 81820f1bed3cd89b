"""The reporting process (限期报告, workflows/reporting.bpmn) inside an item's instance.

A normal item approved and signed on Tuesday 2025-09-30 is due Tuesday 2025-10-14 (five
working days across the National Day holidays); the reminder is due Monday 10-13 09:00 and
the deadline ends 10-14 23:59:59. Every step is saved and restored.
"""

from __future__ import annotations

import pytest

from services.workflow.engine.runner import NotWaiting
from tests.support.process_driver import ItemDriver, at

COMPLETION = {"report_type": "completion", "content": "已完成改造任务", "attachments": ["验收报告.pdf"]}
PROGRESS = {"report_type": "progress", "content": "本月完成施工进度的30%"}
EXTENSION = {"requested_due_date": "2025-10-21", "reason": "需协调供电部门", "unit": "zjj"}


def signed(**item: object) -> ItemDriver:
    d = ItemDriver()
    d.start(**item)
    d.complete("approve_item", {"decision": "approve"})
    d.complete("sign", {"comment": ""})
    return d


def test_on_time() -> None:
    d = signed()
    assert d.next_timer_due() == at("2025-10-13 09:00")
    d.advance_to("2025-10-10 16:00")
    emitted = d.complete("report", COMPLETION)
    assert emitted == [("report.submitted", {"round": 1, "report_type": "completion", "content": "已完成改造任务",
                                             "attachments": ["验收报告.pdf"], "late": False, "unit": "zjj"})]
    assert d.task("review").assignee == "role:office"
    assert d.next_timer_due() is None  # the deadline timers went with the report
    emitted = d.complete("review", {"decision": "accept", "comment": "情况属实"})
    assert emitted == [("report.accepted", {"round": 1, "report_type": "completion", "comment": "情况属实"}),
                       ("item.closed", {"closed_on": "2025-10-10", "on_time": True})]
    assert d.completed
    assert [k for k, _ in d.events if k.startswith("deadline.")] == []


def test_reminder_then_on_time() -> None:
    d = signed()
    assert d.advance_to("2025-10-13 08:59") == []
    assert d.advance_to("2025-10-13 09:00") == [
        ("deadline.reminder", {"deadline": "report", "due_date": "2025-10-14", "unit": "zjj"})]
    assert d.advance_to("2025-10-14 23:59:58") == []  # once, and nothing overdue yet
    assert d.complete("report", COMPLETION)[0][1]["late"] is False
    d.complete("review", {"decision": "accept"})
    assert d.last("item.closed") == {"closed_on": "2025-10-14", "on_time": True}
    assert d.completed


def test_overdue_starts_accountability_and_the_late_report_is_still_expected() -> None:
    d = signed()
    report = d.task("report")
    emitted = d.advance_to("2025-10-15 00:00")
    kinds = [k for k, _ in emitted]
    assert kinds[:2] == ["deadline.reminder", "deadline.overdue"]
    assert emitted[1] == ("deadline.overdue", {"deadline": "report", "due_date": "2025-10-14", "unit": "zjj"})
    assert "CallActivity_accountability" in d.visited()
    if "accountability.opened" in kinds:  # the real accountability process runs alongside
        assert d.last("accountability.opened")["trigger"] == "overdue"
        assert d.last("accountability.opened")["unit"] == "zjj"
    assert d.task("report").id == report.id  # the work still has to be done
    assert d.advance_to("2025-10-20 00:00") == []  # overdue once

    d.complete("report", COMPLETION)
    assert d.last("report.submitted")["late"] is True
    d.complete("review", {"decision": "accept"})
    assert d.last("item.closed") == {"closed_on": "2025-10-20", "on_time": False}
    d.finish_accountability()
    assert d.completed and d.ready() == []


def test_returned_twice() -> None:
    d = signed()
    d.advance_to("2025-10-13 10:00")
    d.complete("report", COMPLETION)
    emitted = d.complete("review", {"decision": "return", "comment": "缺少验收材料"})
    # five working days from Monday 10-13
    assert emitted == [("report.returned", {"round": 1, "reason": "缺少验收材料", "new_due_date": "2025-10-20"})]
    assert d.task("report").due == "2025-10-20"
    assert d.next_timer_due() == at("2025-10-17 09:00")  # timers armed for the new deadline
    assert d.advance_to("2025-10-15 00:00") == []  # the first deadline no longer counts

    d.complete("report", COMPLETION)
    assert d.last("report.submitted")["round"] == 2
    d.complete("review", {"decision": "return", "comment": ""})
    assert d.last("report.returned") == {"round": 2, "reason": "退回重办", "new_due_date": "2025-10-22"}

    d.complete("report", COMPLETION)
    d.complete("review", {"decision": "accept"})
    assert d.last("report.accepted")["round"] == 3
    assert d.last("item.closed") == {"closed_on": "2025-10-15", "on_time": True}
    assert d.completed


def test_extension_granted_moves_the_deadline_and_rearms_the_timers() -> None:
    d = signed()
    d.advance_to("2025-10-10 11:00")
    assert d.send("extension_requested", EXTENSION) == [
        ("extension.requested", {"requested_due_date": "2025-10-21", "reason": "需协调供电部门", "unit": "zjj"})]
    decision = d.task("extension_decision")
    assert (decision.assignee, decision.due) == ("role:office", "2025-10-14")
    assert d.kinds() == ["extension_decision", "report"]  # the unit can still report meanwhile

    emitted = d.complete("extension_decision", {"decision": "approve", "new_due_date": "2025-10-20",
                                                 "comment": "同意延期至10月20日"})
    assert emitted == [("extension.decided", {"approved": True, "new_due_date": "2025-10-20",
                                              "comment": "同意延期至10月20日"})]
    assert d.task("report").due == "2025-10-20"
    assert d.next_timer_due() == at("2025-10-17 09:00")
    assert d.advance_to("2025-10-15 00:00") == []  # the old deadline passes without overdue
    assert d.advance_to("2025-10-17 09:00") == [
        ("deadline.reminder", {"deadline": "report", "due_date": "2025-10-20", "unit": "zjj"})]
    d.advance_to("2025-10-20 17:00")
    assert d.complete("report", COMPLETION)[0][1]["late"] is False
    assert d.last("report.submitted")["round"] == 1
    d.complete("review", {"decision": "accept"})
    assert d.last("item.closed")["on_time"] is True
    assert d.completed


def test_extension_approved_without_a_date_grants_the_requested_one() -> None:
    d = signed()
    d.send("extension_requested", EXTENSION)
    assert d.complete("extension_decision", {"decision": "approve"})[0][1]["new_due_date"] == "2025-10-21"
    assert d.task("report").due == "2025-10-21"


def test_extension_refused_changes_nothing() -> None:
    d = signed()
    report = d.task("report")
    d.send("extension_requested", EXTENSION)
    emitted = d.complete("extension_decision", {"decision": "reject", "comment": "理由不充分"})
    assert emitted == [("extension.decided", {"approved": False, "new_due_date": None, "comment": "理由不充分"})]
    assert d.kinds() == ["report"] and d.task("report").id == report.id
    assert d.next_timer_due() == at("2025-10-13 09:00")
    # one request per deadline: the engine no longer listens for another
    with pytest.raises(NotWaiting):
        d.send("extension_requested", {**EXTENSION, "reason": "再次申请"})
    assert [k for k, _ in d.advance_to("2025-10-15 00:00")][:2] == ["deadline.reminder", "deadline.overdue"]


def test_extension_asked_after_the_deadline_is_refused_without_a_decision_task() -> None:
    d = signed()
    d.advance_to("2025-10-15 08:00")
    emitted = d.send("extension_requested", EXTENSION)
    assert emitted == [("extension.decided", {"approved": False, "new_due_date": None,
                                              "comment": "已超过报告时限，不予延期"})]
    assert d.kinds() == ["report"]


def test_a_report_submitted_while_the_extension_is_pending_withdraws_the_request() -> None:
    d = signed()
    d.send("extension_requested", EXTENSION)
    d.complete("report", COMPLETION)
    assert d.kinds() == ["review"]  # the pending extension decision was cancelled
    d.complete("review", {"decision": "accept"})
    assert d.completed


def test_a_monthly_item_reports_progress_three_times_then_completion() -> None:
    d = signed(urgency="difficult", cadence="monthly")
    assert d.task("report").due == "2025-10-21"  # ten working days
    dues = []
    for when in ("2025-10-20 10:00", "2025-11-20 10:00", "2025-12-19 10:00"):
        d.advance_to(when)
        d.complete("report", PROGRESS)
        assert d.complete("review", {"decision": "accept"}) == [
            ("report.accepted", {"round": len(dues) + 1, "report_type": "progress", "comment": ""})]
        dues.append(d.task("report").due)
    assert dues == ["2025-11-21", "2025-12-21", "2026-01-21"]  # 定期调度: the next month's report
    assert d.emitted("deadline.overdue") == []
    assert [f["due_date"] for f in d.emitted("deadline.reminder")] == ["2025-10-21", "2025-11-21", "2025-12-21"]

    d.advance_to("2026-01-16 10:00")
    d.complete("report", COMPLETION)
    d.complete("review", {"decision": "accept"})
    assert d.last("report.accepted") == {"round": 4, "report_type": "completion", "comment": ""}
    assert d.last("item.closed") == {"closed_on": "2026-01-16", "on_time": True}
    assert d.completed


def test_a_quarterly_item_reports_each_quarter() -> None:
    d = signed(urgency="urgent", cadence="quarterly")
    assert d.task("report").due == "2025-10-11"
    d.complete("report", PROGRESS)
    d.complete("review", {"decision": "accept"})
    assert d.task("report").due == "2026-01-11"


def test_progress_accepted_after_the_next_period_gets_fresh_working_days() -> None:
    d = signed(urgency="difficult", cadence="monthly")
    d.advance_to("2025-11-25 10:00")  # a month late: overdue, accountability
    d.complete("report", PROGRESS)
    assert d.last("report.submitted")["late"] is True
    d.complete("review", {"decision": "accept"})
    assert d.task("report").due == "2025-12-09"  # not 11-21, already past: ten working days from today
    d.finish_accountability()


def test_progress_on_an_item_without_cadence_keeps_the_deadline() -> None:
    d = signed()
    d.complete("report", PROGRESS)
    d.complete("review", {"decision": "accept"})
    assert d.task("report").due == "2025-10-14"
    assert d.last("report.accepted")["round"] == 1


def test_a_report_arriving_after_an_unnoticed_deadline_is_late_and_overdue_first() -> None:
    d = signed()
    d.clock.set(at("2025-10-15 08:30"))  # no tick since the deadline passed
    kinds = [k for k, _ in d.complete("report", COMPLETION)]
    assert kinds.index("deadline.overdue") < kinds.index("report.submitted")
    assert d.last("report.submitted")["late"] is True

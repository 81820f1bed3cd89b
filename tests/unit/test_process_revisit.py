"""The revisit process (回访复核, workflows/revisit.bpmn) after an accepted completion report.

Major, livelihood and publicly listed items are revisited by the office within 10 days of the
accepted completion report; a failed revisit re-supervises the item (再督查): a new round of
reporting with a new deadline, and an accountability case. Every step is saved and restored.
"""

from __future__ import annotations

import pytest

from tests.support.process_driver import ItemDriver, at

COMPLETION = {"report_type": "completion", "content": "已完成整改"}
ALL_TRUE = {"method": "open_visit", "truthful": True, "implemented": True, "rectified": True,
            "solved": True, "satisfied": True, "note": "现场核实"}


def accepted(**item: object) -> ItemDriver:
    """An item whose completion report the office accepts on Friday 2025-10-10."""
    d = ItemDriver()
    d.start(**item)
    d.complete("approve_item", {"decision": "approve"})
    d.complete("sign")
    d.advance_to("2025-10-10 10:00")
    d.complete("report", COMPLETION)
    d.complete("review", {"decision": "accept"})
    return d


@pytest.mark.parametrize("flag", ["major", "livelihood", "public"])
def test_revisit_passed_closes_the_item(flag: str) -> None:
    d = accepted(**{flag: True})
    assert "item.closed" not in [k for k, _ in d.events]
    revisit = d.task("revisit")
    # ten calendar days on is Monday 10-20; the office has until then
    assert (revisit.assignee, revisit.due) == ("role:office", "2025-10-20")
    emitted = d.complete("revisit", ALL_TRUE)
    assert emitted[0] == ("revisit.completed", {**ALL_TRUE, "passed": True})
    assert emitted[1] == ("item.closed", {"closed_on": "2025-10-10", "on_time": True})
    if flag == "major":
        assert d.next_timer_due() == at("2026-01-10 09:00")  # the look-back waits
    else:
        assert d.completed


def test_an_item_that_is_not_major_livelihood_or_public_closes_without_revisit() -> None:
    d = accepted()
    assert d.last("item.closed") == {"closed_on": "2025-10-10", "on_time": True}
    assert "CallActivity_revisit" not in d.visited() and d.completed


def test_the_revisit_deadline_ends_on_a_working_day_and_reminds_the_office() -> None:
    d = ItemDriver(start=at("2025-09-19 10:00"))  # a Friday
    d.start(livelihood=True, registered_on="2025-09-19")
    d.complete("approve_item", {"decision": "approve"})
    d.complete("sign")
    d.complete("report", COMPLETION)
    d.complete("review", {"decision": "accept"})
    # ten days on is 09-29 (Monday, a working day)
    assert d.task("revisit").due == "2025-09-29"
    assert d.advance_to("2025-09-28 09:00") == [  # the Sunday made a working day
        ("deadline.reminder", {"deadline": "revisit", "due_date": "2025-09-29", "unit": None})]
    assert d.advance_to("2025-09-30 00:00") == [
        ("deadline.overdue", {"deadline": "revisit", "due_date": "2025-09-29", "unit": None})]
    d.complete("revisit", ALL_TRUE)
    assert d.completed


def test_revisit_over_national_day_is_due_before_the_holidays_end() -> None:
    d = ItemDriver()
    d.start(public=True)
    d.complete("approve_item", {"decision": "approve"})
    d.complete("sign")
    d.complete("report", COMPLETION)
    d.complete("review", {"decision": "accept"})
    # 2025-09-30 + 10 days is 10-10 (Friday): the holidays 10-01..10-08 do not stretch it
    assert d.task("revisit").due == "2025-10-10"


def test_revisit_failed_resupervises_then_passes() -> None:
    d = accepted(major=True)
    emitted = d.complete("revisit", {**ALL_TRUE, "method": "unannounced_visit", "rectified": False,
                                     "satisfied": False, "note": "群众反映整改不彻底"})
    kinds = [k for k, _ in emitted]
    assert kinds[:2] == ["revisit.completed", "item.reopened"]
    assert emitted[0][1]["passed"] is False
    # five working days from Friday 10-10 (Saturday 10-11 is a working day)
    assert d.last("item.reopened") == {"reason": "回访复核发现问题：整改不到位、群众不满意",
                                       "new_due_date": "2025-10-16"}
    assert "item.closed" not in kinds
    assert "CallActivity_accountability" in d.visited()
    if "accountability.opened" in kinds:
        assert d.last("accountability.opened")["trigger"] == "revisit_failed"

    report = d.task("report")  # 再督查: a new round with the new deadline and its timers
    assert report.due == "2025-10-16"
    assert d.next_timer_due() == at("2025-10-15 09:00")
    d.advance_to("2025-10-15 14:00")
    d.complete("report", COMPLETION)
    assert d.last("report.submitted")["round"] == 2 and d.last("report.submitted")["late"] is False
    d.complete("review", {"decision": "accept"})
    revisit = d.task("revisit")
    assert revisit.due == "2025-10-24"
    emitted = d.complete("revisit", ALL_TRUE)
    assert [k for k, _ in emitted] == ["revisit.completed", "item.closed"]
    assert d.last("item.closed") == {"closed_on": "2025-10-15", "on_time": True}
    d.finish_accountability()
    assert not d.completed and d.next_timer_due() == at("2026-01-15 09:00")  # the look-back is next


def test_a_special_item_redoes_in_ten_working_days() -> None:
    d = accepted(urgency="special", due_date="2025-10-31", livelihood=True)
    d.complete("revisit", {**ALL_TRUE, "truthful": False})
    assert d.last("item.reopened") == {"reason": "回访复核发现问题：情况不真实", "new_due_date": "2025-10-23"}
    assert d.task("report").due == "2025-10-23"

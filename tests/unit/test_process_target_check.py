"""The target check (年中/年终检查, workflows/target_check.bpmn), start to end: the lead unit's
self-check, returned once by the office, reported again, accepted. Every step saves and
restores the instance, and every emitted event is checked against its contract."""

from __future__ import annotations

import datetime as dt

from services.workflow.adapters.round_rows import Target
from services.workflow.domain.rounds import Period, check_kind
from services.workflow.rounds import check_variables
from tests.support.process_driver import ITEM_ID, START, ItemDriver

HALF = Period("2025-H2", 2025, 2, dt.date(2025, 12, 31))
VARIABLES = check_variables(Target(ITEM_ID, "督办〔2025〕18号", "推进老旧小区改造", "zjj", "leader"), HALF)


def started() -> ItemDriver:
    driver = ItemDriver(START, process_id="target_check")
    driver.start(**VARIABLES)
    return driver


def test_the_check_asks_the_lead_unit_for_a_self_check_in_ten_working_days() -> None:
    driver = started()
    assert check_kind(HALF).label == "年终检查" == driver.task("self_check").data["check_label"]
    assert driver.last("target_check.started") == {"check": "year_end", "period": "2025-H2", "unit": "zjj",
                                                   "due_date": "2025-10-21"}  # over the National Day holidays
    [task] = driver.ready()
    assert (task.kind, task.name) == ("self_check", "提交自查报告")
    assert task.data["check_round"] == 1


def test_a_returned_self_check_is_reported_again_and_the_accepted_one_ends_the_check() -> None:
    driver = started()
    driver.complete("self_check", {"progress": "behind", "content": "完成改造8个小区", "problems": "", "attachments": []})
    assert driver.last("target_check.self_checked")["round"] == 1
    assert [t.kind for t in driver.ready()] == ["check_review"]
    driver.complete("check_review", {"decision": "return", "comment": "请说明滞后原因"})
    returned = driver.last("target_check.reviewed")
    assert (returned["accepted"], returned["round"], returned["new_due_date"]) == (False, 1, "2025-10-14")
    again = driver.task("self_check").data
    assert again["check_returned_comment"] == "请说明滞后原因" and again["check_round"] == 2
    driver.complete("self_check", {"progress": "on_track", "content": "已追赶进度", "problems": "", "attachments": []})
    assert driver.last("target_check.self_checked")["round"] == 2
    driver.complete("check_review", {"decision": "accept", "comment": ""})
    accepted = driver.last("target_check.reviewed")
    assert (accepted["accepted"], accepted["round"]) == (True, 2)
    assert driver.completed and driver.ready() == []
    assert [k for k, _ in driver.events].count("target_check.reviewed") == 2

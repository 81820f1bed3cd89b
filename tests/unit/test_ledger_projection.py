"""The ledger's pure core: events to rows, timeline texts and the traffic light, without I/O."""

from __future__ import annotations

import copy
import datetime as dt
import random
from dataclasses import replace

import pytest

from services.ledger.domain.light import Light, light_of, overdue_days
from services.ledger.domain.state import ItemState, TimelineEntry
from shared.clock import CHINA
from shared.contracts import events as ev
from shared.contracts.base import Message
from shared.contracts.enums import DeadlineKind, EvaluationRating, ItemStatus
from shared.contracts.item_events import JointGroup
from tests.support.item_story import CALENDAR, START, ItemStory, day, projection


def replay(events: list[Message], state: ItemState | None = None) -> tuple[ItemState, list[TimelineEntry]]:
    p = projection()
    state = state or ItemState(events[0].item_id)  # type: ignore[attr-defined]
    entries = []
    for event in events:
        state, entry = p.apply(state, event)
        if entry:
            entries.append(entry)
    return state, entries


def told(story: ItemStory, events: list[Message], state: ItemState | None = None) -> ItemState:
    """The row after the events and the progress the workflow sends with them."""
    return replay(story.with_progress(events), state)[0]


def test_an_item_becomes_one_row_with_its_timeline() -> None:
    story = ItemStory()
    state, entries = replay(story.life())
    assert (state.code, state.title, state.lead_unit, state.co_units) == ("督办〔2026〕1号", "推进老旧小区改造",
                                                                         "zjj", ("tiedong",))
    assert (state.status, state.assigned_on, state.due_date, state.closed_on) == (
        "closed", day("2026-03-02"), day("2026-03-17"), day("2026-03-12"))
    assert (state.rounds, state.returned_count, state.on_time, state.progress) == (2, 1, False, "补充材料后已完成")
    assert [e.kind for e in entries] == [
        "item.registered", "item.approved", "item.assigned", "item.signed", "deadline.reminder",
        "deadline.overdue", "accountability.opened", "report.submitted", "report.returned", "report.submitted",
        "report.accepted", "item.closed"]
    texts = {e.kind: e.text for e in entries}
    assert texts["item.assigned"] == "交办市住建局牵头办理，协办单位：铁东区；办理时限2026年3月9日，签收时限2026年3月3日"
    assert texts["deadline.overdue"] == "市住建局报告逾期（时限2026年3月9日）"
    assert texts["accountability.opened"] == "对市住建局启动问责（逾期未报），本年度第2次"
    assert texts["item.closed"] == "办结（逾期），办结日期2026年3月12日"
    assert "第1轮办结报告（逾期）：已完成改造" in [e.text for e in entries][7]


@pytest.mark.parametrize(("today", "light"), [
    ("2026-03-05", Light.GREEN),   # Thursday: two working days left
    ("2026-03-06", Light.YELLOW),  # Friday: the working day before Monday's deadline
    ("2026-03-08", Light.YELLOW),  # Sunday
    ("2026-03-09", Light.YELLOW),  # the due day itself
    ("2026-03-10", Light.RED),     # past it, before the timer sweep says it is overdue
])
def test_the_light_follows_the_working_day_calendar(today: str, light: Light) -> None:
    story = ItemStory()
    state = told(story, [story.registered(), story.assigned(), story.signed()])
    assert light_of(state, day(today)) is light


def test_a_reminder_makes_yellow_and_a_new_deadline_makes_green_again() -> None:
    story = ItemStory()
    state = told(story, [story.registered(), story.assigned(), story.signed(), story.reminder()])
    assert light_of(state, day("2026-03-03")) is Light.YELLOW  # reminded, even before the yellow day
    state = told(story, [story.extension("2026-03-20")], state)
    assert light_of(state, day("2026-03-10")) is Light.GREEN
    assert light_of(state, day("2026-03-19")) is Light.YELLOW


def test_an_unsigned_item_after_its_sign_reminder_is_yellow() -> None:
    story = ItemStory()
    state = told(story, [story.registered(), story.assigned(), story.reminder("2026-03-03", DeadlineKind.SIGN)])
    assert light_of(state, day("2026-03-04")) is Light.YELLOW
    state = told(story, [story.signed()], state)
    assert light_of(state, day("2026-03-04")) is Light.GREEN


def test_an_item_the_workflow_finds_overdue_is_red_until_the_round_ends() -> None:
    story = ItemStory()
    started = [story.registered(), story.assigned(), story.signed()]
    state = told(story, [*started, story.overdue(), story.submitted(late=True, at=dt.datetime(
        2026, 3, 10, 10, 0, tzinfo=CHINA))])
    assert (state.status, state.overdue, light_of(state, day("2026-03-11"))) == ("reported", True, Light.RED)
    assert overdue_days(state, day("2026-03-20"), CALENDAR.working_days_between) == 1  # reported the 10th
    branch = copy.deepcopy(story)  # the same item, told two ways from here
    returned = told(story, [story.returned(new_due="2026-03-17")], state)
    assert (returned.overdue, light_of(returned, day("2026-03-11"))) == (False, Light.GREEN)
    closed = told(branch, [branch.accepted(), branch.closed("2026-03-10", on_time=False)], state)
    assert light_of(closed, day("2026-03-11")) is None
    assert overdue_days(closed, day("2026-04-01"), CALENDAR.working_days_between) == 1


def test_a_reopened_item_is_red_until_closed_again() -> None:
    story = ItemStory(major=True)
    state = told(story, [story.registered(), story.assigned(), story.signed(), story.submitted(), story.accepted()])
    assert state.status == "reported"  # accepted; the revisit has not begun
    state = told(story, [story.task_created("revisit", "回访复核")], state)
    assert state.status == "revisiting"  # the office's revisit task is open
    state = told(story, [story.closed("2026-03-04"), story.revisit_failed(), story.reopened("2026-04-10")], state)
    assert (state.status, state.reopened_count, state.due_date) == ("in_progress", 1, day("2026-04-10"))
    assert light_of(state, day("2026-03-20")) is Light.RED
    state = told(story, [story.submitted(round=2), story.accepted(round=2), story.closed("2026-03-25")], state)
    assert light_of(state, day("2026-03-26")) is None


def test_overdue_days_count_working_days_past_the_deadline() -> None:
    story = ItemStory()
    state = told(story, [story.registered(), story.assigned(), story.signed()])
    between = CALENDAR.working_days_between
    assert [overdue_days(state, day(d), between) for d in ("2026-03-09", "2026-03-10", "2026-03-16")] == [0, 1, 5]


def test_events_in_any_order_give_the_same_row() -> None:
    story = ItemStory(major=True)
    events = story.with_progress([*story.life()[:-1], story.closed("2026-03-12"), story.revisit_failed(),
                                  story.reopened(), story.measure(), story.submitted(round=3, content="再次整改完成")])
    in_order, entries = replay(events)
    rng = random.Random(7)
    for _ in range(30):
        shuffled = rng.sample(events, len(events))
        state, shuffled_entries = replay(shuffled, ItemState(story.item_id))
        assert state == in_order
        assert {e.event_id for e in shuffled_entries} == {e.event_id for e in entries}
    assert (in_order.status, in_order.progress, in_order.reopened_count, in_order.rounds) == (
        "reported", "再次整改完成", 1, 3)


def test_an_event_before_the_registration_fills_a_placeholder() -> None:
    story = ItemStory()
    registered, assigned = story.registered(), story.assigned()
    state = told(story, [assigned])
    assert (state.placeholder, state.status, state.due_date, state.lead_unit) == (
        True, "assigned", day("2026-03-09"), "zjj")
    state, _ = replay([registered], state)
    assert (state.placeholder, state.status, state.title) == (False, "assigned", "推进老旧小区改造")


def test_an_older_progress_never_replaces_a_newer_one() -> None:
    story = ItemStory()
    newer = story.with_progress([story.registered(), story.assigned(due="2026-03-09"),
                                 story.returned(new_due="2026-03-20")])
    older_last = [newer[0], newer[-1], *newer[1:-1]]  # the last snapshot arrives before the earlier ones
    state, _ = replay(older_last)
    assert state.due_date == day("2026-03-20") and state.yellow_from == day("2026-03-19")


def test_rejected_and_registered_items() -> None:
    story = ItemStory()
    state = told(story, [story.registered()])
    assert (state.status, light_of(state, day("2026-03-02"))) == (ItemStatus.REGISTERED, Light.GREEN)
    rejected = ev.ItemRejected(occurred_at=START + dt.timedelta(hours=1), actor="leader", item_id=story.item_id,
                               comment="不属于督办范围")
    state, entries = replay(story.with_progress([rejected]), state)
    assert (state.status, state.status_reason, light_of(state, day("2026-03-02"))) == (
        "rejected", "不属于督办范围", None)
    assert [entry.text for entry in entries] == ["不予立项：不属于督办范围"]


def test_every_completed_task_is_in_the_timeline_by_its_bpmn_name_and_a_new_one_changes_nothing() -> None:
    story = ItemStory()
    state = told(story, [story.registered(), story.assigned(), story.signed()])
    created = story.task_created("report", "提交报告", due="2026-04-09")
    new, entry = projection().apply(state, created)
    assert entry is None and replace(new, last_event_at=state.last_event_at) == state
    done = story.task_completed("read_and_comment", "领导阅示")
    _, entry = projection().apply(state, done)
    assert entry is not None and entry.text == "完成「领导阅示」" and entry.kind == "task.completed"


def test_evaluations_are_kept_by_date_in_any_order_and_notes_are_timeline_entries_only() -> None:
    story = ItemStory()
    base = {"item_id": story.item_id, "actor": "office"}
    registered = ev.ItemRegistered(**{**story.registered().model_dump(), "joint_group": JointGroup(
        lead="fgw", members=["sthj"])})
    later = ev.ItemEvaluated(**base, occurred_at=START + dt.timedelta(hours=1), evaluator="省社科院",
                             evaluated_on=day("2026-03-02"), conclusion="总体良好")
    earlier = ev.ItemEvaluated(**base, occurred_at=START + dt.timedelta(hours=2), evaluator="第三方机构",
                               evaluated_on=day("2026-02-27"), conclusion="群众满意度低",
                               rating=EvaluationRating.FAIL)
    note = ev.ItemResearched(**base, occurred_at=START + dt.timedelta(hours=3), researched_on=day("2026-03-02"),
                             text="走访居民" * 100)
    in_order, entries = replay([registered, later, earlier, note])
    assert replay([note, earlier, registered, later])[0] == in_order
    assert in_order.joint_group == {"lead": "fgw", "members": ["sthj"]}
    assert [(e["evaluator"], e["date"], e["rating"]) for e in in_order.evaluations] == [
        ("第三方机构", "2026-02-27", "fail"), ("省社科院", "2026-03-02", None)]
    assert in_order.last_event_at == note.occurred_at
    texts = [e.text for e in entries]
    assert texts[1:3] == ["第三方评估（省社科院，2026年3月2日）：总体良好",
                          "第三方评估（第三方机构，2026年2月27日），评估等次：不合格：群众满意度低"]
    assert texts[3].startswith("调研（2026年3月2日）：走访居民") and texts[3].endswith("…") and len(texts[3]) < 220
    assert [e.unit for e in entries[1:]] == ["zjj"] * 3  # the lead unit's entries
    assert ItemState.from_row(in_order.as_row()) == in_order
    assert replay([later, later])[0].evaluations == replay([later])[0].evaluations  # one id, one evaluation

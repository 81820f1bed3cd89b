"""Who is told what, and what they read: the notification service's pure core."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

import pytest

from services.notification.adapters.templates import Renderer
from services.notification.domain.messages import date_cn
from services.notification.domain.rules import (
    REACTS_TO,
    TASK_NAMES,
    ItemInfo,
    Notice,
    UnknownItem,
    item_after,
    notices_for,
    reacts_to,
)
from shared.contracts.base import Event
from shared.contracts.commands import SendNotification
from shared.contracts.enums import AccountabilityTrigger, BulletinKind, DeadlineKind, Measure
from shared.contracts.events import (
    ALL_EVENTS,
    AccountabilityClosed,
    AccountabilityMeasureDecided,
    AccountabilityOpened,
    BulletinPublished,
    DeadlineOverdue,
    DeadlineReminder,
    ExtensionDecided,
    ExtensionRequested,
    ItemAssigned,
    ItemClosed,
    ItemReopened,
    ItemSigned,
    ReportReturned,
    TaskCompleted,
    TaskCreated,
)
from shared.identity import OrgDirectory, load_directory
from shared.retry import RetryPolicy
from tests.support.samples import T0, item_registered
from tests.support.services import REPO
from tests.unit.test_contracts import build

DIRECTORY = load_directory(REPO / "deploy" / "org.example.yaml")
ITEM_ID = uuid.UUID("5f1c2d3e-4a5b-4c6d-8e7f-901234567890")
ITEM = ItemInfo(ITEM_ID, "督办〔2026〕1号", "推进老旧小区改造", "zjj", ("tiedong",), dt.date(2026, 3, 9))
OFFICE = ["office", "office2"]
E = dict(occurred_at=T0, actor="system", item_id=ITEM_ID)


def who(event: object, item: ItemInfo | None = ITEM) -> list[tuple[str, str]]:
    return [(n.recipient, n.template) for n in notices_for(event, item, DIRECTORY)]  # type: ignore[arg-type]


def assigned() -> ItemAssigned:
    return ItemAssigned(**E, lead_unit="zjj", co_units=["tiedong", "jyj"], due_date=dt.date(2026, 3, 9),
                        due_date_estimated=False, sign_due_date=dt.date(2026, 3, 3))


def test_assignment_tells_the_lead_and_the_co_units_liaisons() -> None:
    assert who(assigned()) == [("zjj-liaison", "item_assigned_lead"), ("tiedong-liaison", "item_assigned_co"),
                               ("jyj-liaison", "item_assigned_co")]


@pytest.mark.parametrize(("deadline", "unit", "expected"), [
    (DeadlineKind.SIGN, "zjj", ["zjj-liaison"]),
    (DeadlineKind.REPORT, "zjj", ["zjj-liaison"]),
    (DeadlineKind.EXPLAIN, "zjj", ["zjj-head"]),
    (DeadlineKind.REVISIT, None, OFFICE),
])
def test_a_reminder_goes_to_whoever_must_act(deadline: DeadlineKind, unit: str | None, expected: list[str]) -> None:
    event = DeadlineReminder(**E, deadline=deadline, due_date=dt.date(2026, 3, 9), unit=unit)
    assert who(event) == [(name, "deadline_reminder") for name in expected]


def test_overdue_tells_the_liaison_the_head_and_the_office() -> None:
    event = DeadlineOverdue(**E, deadline=DeadlineKind.REPORT, due_date=dt.date(2026, 3, 9), unit="zjj")
    assert who(event) == [(n, "deadline_overdue") for n in ["zjj-liaison", "zjj-head", *OFFICE]]
    office_own = DeadlineOverdue(**E, deadline=DeadlineKind.REVISIT, due_date=dt.date(2026, 3, 9), unit=None)
    assert [name for name, _ in who(office_own)] == OFFICE


def test_returned_extended_and_closed_items_tell_the_lead_liaison() -> None:
    returned = ReportReturned(**E, round=1, reason="数据不全", new_due_date=dt.date(2026, 3, 16))
    refused = ExtensionDecided(**E, approved=False, new_due_date=None)
    closed = ItemClosed(**E, closed_on=dt.date(2026, 3, 6), on_time=True)
    assert who(returned) == [("zjj-liaison", "report_returned")]
    assert who(refused) == [("zjj-liaison", "extension_decided")]
    assert who(closed) == [("zjj-liaison", "item_closed")]


def test_accountability_tells_the_unit_head() -> None:
    case = uuid.uuid4()
    opened = AccountabilityOpened(**E, case_id=case, unit="tiexi", trigger=AccountabilityTrigger.OVERDUE,
                                  offence_count=2, reason="逾期未报")
    decided = AccountabilityMeasureDecided(**E, case_id=case, unit="tiexi", measure=Measure.INTERVIEW,
                                           escalated=True)
    assert who(opened) == [("tiexi-head", "accountability_opened")]
    assert who(decided) == [("tiexi-head", "accountability_measure")]


def test_a_bulletin_tells_every_units_liaison() -> None:
    bulletin = BulletinPublished(occurred_at=T0, actor="office", bulletin_id=uuid.uuid4(),
                                 bulletin_kind=BulletinKind.BULLETIN, title="2026年第一季度督查通报",
                                 period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 3, 31),
                                 praised_units=["zjj"], criticised_units=["tiexi"])
    told = who(bulletin, None)
    assert len(told) == len(DIRECTORY.units) and ("tiexi-liaison", "bulletin_published") in told
    assert all(name.endswith("-liaison") for name, _ in told)


def test_events_nobody_is_told_about_and_unknown_items() -> None:
    assert who(ItemSigned(**E, unit="zjj")) == []
    with pytest.raises(UnknownItem):
        who(ItemClosed(**E, closed_on=dt.date(2026, 3, 6), on_time=True), None)
    with pytest.raises(UnknownItem):
        who(DeadlineReminder(**E, deadline=DeadlineKind.SIGN, due_date=dt.date(2026, 3, 3), unit="zjj"), None)


@pytest.mark.parametrize("model", [m for m in ALL_EVENTS if m not in REACTS_TO], ids=lambda m: m.__name__)
def test_an_event_the_service_does_not_react_to_changes_no_item_and_tells_nobody(model: type[Event]) -> None:
    """What lets the service skip the item of such an event: neither rule has a use for it."""
    event = build(model, item_id=ITEM_ID) if "item_id" in model.model_fields else build(model)
    led = dataclasses.replace(ITEM, leader="mayor")
    assert item_after(event, led) is led  # type: ignore[arg-type]
    assert notices_for(event, led, DIRECTORY) == [] and notices_for(event, None, DIRECTORY) == []  # type: ignore[arg-type]


def test_the_item_follows_its_events() -> None:
    registered = item_registered(item_id=ITEM_ID)
    item = item_after(registered, None)
    assert item == ItemInfo(ITEM_ID, registered.code, registered.title, "zjj", ("tiedong",), None, "leader")
    item = item_after(assigned(), item)
    assert item is not None and (item.co_units, item.due_date) == (("tiedong", "jyj"), dt.date(2026, 3, 9))
    granted = ExtensionDecided(**E, approved=True, new_due_date=dt.date(2026, 3, 20))
    assert item_after(granted, item).due_date == dt.date(2026, 3, 20)  # type: ignore[union-attr]
    reopened = ItemReopened(**E, reason="回头看发现问题：整改不到位", new_due_date=dt.date(2026, 6, 1))
    assert item_after(reopened, item).due_date == dt.date(2026, 6, 1)  # type: ignore[union-attr]
    assert item_after(ItemSigned(**E, unit="zjj"), item) is item
    assert item_after(assigned(), None) is None  # never registered here: nothing to update


def test_messages_are_chinese_with_code_title_deadline_and_link() -> None:
    renderer = Renderer(DIRECTORY, "https://duban.example.gov.cn/")
    user = DIRECTORY.user("zjj-liaison")
    assert user is not None
    lead = renderer.render("item_assigned_lead", assigned(), ITEM, user)
    assert lead.title == "【督办交办】督办〔2026〕1号 推进老旧小区改造"
    assert lead.body.startswith(f"{user.name}同志：")
    assert "市住建局为牵头单位，协办单位：铁东区、市教育局" in lead.body
    assert "2026年3月3日前签收" in lead.body and "2026年3月9日前报告" in lead.body
    assert lead.link == f"https://duban.example.gov.cn/items/{ITEM_ID}" and lead.body.endswith(lead.link)
    returned = renderer.render("report_returned", ReportReturned(**E, round=2, reason="数据不全",
                                                                 new_due_date=dt.date(2026, 3, 16)), ITEM, user)
    assert "第2轮报告已被退回重办，原因：数据不全" in returned.body and "2026年3月16日" in returned.body


def test_every_template_renders_for_its_event() -> None:
    renderer = Renderer(DIRECTORY, "http://console")
    case = uuid.uuid4()
    events = [
        assigned(),
        DeadlineReminder(**E, deadline=DeadlineKind.REVISIT, due_date=dt.date(2026, 3, 9), unit=None),
        DeadlineReminder(**E, deadline=DeadlineKind.EXPLAIN, due_date=dt.date(2026, 3, 9), unit="zjj"),
        DeadlineOverdue(**E, deadline=DeadlineKind.SIGN, due_date=dt.date(2026, 3, 3), unit="zjj"),
        ReportReturned(**E, round=1, reason="退回重办", new_due_date=dt.date(2026, 3, 16)),
        ExtensionDecided(**E, approved=True, new_due_date=dt.date(2026, 3, 20), comment="同意延期"),
        ExtensionDecided(**E, approved=False, new_due_date=None),
        ItemClosed(**E, closed_on=dt.date(2026, 3, 6), on_time=False),
        AccountabilityOpened(occurred_at=T0, actor="system", case_id=case, unit="zjj",
                             trigger=AccountabilityTrigger.BULLETIN, bulletin_id=uuid.uuid4(), offence_count=1),
        AccountabilityMeasureDecided(occurred_at=T0, actor="leader", case_id=case, unit="zjj",
                                     measure=Measure.NONE, escalated=False),
        BulletinPublished(occurred_at=T0, actor="office", bulletin_id=uuid.uuid4(),
                          bulletin_kind=BulletinKind.BRIEFING, title="督查工作简报第1期",
                          period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 1, 31),
                          criticised_units=["zjj"]),
        ExtensionRequested(**E, requested_due_date=dt.date(2026, 3, 20), reason="需协调", unit="zjj"),
        AccountabilityClosed(**E, case_id=case, unit="zjj", measure=Measure.CRITICISM, outcome="explained"),
        task("review", "office"),
        task("decide_measure", "leader", item_id=None, case_id=case, due=None),
    ]
    seen = set()
    for event in events:
        item = ITEM if getattr(event, "item_id", None) else None
        for notice in notices_for(event, item, DIRECTORY):
            user = DIRECTORY.user(notice.recipient)
            assert user is not None
            message = renderer.render(notice.template, event, item, user)
            assert message.title.startswith("【") and user.name in message.body and message.link
            assert message.link in message.body and "None" not in message.body
            seen.add(notice.template)
    assert seen == {"item_assigned_lead", "item_assigned_co", "deadline_reminder", "deadline_overdue",
                    "report_returned", "extension_decided", "item_closed", "accountability_opened",
                    "accountability_measure", "bulletin_published", "extension_requested",
                    "accountability_closed", "task_created"}
    assert Notice("x", "y") == Notice("x", "y") and date_cn(dt.date(2026, 10, 1)) == "2026年10月1日"


# --- to-do notices (待办提醒), extension requests, closed cases, free messages ----------------------------
LEADERS = ["mayor", "leader", "secretary-general"]


def task(kind: str, role: str, unit: str | None = None, *, item_id: uuid.UUID | None = ITEM_ID,
         case_id: uuid.UUID | None = None, due: dt.date | None = dt.date(2026, 3, 9), name: str | None = None,
         user: str | None = None) -> TaskCreated:
    return TaskCreated(occurred_at=T0, actor="system", task_id=uuid.UUID(int=7), task_kind=kind, task_name=name,
                       item_id=item_id, case_id=case_id, assignee_unit=unit, assignee_role=role, assignee_user=user,
                       due_date=due)


@pytest.mark.parametrize("kind", ["review", "revisit", "verify_explanation"])
def test_an_office_task_tells_every_office_user(kind: str) -> None:
    assert who(task(kind, "office")) == [(name, "task_created") for name in OFFICE]


def test_a_leader_task_tells_the_items_leader_else_every_leader() -> None:
    led = dataclasses.replace(ITEM, leader="mayor")
    assert who(task("approve_item", "leader"), led) == [("mayor", "task_created")]
    assert who(task("decide_measure", "leader", case_id=uuid.uuid4()), led) == [("mayor", "task_created")]
    # leader unknown to this service, not in the directory, or not a leader: every leader may act
    for item in (ITEM, dataclasses.replace(ITEM, leader="ghost"), dataclasses.replace(ITEM, leader="office")):
        assert [name for name, _ in who(task("approve_item", "leader"), item)] == LEADERS
    bulletin_case = task("decide_measure", "leader", item_id=None, case_id=uuid.uuid4(), due=None)
    assert [name for name, _ in who(bulletin_case, None)] == LEADERS


def test_a_task_for_one_named_user_tells_that_user_only() -> None:
    led = dataclasses.replace(ITEM, leader="leader")
    assert who(task("approve_item", "leader", user="mayor"), led) == [("mayor", "task_created")]
    assert who(task("decide_measure", "leader", item_id=None, case_id=uuid.uuid4(), user="leader"), None) == [
        ("leader", "task_created")]  # a bulletin-born case: not every leader
    assert who(task("review", "office", user="office2")) == [("office2", "task_created")]
    assert who(task("sign", "liaison", "zjj", user="zjj-liaison")) == []  # unit tasks are told by other events


def test_a_notice_names_the_task_as_the_designer_did_else_by_its_kind() -> None:
    renderer = Renderer(DIRECTORY, "https://duban.example.gov.cn/")
    mayor = DIRECTORY.user("mayor")
    assert mayor is not None
    named = renderer.render("task_created", task("approve_item", "leader", name="分管领导审批立项"), ITEM, mayor)
    assert named.title == "【待办提醒】分管领导审批立项 督办〔2026〕1号 推进老旧小区改造"
    assert "（督办〔2026〕1号）待您分管领导审批立项，请于2026年3月9日前办理" in named.body
    designed = renderer.render("task_created", task("verify_explanation", "office", name="复核整改\n报告"), ITEM, mayor)
    assert designed.title.startswith("【待办提醒】复核整改 报告 ")  # one line, whatever the BPMN holds
    old = renderer.render("task_created", task("approve_item", "leader"), ITEM, mayor)  # written before task_name
    assert old.title == "【待办提醒】审批立项 督办〔2026〕1号 推进老旧小区改造"


def test_a_plan_is_for_the_secretary_general_only() -> None:
    assert who(task("approve_plan", "secretary_general")) == [("secretary-general", "task_created")]
    nobody_in_charge = OrgDirectory(DIRECTORY.city, DIRECTORY.units,
                                    [u for u in DIRECTORY.users if not u.secretary_general])
    assert notices_for(task("approve_plan", "secretary_general"), ITEM, nobody_in_charge) == []


def test_tasks_already_announced_by_another_event_tell_nobody_again() -> None:
    """Each step of an item tells each person once: a unit's tasks come with item.assigned,
    report.returned, extension.decided or the accountability events; the office's extension
    decision comes with extension.requested."""
    case = uuid.uuid4()
    steps: list[tuple[object, list[tuple[str, str]]]] = [
        (assigned(), [("zjj-liaison", "item_assigned_lead"), ("tiedong-liaison", "item_assigned_co"),
                      ("jyj-liaison", "item_assigned_co")]),
        (task("sign", "liaison", "zjj"), []),
        (task("report", "liaison", "zjj"), []),
        (ExtensionRequested(**E, requested_due_date=dt.date(2026, 3, 20), reason="需协调多个部门", unit="zjj"),
         [(name, "extension_requested") for name in OFFICE]),
        (task("extension_decision", "office"), []),
        (TaskCompleted(occurred_at=T0, actor="office", task_id=uuid.uuid4(), task_kind="extension_decision",
                       item_id=ITEM_ID, data={"decision": "approve"}), []),
        (ReportReturned(**E, round=1, reason="数据不全", new_due_date=dt.date(2026, 3, 16)),
         [("zjj-liaison", "report_returned")]),
        (task("report", "liaison", "zjj"), []),
        (AccountabilityOpened(**E, case_id=case, unit="zjj", trigger=AccountabilityTrigger.OVERDUE, offence_count=1),
         [("zjj-head", "accountability_opened")]),
        (AccountabilityMeasureDecided(**E, case_id=case, unit="zjj", measure=Measure.CRITICISM, escalated=False),
         [("zjj-head", "accountability_measure")]),
        (task("explain", "head", "zjj", case_id=case), []),
    ]
    for event, expected in steps:
        assert who(event) == expected, event
        if isinstance(event, TaskCreated):  # not even recorded: the service does not react to it
            assert not reacts_to(event), event
    assert reacts_to(task("review", "office")) and reacts_to(task("approve_item", "leader", user="leader"))


def test_a_task_of_an_unknown_item_waits_for_the_item() -> None:
    with pytest.raises(UnknownItem):
        who(task("review", "office"), None)
    assert who(task("sign", "liaison", "zjj"), None) == []  # nobody to tell: nothing to wait for
    assert who(task("approve_item", "admin")) == []  # a role no user task is assigned to


def test_extension_requests_tell_the_office_and_closed_cases_the_unit_head() -> None:
    requested = ExtensionRequested(**E, requested_due_date=dt.date(2026, 3, 20), reason="需协调", unit="zjj")
    assert who(requested) == [(name, "extension_requested") for name in OFFICE]
    closed = AccountabilityClosed(occurred_at=T0, actor="office", case_id=uuid.uuid4(), unit="tiexi",
                                  measure=Measure.INTERVIEW, outcome="explained")
    assert who(closed, None) == [("tiexi-head", "accountability_closed")]
    with pytest.raises(UnknownItem):
        who(requested, None)


def test_every_task_kind_of_the_workflows_has_a_chinese_name() -> None:
    readme = (REPO / "workflows" / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The platform's forms", 1)[1].split("\n## ", 1)[0]
    kinds = {line.split("|")[1].strip() for line in section.splitlines()
             if line.startswith("| ") and not line.startswith(("| kind", "| ---"))}
    assert len(kinds) == 14 and kinds == set(TASK_NAMES)
    assert {TASK_NAMES[k] for k in ("approve_item", "approve_plan", "extension_decision", "review", "revisit",
                                    "decide_measure", "verify_explanation")} == {
        "审批立项", "审批督查计划", "审批延期", "审核报告", "回访复核", "决定问责措施", "审核原因和改进措施"}


def test_to_do_notices_name_the_task_the_item_the_due_date_and_link_to_the_task() -> None:
    renderer = Renderer(DIRECTORY, "https://duban.example.gov.cn/")
    mayor, office = DIRECTORY.user("mayor"), DIRECTORY.user("office")
    assert mayor is not None and office is not None
    approve = renderer.render("task_created", task("approve_item", "leader"), ITEM, mayor)
    assert approve.title == "【待办提醒】审批立项 督办〔2026〕1号 推进老旧小区改造"
    assert approve.body.startswith(f"{mayor.name}同志：")
    assert "督办事项“推进老旧小区改造”（督办〔2026〕1号）待您审批立项，请于2026年3月9日前办理。" in approve.body
    assert approve.link == f"https://duban.example.gov.cn/tasks/{uuid.UUID(int=7)}"
    assert approve.body.endswith(approve.link)
    case = renderer.render("task_created", task("decide_measure", "leader", item_id=None, case_id=uuid.uuid4(),
                                                due=None), None, mayor)
    assert case.title == "【待办提醒】决定问责措施" and "问责案件待您决定问责措施，请及时办理。" in case.body
    assert case.link == approve.link and "None" not in case.body

    requested = renderer.render("extension_requested", ExtensionRequested(
        **E, requested_due_date=dt.date(2026, 3, 20), reason="需协调多个部门", unit="zjj"), ITEM, office)
    assert requested.title == "【延期申请】督办〔2026〕1号 推进老旧小区改造"
    assert "市住建局申请将督办事项“推进老旧小区改造”（督办〔2026〕1号）的报告时限由2026年3月9日延至2026年3月20日" in requested.body
    assert "需协调多个部门" in requested.body and "请于2026年3月9日前审批" in requested.body
    assert requested.link == f"https://duban.example.gov.cn/items/{ITEM_ID}"


def test_a_closed_case_tells_the_measure_in_chinese() -> None:
    renderer = Renderer(DIRECTORY, "http://console")
    head = DIRECTORY.user("zjj-head")
    assert head is not None
    case = uuid.uuid4()
    explained = AccountabilityClosed(**E, case_id=case, unit="zjj", measure=Measure.ADMONISHMENT, outcome="explained")
    message = renderer.render("accountability_closed", explained, ITEM, head)
    assert message.title == "【问责结案】市住建局：诫勉谈话"
    assert "关于督办事项“推进老旧小区改造”（督办〔2026〕1号），对市住建局的问责已结案，问责措施：诫勉谈话。" in message.body
    assert "原因和改进措施已审核通过" in message.body and message.link == f"http://console/items/{ITEM_ID}"
    none = AccountabilityClosed(occurred_at=T0, actor="leader", case_id=case, unit="zjj", measure=Measure.NONE,
                                outcome="no_measure")
    message = renderer.render("accountability_closed", none, None, head)
    assert message.title == "【问责结案】市住建局：不予问责"
    assert message.body.startswith(f"{head.name}同志：\n对市住建局的问责已结案，领导决定不予问责。\n详情：")
    assert message.link == f"http://console/accountability/{case}"


def test_a_free_message_keeps_its_text_and_link() -> None:
    renderer = Renderer(DIRECTORY, "http://console")
    user = DIRECTORY.user("zjj-liaison")
    assert user is not None
    command = SendNotification(occurred_at=T0, actor="office", recipients=["zjj-liaison"],
                               title="关于报送\n第一季度材料", body="请于3月20日前报送。\n联系电话：0412-0000001",
                               link="https://duban.example.gov.cn/docs/1")
    message = renderer.render("free_message", command, None, user)
    assert message.title == "【通知】关于报送 第一季度材料"
    assert message.body == (f"{user.name}同志：\n请于3月20日前报送。\n联系电话：0412-0000001\n"
                            "详情：https://duban.example.gov.cn/docs/1")
    plain = command.model_copy(update={"title": "【紧急通知】明日召开督查工作会", "link": None})
    message = renderer.render("free_message", plain, None, user)
    assert message.title == "【紧急通知】明日召开督查工作会" and message.link is None
    assert not message.body.endswith("详情：") and "None" not in message.body


def test_the_retry_policy_backs_off_then_gives_up() -> None:
    policy = RetryPolicy(max_attempts=4, delays=(60.0, 300.0))
    assert [policy.delay_after(n) for n in (1, 2, 3, 4, 5)] == [60.0, 300.0, 300.0, None, None]  # the last repeats
    assert RetryPolicy(max_attempts=2, delays=()).delay_after(1) == 0.0  # no delays: again at once
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)

"""Who is told what, and what they read: the notification service's pure core."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from services.notification.dispatcher import RetryBudget
from services.notification.messages import Renderer, date_cn
from services.notification.rules import ItemInfo, Notice, UnknownItem, item_after, notices_for
from shared.contracts.enums import AccountabilityTrigger, BulletinKind, DeadlineKind, Measure
from shared.contracts.events import (
    AccountabilityMeasureDecided,
    AccountabilityOpened,
    BulletinPublished,
    DeadlineOverdue,
    DeadlineReminder,
    ExtensionDecided,
    ItemAssigned,
    ItemClosed,
    ItemReopened,
    ItemSigned,
    ReportReturned,
)
from shared.identity import load_directory
from tests.support.samples import T0, item_registered
from tests.support.services import REPO

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


def test_the_item_follows_its_events() -> None:
    registered = item_registered(item_id=ITEM_ID)
    item = item_after(registered, None)
    assert item == ItemInfo(ITEM_ID, registered.code, registered.title, "zjj", ("tiedong",), None)
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
                    "accountability_measure", "bulletin_published"}
    assert Notice("x", "y") == Notice("x", "y") and date_cn(dt.date(2026, 10, 1)) == "2026年10月1日"


def test_the_retry_budget_backs_off_then_gives_up() -> None:
    budget = RetryBudget(max_attempts=4, backoff=(60.0, 300.0))
    assert budget.retry_at(1, T0) == T0 + dt.timedelta(seconds=60)
    assert budget.retry_at(2, T0) == T0 + dt.timedelta(seconds=300)
    assert budget.retry_at(3, T0) == T0 + dt.timedelta(seconds=300)  # the last step repeats
    assert budget.retry_at(4, T0) is None

"""The shared message contracts: every registered model round-trips and rejects bad input."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from collections.abc import Callable
from typing import Any, ClassVar
from uuid import UUID

import pytest
from pydantic import ValidationError

from shared.contracts import (
    COMMANDS,
    EVENTS,
    MESSAGES,
    AccountabilityClosed,
    AccountabilityMeasureDecided,
    AccountabilityOpened,
    AccountabilityTrigger,
    BadRoot,
    BulletinKind,
    BulletinPublished,
    Cadence,
    Command,
    DeadlineKind,
    DeadlineOverdue,
    DeadlineReminder,
    Event,
    ExtensionDecided,
    ExtensionRequested,
    GenerateBulletin,
    ItemApproved,
    ItemAssigned,
    ItemClosed,
    ItemRegistered,
    ItemRejected,
    ItemReopened,
    ItemSigned,
    MalformedMessage,
    Measure,
    Message,
    OpenAccountability,
    ReportAccepted,
    ReportReturned,
    ReportSubmitted,
    ReportType,
    RevisitCompleted,
    RevisitMethod,
    SendNotification,
    Source,
    TaskCompleted,
    TaskCreated,
    Urgency,
    canonical,
    enums,
    namespaced,
    parse_message,
    subject_of,
    subjects,
)

NOW = dt.datetime(2025, 3, 3, 1, 30, tzinfo=dt.UTC)
ITEM = UUID("00000000-0000-4000-8000-000000000001")
CASE = UUID("00000000-0000-4000-8000-000000000002")
BULLETIN = UUID("00000000-0000-4000-8000-000000000003")
TASK = UUID("00000000-0000-4000-8000-000000000004")
D1, D2 = dt.date(2025, 3, 6), dt.date(2025, 3, 10)

# One sample payload per model (without the common fields). A model added to the registry
# without a sample here fails every parametrized test below.
SAMPLES: dict[type[Message], Callable[[], dict[str, Any]]] = {
    ItemRegistered: lambda: dict(
        item_id=ITEM, code="DB-2025-001", title="推进老旧小区改造", description="市长批示：三月底前完成",
        source=Source.LEADER_INSTRUCTION, urgency=Urgency.SPECIAL, due_date=D2,
        lead_unit="zjj", co_units=["fgw", "czj"], leader="li_fushizhang", major=True,
        public=False, livelihood=True, cadence=Cadence.MONTHLY),
    ItemApproved: lambda: dict(item_id=ITEM, comment="同意", due_date=D2, due_date_estimated=True),
    ItemRejected: lambda: dict(item_id=ITEM, comment="不属于督查范围"),
    ItemAssigned: lambda: dict(item_id=ITEM, lead_unit="zjj", co_units=["fgw"], due_date=D2,
                               due_date_estimated=False, sign_due_date=D1),
    ItemSigned: lambda: dict(item_id=ITEM, unit="zjj", comment="已签收"),
    ReportSubmitted: lambda: dict(item_id=ITEM, round=2, report_type=ReportType.PROGRESS,
                                  content="已完成改造12个小区", attachments=["files/a.pdf"],
                                  late=True, unit="zjj"),
    ReportReturned: lambda: dict(item_id=ITEM, round=1, reason="情况不实", new_due_date=D2),
    ReportAccepted: lambda: dict(item_id=ITEM, round=3, report_type=ReportType.COMPLETION,
                                 comment="通过"),
    DeadlineReminder: lambda: dict(item_id=ITEM, deadline=DeadlineKind.REPORT, due_date=D1,
                                   unit="zjj"),
    DeadlineOverdue: lambda: dict(item_id=ITEM, deadline=DeadlineKind.SIGN, due_date=D1,
                                  unit="fgw"),
    ExtensionRequested: lambda: dict(item_id=ITEM, requested_due_date=D2, reason="需省级审批",
                                     unit="zjj"),
    ExtensionDecided: lambda: dict(item_id=ITEM, approved=True, new_due_date=D2, comment="同意延期"),
    RevisitCompleted: lambda: dict(item_id=ITEM, method=RevisitMethod.UNANNOUNCED_VISIT,
                                   truthful=True, implemented=True, rectified=False, solved=True,
                                   satisfied=False, passed=False, note="群众反映仍有积水"),
    ItemClosed: lambda: dict(item_id=ITEM, closed_on=D1, on_time=True),
    ItemReopened: lambda: dict(item_id=ITEM, reason="回头看发现问题反弹", new_due_date=D2),
    AccountabilityOpened: lambda: dict(case_id=CASE, unit="zjj", item_id=ITEM,
                                       trigger=AccountabilityTrigger.OVERDUE, offence_count=2,
                                       bulletin_id=BULLETIN, reason="逾期未报"),
    AccountabilityMeasureDecided: lambda: dict(case_id=CASE, unit="zjj", item_id=ITEM,
                                               measure=Measure.INTERVIEW, escalated=True,
                                               comment="约谈主要负责人"),
    AccountabilityClosed: lambda: dict(case_id=CASE, unit="zjj", item_id=ITEM,
                                       measure=Measure.CRITICISM, outcome="已报告原因和改进措施"),
    TaskCreated: lambda: dict(task_id=TASK, task_kind="sign_item", item_id=ITEM, case_id=CASE,
                              assignee_unit="zjj", assignee_role="liaison", due_date=D1),
    TaskCompleted: lambda: dict(task_id=TASK, task_kind="review_report", item_id=ITEM,
                                case_id=CASE, data={"decision": "accept", "意见": "好",
                                                    "score": 9, "tags": ["a", None, True]}),
    BulletinPublished: lambda: dict(bulletin_id=BULLETIN, bulletin_kind=BulletinKind.BULLETIN,
                                    title="2025年第1期督查通报", period_start=D1, period_end=D2,
                                    praised_units=["fgw"], criticised_units=["zjj"]),
    OpenAccountability: lambda: dict(unit="zjj", item_id=ITEM, reason="通报批评：推诿扯皮",
                                     bulletin_id=BULLETIN),
    SendNotification: lambda: dict(recipients=["wang_wu", "zhao_liu"], title="督办提醒",
                                   body="请于3月6日前报送进展", link="https://duban.example/items/1"),
    GenerateBulletin: lambda: dict(bulletin_kind=BulletinKind.BRIEFING, period_start=D1,
                                   period_end=D2),
}


def build(model: type[Message], **changes: Any) -> Message:
    fields = {"occurred_at": NOW, "actor": "du_cha_yuan", **SAMPLES[model](), **changes}
    return model(**fields)


def payload(model: type[Message]) -> dict[str, Any]:
    return json.loads(build(model).to_json())


def reject(model: type[Message], data: dict[str, Any]) -> MalformedMessage:
    with pytest.raises(MalformedMessage) as caught:
        parse_message(model.subject, json.dumps(data, ensure_ascii=False).encode())
    return caught.value


ALL = pytest.mark.parametrize("model", list(MESSAGES.values()), ids=lambda m: m.__name__)


def test_every_registered_model_has_a_sample_and_vice_versa() -> None:
    assert set(SAMPLES) == set(MESSAGES.values())
    assert len(MESSAGES) == len(EVENTS) + len(COMMANDS) == 24


@ALL
def test_json_round_trip(model: type[Message]) -> None:
    message = build(model)
    data = message.to_json()
    assert isinstance(data, bytes)
    assert model.model_validate_json(data) == message


@ALL
def test_parse_message_round_trip_by_subject(model: type[Message]) -> None:
    message = build(model)
    parsed = parse_message(model.subject, message.to_json())
    assert type(parsed) is model and parsed == message
    isolated = parse_message(subject_of(message, "t3f9a"), message.to_json(), root="t3f9a")
    assert isolated == message


@ALL
def test_unknown_field_rejected(model: type[Message]) -> None:
    error = reject(model, {**payload(model), "surprise": 1})
    assert ("surprise", "Extra inputs are not permitted") in error.errors
    with pytest.raises(ValidationError):
        build(model, surprise=1)


def _wrong(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "a"
    if isinstance(value, dict):
        return ["a"]
    return 5  # for strings (text, UUIDs, dates, enums) and None


@ALL
def test_a_wrong_type_is_rejected_in_every_field(model: type[Message]) -> None:
    good = payload(model)
    accepted = []
    for name, value in good.items():
        try:
            reject(model, {**good, name: _wrong(value)})
        except pytest.fail.Exception:
            accepted.append(name)
    assert accepted == []


def test_strict_rejects_numeric_strings_and_yes_for_bool() -> None:
    report = payload(ReportSubmitted)
    assert reject(ReportSubmitted, {**report, "round": "5"}).errors[0][0] == "round"
    assert reject(ReportSubmitted, {**report, "late": "yes"}).errors[0][0] == "late"
    assert reject(ItemClosed, {**payload(ItemClosed), "on_time": 1}).errors[0][0] == "on_time"
    with pytest.raises(ValidationError):
        build(AccountabilityOpened, offence_count="2")
    with pytest.raises(ValidationError):
        build(ItemRegistered, urgency="urgent")  # Python callers pass enum members


@ALL
def test_naive_datetime_rejected(model: type[Message]) -> None:
    error = reject(model, {**payload(model), "occurred_at": "2025-03-03T09:30:00"})
    assert [field for field, _ in error.errors] == ["occurred_at"]
    with pytest.raises(ValidationError, match="timezone"):
        build(model, occurred_at=dt.datetime(2025, 3, 3, 9, 30))


@ALL
def test_other_schema_versions_rejected(model: type[Message]) -> None:
    error = reject(model, {**payload(model), "schema_version": 2})
    assert "schema_version 2 is not supported" in error.reason
    assert build(model).schema_version == model.SCHEMA_VERSION == 1


def test_occurred_at_is_normalised_to_utc() -> None:
    beijing = dt.datetime(2025, 3, 3, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    message = build(ItemClosed, occurred_at=beijing)
    assert message.occurred_at.utcoffset() == dt.timedelta(0) and message.occurred_at == NOW
    assert b'"occurred_at":"2025-03-03T01:30:00Z"' in message.to_json()
    parsed = parse_message(ItemClosed.subject, json.dumps(
        {**payload(ItemClosed), "occurred_at": "2025-03-03T09:30:00+08:00"}).encode())
    assert parsed.occurred_at.tzinfo == dt.UTC


def test_json_strings_become_real_types() -> None:
    parsed = parse_message(subjects.ITEM_REGISTERED, build(ItemRegistered).to_json())
    assert isinstance(parsed, ItemRegistered)
    assert parsed.item_id == ITEM and parsed.due_date == D2 and parsed.urgency is Urgency.SPECIAL
    assert isinstance(parsed.event_id, UUID)


def test_chinese_text_survives_the_round_trip() -> None:
    message = build(SendNotification, title="关于督查通报的通知", body="请报告原因和改进措施（诫勉谈话）")
    data = message.to_json()
    assert "关于督查通报的通知".encode() in data and b"\\u" not in data
    parsed = parse_message(subjects.CMD_SEND_NOTIFICATION, data)
    assert parsed.title == "关于督查通报的通知" and parsed.body == "请报告原因和改进措施（诫勉谈话）"
    task = parse_message(subjects.TASK_COMPLETED, build(TaskCompleted).to_json())
    assert task.data["意见"] == "好"


def test_subjects_are_well_formed_unique_and_all_registered() -> None:
    pattern = re.compile(r"^duban\.(events|cmd)\.[a-z_]+\.[a-z_]+$")
    constants = [v for k, v in vars(subjects).items()
                 if k.isupper() and isinstance(v, str) and pattern.match(v)]
    assert len(constants) == len(set(constants)) == len(MESSAGES)
    assert set(constants) == set(MESSAGES)
    for subject, model in MESSAGES.items():
        assert model.subject == subject
        assert subject == model.SUBJECT_PREFIX + model.kind
    assert all(s.startswith("duban.events.") and issubclass(m, Event) for s, m in EVENTS.items())
    assert all(s.startswith("duban.cmd.") and issubclass(m, Command) for s, m in COMMANDS.items())
    assert ItemRegistered.kind == "item.registered"
    assert AccountabilityMeasureDecided.subject == "duban.events.accountability.measure_decided"
    assert OpenAccountability.subject == "duban.cmd.workflow.open_accountability"


def test_namespaced_swaps_the_root() -> None:
    assert namespaced(subjects.ITEM_REGISTERED, "t3f9a") == "t3f9a.events.item.registered"
    assert namespaced(subjects.EVENTS_WILDCARD, "t3f9a") == "t3f9a.events.>"
    assert namespaced(subjects.COMMANDS_WILDCARD, "t_2") == "t_2.cmd.>"
    assert namespaced(subjects.DEAD_LETTER_PREFIX, "t1") == "t1.dlq"
    assert namespaced(subjects.ITEM_REGISTERED, "duban") == subjects.ITEM_REGISTERED
    assert canonical("t3f9a.events.item.signed", "t3f9a") == subjects.ITEM_SIGNED
    with pytest.raises(ValueError):
        namespaced("other.events.item.signed", "t1")


@pytest.mark.parametrize("root", ["", "T1", "1abc", "_a", "a.b", "a b", "a*", ">", "ab-c", "测试"])
def test_namespaced_rejects_bad_roots(root: str) -> None:
    with pytest.raises(BadRoot):
        namespaced(subjects.ITEM_REGISTERED, root)
    with pytest.raises(BadRoot):
        parse_message(subjects.ITEM_SIGNED, build(ItemSigned).to_json(), root=root)


@pytest.mark.parametrize("subject, root", [
    ("duban.events.item.exploded", "duban"),
    ("duban.events.item.registered", "t1"),  # a message from outside the test's namespace
    ("t1.events.item.registered", "duban"),
    ("duban.events", "duban"),
])
def test_parse_message_rejects_unknown_subjects(subject: str, root: str) -> None:
    with pytest.raises(MalformedMessage) as caught:
        parse_message(subject, build(ItemRegistered).to_json(), root=root)
    assert caught.value.subject == subject


@pytest.mark.parametrize("data", [b"{not json", b"\xff\xfe", b"[]", b"null", b""])
def test_parse_message_rejects_bytes_that_are_no_object(data: bytes) -> None:
    with pytest.raises(MalformedMessage) as caught:
        parse_message(subjects.ITEM_CLOSED, data)
    assert caught.value.errors and "ItemClosed rejected" in caught.value.reason


def test_malformed_message_names_every_bad_field() -> None:
    bad = {**payload(ReportSubmitted), "round": 0, "unit": "", "content": "   "}
    del bad["late"]
    error = reject(ReportSubmitted, bad)
    assert {field for field, _ in error.errors} == {"round", "unit", "content", "late"}
    for field in ("round", "unit", "content", "late"):
        assert f"{field}: " in error.reason and f"{field}: " in str(error)
    assert isinstance(error, ValueError)


INVALID: list[tuple[type[Message], dict[str, Any], str]] = [
    (ItemRegistered, {"co_units": ["fgw", "zjj"]}, "lead unit"),
    (ItemRegistered, {"co_units": ["fgw", "fgw"]}, "twice"),
    (ItemRegistered, {"urgency": Urgency.NORMAL}, "special"),
    (ItemRegistered, {"title": "   "}, "title"),
    (ItemRegistered, {"lead_unit": "zj j"}, "lead_unit"),
    (ItemRegistered, {"title": "长" * 201}, "title"),
    (ItemAssigned, {"co_units": ["zjj"]}, "lead unit"),
    (ItemRejected, {"comment": ""}, "comment"),
    (ReportSubmitted, {"round": 0}, "round"),
    (ReportSubmitted, {"round": True}, "round"),
    (ReportSubmitted, {"attachments": [""]}, "attachments"),
    (ExtensionDecided, {"approved": True, "new_due_date": None}, "needs new_due_date"),
    (ExtensionDecided, {"approved": False}, "no new_due_date"),
    (AccountabilityOpened, {"offence_count": 0}, "offence_count"),
    (AccountabilityOpened, {"trigger": AccountabilityTrigger.BULLETIN, "bulletin_id": None},
     "bulletin_id"),
    (AccountabilityOpened, {"item_id": None}, "item_id"),
    (AccountabilityClosed, {"outcome": ""}, "outcome"),
    (BulletinPublished, {"period_start": D2, "period_end": D1}, "after"),
    (BulletinPublished, {"praised_units": ["zjj"]}, "both praised and criticised"),
    (SendNotification, {"recipients": []}, "recipients"),
    (SendNotification, {"recipients": ["a", "a"]}, "twice"),
    (OpenAccountability, {"item_id": None, "bulletin_id": None}, "item_id or the bulletin_id"),
    (GenerateBulletin, {"period_start": D2, "period_end": D1}, "after"),
    (TaskCompleted, {"data": {"when": D1}}, "data"),
    (ItemSigned, {"actor": ""}, "actor"),
]


@pytest.mark.parametrize("model, changes, message", INVALID,
                         ids=[f"{m.__name__}-{i}" for i, (m, _, _) in enumerate(INVALID)])
def test_domain_rules_are_enforced(model: type[Message], changes: dict[str, Any],
                                   message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        build(model, **changes)


def test_optional_references_may_be_absent() -> None:
    from_bulletin = build(AccountabilityOpened, item_id=None, reason="",
                          trigger=AccountabilityTrigger.BULLETIN)
    assert from_bulletin.item_id is None
    office = build(DeadlineReminder, deadline=DeadlineKind.REVISIT, unit=None)
    assert parse_message(office.subject, office.to_json()) == office
    refused = build(ExtensionDecided, approved=False, new_due_date=None)
    assert refused.new_due_date is None
    normal = build(ItemRegistered, urgency=Urgency.NORMAL, due_date=None)
    assert normal.due_date is None


def test_messages_are_frozen_and_ids_unique() -> None:
    first, second = build(ItemClosed), build(ItemClosed)
    with pytest.raises(ValidationError):
        first.on_time = False  # type: ignore[misc]
    assert first.event_id != second.event_id and first != second
    assert first.msg_id == str(first.event_id)
    assert hash(first) != hash(second)


def test_enums_carry_chinese_labels_and_english_values() -> None:
    assert Urgency.URGENT.label == "急件" and Urgency("urgent") is Urgency.URGENT
    assert Source.MEDIA_ISSUE.label == "媒体/内参反映问题"
    assert Measure.ADMONISHMENT.label == "诫勉谈话"
    assert RevisitMethod.labels()["open_visit"] == "明查"
    assert BulletinKind.BRIEFING.label == "督查工作简报"
    for enum in vars(enums).values():
        if isinstance(enum, type) and issubclass(enum, enums.LabelledEnum) \
                and enum is not enums.LabelledEnum:
            for member in enum:
                assert member.value.isascii() and not member.label.isascii(), member


def test_model_definitions_are_checked_at_import() -> None:
    with pytest.raises(TypeError, match="shadows"):
        class Clash(Event):  # noqa: F841
            subject: ClassVar[str] = "duban.events.clash.made"
            kind: int  # type: ignore[assignment]
    with pytest.raises(TypeError, match="must start with"):
        class Misplaced(Command):  # noqa: F841
            subject: ClassVar[str] = "duban.events.item.misplaced"
    with pytest.raises(TypeError, match="SCHEMA_VERSION"):
        class Bumped(Event):  # noqa: F841
            subject: ClassVar[str] = "duban.events.item.bumped"
            SCHEMA_VERSION: ClassVar[int] = 2


def test_contracts_import_no_io_framework() -> None:
    code = ("import sys, shared.contracts; bad = {'faststream', 'nats', 'sqlalchemy',"
            " 'fastapi', 'httpx', 'SpiffWorkflow'} & {m.split('.')[0] for m in sys.modules};"
            " print(sorted(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


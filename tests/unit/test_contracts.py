"""The shared message contracts: every registered model round-trips and rejects bad input."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from typing import Any, ClassVar
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from shared.contracts import (
    COMMANDS,
    EVENTS,
    MESSAGES,
    PRODUCER_HEADER,
    AccountabilityClosed,
    AccountabilityMeasureDecided,
    AccountabilityOpened,
    AccountabilityTrigger,
    ApproveBulletin,
    BadRoot,
    BulletinApproved,
    BulletinKind,
    BulletinPublished,
    BulletinReturned,
    Cadence,
    CheckKind,
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
    ItemEvaluated,
    ItemProgressed,
    ItemRegistered,
    ItemRejected,
    ItemReopened,
    ItemResearched,
    ItemSigned,
    ItemStatus,
    MalformedMessage,
    Measure,
    Message,
    OpenAccountability,
    PublicRatingChanged,
    ReportAccepted,
    ReportReturned,
    ReportSubmitted,
    ReportType,
    RevisitCompleted,
    RevisitMethod,
    SelfCheckProgress,
    SendNotification,
    Source,
    TargetCheckReviewed,
    TargetCheckSelfChecked,
    TargetCheckStarted,
    TaskCompleted,
    TaskCreated,
    Urgency,
    WrongProducer,
    canonical,
    decode,
    enums,
    namespaced,
    parse_message,
    subject_of,
    subjects,
)
from shared.contracts.item_events import JointGroup
from shared.contracts.text import multi_line, one_line

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
    ItemProgressed: lambda: dict(item_id=ITEM, status=ItemStatus.IN_PROGRESS, due_date=D2, overdue=True,
                                 overdue_deadline=DeadlineKind.REPORT),
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
    ItemEvaluated: lambda: dict(item_id=ITEM, evaluator="辽宁省社会科学院", evaluated_on=D1,
                                conclusion="改造质量总体良好，群众满意度92%", rating=enums.EvaluationRating.GOOD,
                                attachment=TASK, attachment_name="评估报告.pdf"),
    ItemResearched: lambda: dict(item_id=ITEM, researched_on=D1, author="王调研员", place="铁东区胜利街道",
                                 text="走访居民30户，建议增设排水管网"),
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
    BulletinApproved: lambda: dict(bulletin_id=BULLETIN, remarks="各单位要对照通报问题抓好整改", comment="同意印发"),
    BulletinReturned: lambda: dict(bulletin_id=BULLETIN, comment="按语再精炼"),
    TargetCheckStarted: lambda: dict(item_id=ITEM, check=CheckKind.MID_YEAR, period="2026-H1", unit="zjj",
                                     due_date=D1),
    TargetCheckSelfChecked: lambda: dict(item_id=ITEM, check=CheckKind.YEAR_END, period="2026-H2", unit="zjj",
                                         round=1, progress=SelfCheckProgress.ON_TRACK, content="已完成年度目标的80%"),
    TargetCheckReviewed: lambda: dict(item_id=ITEM, check=CheckKind.YEAR_END, period="2026-H2", unit="zjj",
                                      round=1, accepted=False, comment="数据不实", new_due_date=D2),
    PublicRatingChanged: lambda: dict(item_id=ITEM, average=4.5, count=2),
    OpenAccountability: lambda: dict(unit="zjj", item_id=ITEM, reason="通报批评：推诿扯皮",
                                     bulletin_id=BULLETIN),
    ApproveBulletin: lambda: dict(bulletin_id=BULLETIN, bulletin_kind=BulletinKind.BULLETIN, number="鞍政督通〔2026〕3号",
                                  title="2026年11月督查通报", period_start=D1, period_end=D2, leader="leader"),
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
    assert len(MESSAGES) == len(EVENTS) + len(COMMANDS) == 34


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
    if isinstance(value, (int, float)):
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


def test_a_public_rating_has_an_average_exactly_when_it_counts_feedback() -> None:
    assert build(PublicRatingChanged, average=None, count=0).count == 0  # the last visible one was hidden
    for bad in ({"average": None, "count": 2}, {"average": 4.0, "count": 0}, {"average": 5.5, "count": 1},
                {"average": 0.5, "count": 1}, {"average": 4.0, "count": -1}):
        reject(PublicRatingChanged, {**payload(PublicRatingChanged), **bad})


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
    (ApproveBulletin, {"period_start": D2, "period_end": D1}, "after"),
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
    assert normal.joint_group is None  # a registration from before joint groups still parses
    plain = build(ItemEvaluated, rating=None, attachment=None, attachment_name=None)
    assert parse_message(plain.subject, plain.to_json()) == plain


def test_a_joint_group_travels_with_the_registration_and_keeps_its_rules() -> None:
    group = JointGroup(lead="fgw", members=["czj", "zjj"])
    registered = build(ItemRegistered, joint_group=group)
    parsed = parse_message(registered.subject, registered.to_json())
    assert isinstance(parsed, ItemRegistered) and parsed.joint_group == group
    assert group.units == ["fgw", "czj", "zjj"]
    wire = json.loads(registered.to_json())
    for members, problem in ((["czj", "czj"], "twice"), (["fgw"], "lead unit"), ([], "at least 1")):
        wire["joint_group"] = {"lead": "fgw", "members": members}
        with pytest.raises(MalformedMessage, match=problem):
            parse_message(registered.subject, json.dumps(wire))


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
    code = ("import sys, shared.contracts; bad = {'nats', 'sqlalchemy',"
            " 'fastapi', 'httpx', 'SpiffWorkflow'} & {m.split('.')[0] for m in sys.modules};"
            " print(sorted(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"



# --- producers ---------------------------------------------------------------------------------------
SERVICES = {"workflow", "ledger", "notification", "reporting"}


@ALL
def test_every_model_names_the_services_that_produce_it(model: type[Message]) -> None:
    assert model.producers and model.producers <= SERVICES
    if issubclass(model, Event) and model not in (BulletinPublished, PublicRatingChanged):
        assert model.producers == {"workflow"}


def test_reporting_produces_bulletins_and_its_commands() -> None:
    assert BulletinPublished.producers == GenerateBulletin.producers == OpenAccountability.producers == {"reporting"}
    assert ApproveBulletin.producers == {"reporting"} and BulletinApproved.producers == {"workflow"}
    assert PublicRatingChanged.producers == {"reporting"}  # the public board's ratings
    assert SendNotification.producers == {"workflow", "reporting"}


def test_decode_checks_the_producer_header_before_the_bytes() -> None:
    assigned = build(ItemAssigned)
    assert decode(assigned.subject, assigned.to_json(), {PRODUCER_HEADER: "workflow"}) == assigned
    for headers in ({PRODUCER_HEADER: "ledger"}, {PRODUCER_HEADER: "Workflow"}, {}, None):
        with pytest.raises(WrongProducer, match="producer"):
            decode(assigned.subject, assigned.to_json(), headers)
    with pytest.raises(WrongProducer):  # not even read
        decode(assigned.subject, b"{not json", {PRODUCER_HEADER: "ledger"})
    with pytest.raises(MalformedMessage) as caught:
        decode(assigned.subject, b"{not json", {PRODUCER_HEADER: "workflow"})
    assert not isinstance(caught.value, WrongProducer)
    command = build(SendNotification)
    for producer in ("workflow", "reporting"):
        assert decode(command.subject, command.to_json(), {PRODUCER_HEADER: producer}) == command


# --- times out of range --------------------------------------------------------------------------------
PLUS_8 = dt.timezone(dt.timedelta(hours=8))


@pytest.mark.parametrize("moment", [
    dt.datetime(1, 1, 1, 0, 0, tzinfo=PLUS_8),
    dt.datetime(1, 1, 1, 7, 59, tzinfo=PLUS_8),
    dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.timezone(-dt.timedelta(minutes=1))),
], ids=str)
def test_a_time_that_utc_cannot_hold_is_a_validation_error(moment: dt.datetime) -> None:
    with pytest.raises(ValidationError, match="out of range"):
        build(ItemClosed, occurred_at=moment)
    error = reject(ItemClosed, {**payload(ItemClosed), "occurred_at": moment.isoformat()})
    assert [field for field, _ in error.errors] == ["occurred_at"] and "out of range" in error.reason


def test_the_first_and_last_times_utc_holds_are_accepted() -> None:
    first = build(ItemClosed, occurred_at=dt.datetime(1, 1, 1, 8, 0, tzinfo=PLUS_8))
    assert first.occurred_at == dt.datetime(1, 1, 1, tzinfo=dt.UTC)
    last = build(ItemClosed, occurred_at=dt.datetime(9999, 12, 31, 15, 59, tzinfo=dt.timezone(-dt.timedelta(hours=8))))
    assert last.occurred_at == dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.UTC)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), [1.0, {"x": float("nan")}], "\ud800"],
                         ids=repr)
def test_form_data_is_json_that_serialises_back(value: Any) -> None:
    with pytest.raises(ValidationError, match="data"):
        build(TaskCompleted, data={"x": value})
    with pytest.raises(ValidationError, match="data"):
        build(TaskCompleted, data={str(value) + "\ud800": 1})


# --- text that one unit types and others read ----------------------------------------------------------
CONTROLS = ["\x00", "\x01", "\x08", "\x1b", "\x7f", "\x9f"]  # removed
LINE_BREAKS = ["\r", "\n", "\r\n", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\u2029"]  # one break each


@pytest.mark.parametrize("char", CONTROLS, ids=repr)
def test_controls_are_removed_from_titles_reports_and_comments(char: str) -> None:
    assert build(ItemRegistered, title=f"{char}推进{char}改造{char}").title == "推进改造"
    assert build(ReportSubmitted, content=f"已完成{char}12个").content == "已完成12个"
    assert build(ItemSigned, comment=f"已{char}签收").comment == "已签收"
    assert build(ItemRegistered, description=f"说明{char}").description == "说明"
    assert build(SendNotification, title=f"督办{char}提醒", body=f"请{char}报送").title == "督办提醒"


@pytest.mark.parametrize("char", LINE_BREAKS, ids=repr)
def test_a_line_break_in_a_title_is_a_space_and_in_free_text_a_newline(char: str) -> None:
    assert build(ItemRegistered, title=f"推进{char}改造").title == "推进 改造"
    assert build(BulletinPublished, title=f"{char}通报{char}").title == "通报"
    assert build(ReportSubmitted, content=f"第一行{char}第二行").content == "第一行\n第二行"
    assert build(ItemApproved, comment=f"{char}同意{char}{char}").comment == "同意"
    assert build(ItemReopened, reason=f"原因{char}\t说明").reason == "原因\n\t说明"


def test_free_text_is_cleaned_on_the_wire_too() -> None:
    data = {**payload(ReportSubmitted), "content": " 第一行\r\n第二行\u2028第三行\x0b\x00第四行\t。 "}
    parsed = parse_message(ReportSubmitted.subject, json.dumps(data).encode())
    assert parsed.content == "第一行\n第二行\n第三行\n第四行\t。"
    titled = {**payload(ItemRegistered), "title": "推进\r\n老旧小区\u2028改造\x01"}
    assert parse_message(ItemRegistered.subject, json.dumps(titled).encode()).title == "推进 老旧小区 改造"


@pytest.mark.parametrize("blank", ["", "   ", "\u3000\u3000", " \u3000\t", "\r\n", "\x00\x01\x0b", "\u2028 \x85",
                                   "\u00a0\u2003"], ids=repr)
def test_blank_titles_and_required_text_are_refused_and_optional_text_is_empty(blank: str) -> None:
    with pytest.raises(ValidationError, match="title"):
        build(ItemRegistered, title=blank)
    with pytest.raises(ValidationError, match="content"):
        build(ReportSubmitted, content=blank)
    assert build(ItemSigned, comment=blank).comment == ""
    assert build(ItemRegistered, description=blank).description == ""
    error = reject(ItemRegistered, {**payload(ItemRegistered), "title": blank})
    assert [field for field, _ in error.errors] == ["title"]


def test_lengths_count_the_cleaned_text() -> None:
    assert build(ItemRegistered, title="长" * 200 + "\x00\r\n ").title == "长" * 200
    with pytest.raises(ValidationError, match="title"):
        build(ItemRegistered, title="长" * 201)


@pytest.mark.parametrize("bad", ["zj\x00j", "\x01zjj", "zjj\x0b", "zjj\x7f", "zjj\x85", "zj\u2028j", "zj j",
                                 "zj\u3000j", "zj\tj", "zjj\n", ""], ids=repr)
def test_ids_stay_strict_tokens(bad: str) -> None:
    with pytest.raises(ValidationError):
        build(ItemSigned, unit=bad)
    with pytest.raises(ValidationError):
        build(ItemSigned, actor=bad)
    with pytest.raises(ValidationError):
        build(TaskCreated, task_kind=bad)
    with pytest.raises(ValidationError):
        build(ItemRegistered, code=bad)


def test_tokens_may_be_chinese() -> None:
    assert build(ItemRegistered, code="督办〔2026〕1号").code == "督办〔2026〕1号"


@pytest.mark.parametrize("bad", ["files/a\x00.pdf", "files/a\n.pdf", "files/a\u2028.pdf", ""], ids=repr)
def test_attachment_references_hold_no_controls(bad: str) -> None:
    with pytest.raises(ValidationError, match="attachments"):
        build(ReportSubmitted, attachments=[bad])
    assert build(ReportSubmitted, attachments=["files/第1季度 报告.pdf"]).attachments == ["files/第1季度 报告.pdf"]


@pytest.mark.parametrize("link", [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "file:///etc/passwd", "ftp://x.gov.cn/a",
    "/items/1", "items/1", "//evil.example/x", "https://", "http:///x", "https:x.gov.cn", "https:\\\\evil.example",
    "https://x.gov.cn/a b", " https://x.gov.cn/", "https://x.gov.cn/\n", "https://x.gov.cn/\u2028",
    "https://x.gov.cn:99999/", "https://[::1/", "",
], ids=repr)
def test_a_free_message_links_only_to_an_absolute_http_url(link: str) -> None:
    with pytest.raises(ValidationError, match="link"):
        build(SendNotification, link=link)
    error = reject(SendNotification, {**payload(SendNotification), "link": link})
    assert [field for field, _ in error.errors] == ["link"]


@pytest.mark.parametrize("link", ["https://x.gov.cn/a?b=c", "http://10.0.0.1:8080/items/1#top",
                                  "HTTPS://DUBAN.EXAMPLE.GOV.CN/", "https://duban.example.gov.cn/收件箱?页=2"])
def test_absolute_http_links_are_kept_as_written(link: str) -> None:
    assert build(SendNotification, link=link).link == link
    assert build(SendNotification, link=None).link is None


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(max_size=300))
def test_cleaned_text_holds_no_control_and_cleaning_twice_changes_nothing(text: str) -> None:
    line, lines = one_line(text), multi_line(text)
    assert not any(unicodedata.category(c) in ("Cc", "Cs") for c in line)
    assert not any(unicodedata.category(c) in ("Cc", "Cs") for c in lines if c not in "\n\t")
    assert "\u2028" not in line + lines and "\u2029" not in line + lines and "\r" not in lines
    assert len(line.splitlines()) <= 1 and line == line.strip() and lines == lines.strip()
    assert one_line(line) == line and multi_line(lines) == lines
    title_ok = 1 <= len(line) <= 200
    try:
        assert build(ItemRegistered, title=text).title == line and title_ok
    except ValidationError:
        assert not title_ok

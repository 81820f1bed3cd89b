"""The Chinese text of each timeline entry. Pure: unit names come from a lookup."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from shared.chinese_dates import chinese_date
from shared.contracts import events as ev
from shared.contracts.base import Message

UnitName = Callable[[str], str]
EXCERPT = 200
FINDINGS = (("truthful", "情况不真实"), ("implemented", "政策未落实"), ("rectified", "整改不到位"),
            ("solved", "问题未解决"), ("satisfied", "群众不满意"))


def excerpt(text: str, limit: int = EXCERPT) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _with(comment: str, prefix: str = "意见") -> str:
    return f"；{prefix}：{comment}" if comment else ""


def _units(names: Iterable[str]) -> str:
    return "、".join(names) or "无"


def text_of(message: Message, unit_name: UnitName) -> str | None:
    """The timeline text for an item event, or None when the event makes no entry."""
    match message:
        case ev.ItemRegistered():
            return (f"立项：{message.code} {message.title}（{message.source.label}，{message.urgency.label}），"
                    f"牵头单位{unit_name(message.lead_unit)}")
        case ev.ItemApproved():
            estimated = "（预计，交办时确定）" if message.due_date_estimated else ""
            return f"领导批准立项，办理时限{chinese_date(message.due_date)}{estimated}{_with(message.comment)}"
        case ev.ItemRejected():
            return f"不予立项：{message.comment}"
        case ev.ItemAssigned():
            return (f"交办{unit_name(message.lead_unit)}牵头办理，协办单位：{_units(map(unit_name, message.co_units))}；"
                    f"办理时限{chinese_date(message.due_date)}，签收时限{chinese_date(message.sign_due_date)}")
        case ev.ItemSigned():
            return f"{unit_name(message.unit)}签收{_with(message.comment, '说明')}"
        case ev.ReportSubmitted():
            late = "（逾期）" if message.late else ""
            return (f"{unit_name(message.unit)}提交第{message.round}轮{message.report_type.label}{late}："
                    f"{excerpt(message.content)}")
        case ev.ReportReturned():
            return f"第{message.round}轮报告退回重办：{message.reason}；新的办理时限{chinese_date(message.new_due_date)}"
        case ev.ReportAccepted():
            return f"第{message.round}轮{message.report_type.label}审核通过{_with(message.comment)}"
        case ev.DeadlineReminder():
            who = f"，催办{unit_name(message.unit)}" if message.unit else "（督察室）"
            return f"{message.deadline.label}时限{chinese_date(message.due_date)}临近{who}"
        case ev.DeadlineOverdue():
            who = unit_name(message.unit) if message.unit else "督察室"
            return f"{who}{message.deadline.label}逾期（时限{chinese_date(message.due_date)}）"
        case ev.ExtensionRequested():
            return (f"{unit_name(message.unit)}申请延期至{chinese_date(message.requested_due_date)}："
                    f"{excerpt(message.reason)}")
        case ev.ExtensionDecided():
            if message.approved and message.new_due_date is not None:
                return f"同意延期，新的办理时限{chinese_date(message.new_due_date)}{_with(message.comment)}"
            return f"不同意延期{_with(message.comment)}"
        case ev.RevisitCompleted():
            if message.passed:
                return f"回访复核（{message.method.label}）通过{_with(message.note, '记录')}"
            problems = "、".join(text for name, text in FINDINGS if not getattr(message, name))
            return f"回访复核（{message.method.label}）未通过：{problems}{_with(message.note, '记录')}"
        case ev.ItemClosed():
            return f"办结（{'按期' if message.on_time else '逾期'}），办结日期{chinese_date(message.closed_on)}"
        case ev.ItemReopened():
            return f"重新督办：{excerpt(message.reason)}；新的办理时限{chinese_date(message.new_due_date)}"
        case ev.AccountabilityOpened():
            return (f"对{unit_name(message.unit)}启动问责（{message.trigger.label}），"
                    f"本年度第{message.offence_count}次")
        case ev.AccountabilityMeasureDecided():
            escalated = "（再次问责，措施升级）" if message.escalated else ""
            return f"问责措施：{message.measure.label}{escalated}{_with(message.comment)}"
        case ev.AccountabilityClosed():
            return f"问责结案：{message.measure.label}"
        case ev.TargetCheckStarted():
            return (f"{message.period[:4]}年{message.check.label}启动：请{unit_name(message.unit)}"
                    f"于{chinese_date(message.due_date)}前报送自查报告")
        case ev.TargetCheckSelfChecked():
            return (f"{unit_name(message.unit)}报送{message.check.label}第{message.round}轮自查报告"
                    f"（{message.progress.label}）：{excerpt(message.content)}")
        case ev.TargetCheckReviewed():
            if message.accepted:
                return f"{message.check.label}自查报告审核通过，检查完成{_with(message.comment)}"
            due = f"；重新自查时限{chinese_date(message.new_due_date)}" if message.new_due_date else ""
            return f"{message.check.label}自查报告退回{_with(message.comment)}{due}"
        case ev.ItemEvaluated():
            rating = f"，评估等次：{message.rating.label}" if message.rating else ""
            attached = f"（附件：{message.attachment_name}）" if message.attachment_name else ""
            return (f"第三方评估（{message.evaluator}，{chinese_date(message.evaluated_on)}）{rating}："
                    f"{excerpt(message.conclusion)}{attached}")
        case ev.ItemResearched():
            where = "，".join(x for x in (message.author, message.place) if x)
            return f"调研（{chinese_date(message.researched_on)}{'，' + where if where else ''}）：{excerpt(message.text)}"
        case ev.TaskCompleted():  # every completed task, by the name the designer gave it
            on_behalf = f"（代{message.on_behalf_of}）" if message.on_behalf_of else ""
            return f"完成「{message.task_name or message.task_kind}」{on_behalf}"
    return None

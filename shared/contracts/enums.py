"""Enumerations shared by every service, each member with the Chinese label users see.

The wire value is the English ``value`` (stable, ASCII); ``member.label`` is the Chinese
text for screens and documents. ``Urgency.URGENT.label == "急件"``.
"""

from __future__ import annotations

from enum import StrEnum


class LabelledEnum(StrEnum):
    """A StrEnum whose members are declared as ``NAME = "value", "中文标签"``."""

    _label: str

    def __new__(cls, value: str, label: str = "") -> LabelledEnum:
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label or value
        return member

    @property
    def label(self) -> str:
        """The Chinese label shown to users."""
        return self._label

    @classmethod
    def labels(cls) -> dict[str, str]:
        """``{value: label}`` for every member, in declaration order."""
        return {member.value: member.label for member in cls}


class Source(LabelledEnum):
    """Where a supervised item comes from (督查范围)."""

    SUPERIOR_DECISION = "superior_decision", "上级重大决策部署"
    WORK_REPORT_TARGET = "work_report_target", "政府工作报告目标任务"
    MEETING_DECISION = "meeting_decision", "会议议定事项"
    QUARTERLY_PROGRESS = "quarterly_progress", "季度工作进展"
    MEDIA_ISSUE = "media_issue", "媒体/内参反映问题"
    LEADER_INSTRUCTION = "leader_instruction", "领导批示/交办事项"


class Urgency(LabelledEnum):
    """The deadline class of an item (限期报告): 3, 5, 10 working days or leader-set."""

    URGENT = "urgent", "急件"
    NORMAL = "normal", "非急件"
    DIFFICULT = "difficult", "难度较大"
    SPECIAL = "special", "特殊情况"


class Cadence(LabelledEnum):
    """How often a long-running item is dispatched (定期调度)."""

    NONE = "none", "不定期"
    MONTHLY = "monthly", "每月"
    QUARTERLY = "quarterly", "每季度"


class ReportType(LabelledEnum):
    PROGRESS = "progress", "进展报告"
    COMPLETION = "completion", "办结报告"


class ReviewDecision(LabelledEnum):
    """The office's verdict on a report."""

    ACCEPT = "accept", "审核通过"
    RETURN = "return", "退回重办"


class Decision(LabelledEnum):
    """A leader's or the office's yes/no (approval of an item, an extension)."""

    APPROVE = "approve", "同意"
    REJECT = "reject", "不同意"


class RevisitMethod(LabelledEnum):
    """How a revisit is done (回访复核)."""

    SPOT_CHECK = "spot_check", "抽查"
    RECHECK = "recheck", "复查"
    OPEN_VISIT = "open_visit", "明查"
    UNANNOUNCED_VISIT = "unannounced_visit", "暗访"


class Measure(LabelledEnum):
    """The accountability measure (问责措施)."""

    NONE = "none", "不予问责"
    CRITICISM = "criticism", "通报批评"
    INTERVIEW = "interview", "约谈"
    ADMONISHMENT = "admonishment", "诫勉谈话"


class AccountabilityTrigger(LabelledEnum):
    """What opened an accountability case."""

    OVERDUE = "overdue", "逾期未报"
    REVISIT_FAILED = "revisit_failed", "回访复核未通过"
    BULLETIN = "bulletin", "通报批评"


class DeadlineKind(LabelledEnum):
    """Which deadline a reminder or an overdue notice is about."""

    SIGN = "sign", "签收"
    REPORT = "report", "报告"
    EXPLAIN = "explain", "报告原因和改进措施"
    REVISIT = "revisit", "回访复核"


class CheckKind(LabelledEnum):
    """The checks of an annual target (年中、年末各督查1次), each opened by the unit's self-check (自查)."""

    MID_YEAR = "mid_year", "年中检查"
    YEAR_END = "year_end", "年终检查"


class SelfCheckProgress(LabelledEnum):
    """Where a target stands by the lead unit's self-check."""

    DONE = "done", "已完成"
    ON_TRACK = "on_track", "序时推进"
    BEHIND = "behind", "进度滞后"


class TaskKind(LabelledEnum):
    """The platform's own task kinds (the forms of workflows/forms that its BPMN files name),
    with the Chinese name a notice falls back on when a task event carries none. A designer's
    new form needs no entry here: its tasks are named by their BPMN name."""

    APPROVE_ITEM = "approve_item", "审批立项"
    APPROVE_PLAN = "approve_plan", "审批督查计划"
    SIGN = "sign", "签收"
    REPORT = "report", "报告办理情况"
    EXTENSION_DECISION = "extension_decision", "审批延期"
    REVIEW = "review", "审核报告"
    REVISIT = "revisit", "回访复核"
    DECIDE_MEASURE = "decide_measure", "决定问责措施"
    EXPLAIN = "explain", "报告原因和改进措施"
    VERIFY_EXPLANATION = "verify_explanation", "审核原因和改进措施"
    BULLETIN_REMARKS = "bulletin_remarks", "编写通报按语"
    APPROVE_BULLETIN = "approve_bulletin", "审批通报"
    SELF_CHECK = "self_check", "提交自查报告"
    CHECK_REVIEW = "check_review", "审核自查报告"


class ItemStatus(LabelledEnum):
    REGISTERED = "registered", "已立项"
    ASSIGNED = "assigned", "已交办"
    IN_PROGRESS = "in_progress", "办理中"
    REPORTED = "reported", "已反馈"
    REVISITING = "revisiting", "复核中"
    CLOSED = "closed", "已办结"
    REJECTED = "rejected", "不予立项"


class BulletinKind(LabelledEnum):
    BULLETIN = "bulletin", "督查通报"
    BRIEFING = "briefing", "督查工作简报"


class EvaluationRating(LabelledEnum):
    """The grade a third-party evaluation (第三方评估) gives an item, where it gives one."""

    EXCELLENT = "excellent", "优秀"
    GOOD = "good", "良好"
    PASS = "pass", "合格"
    FAIL = "fail", "不合格"

"""What an open task shows its assignee besides the form: the facts of the process the
decision rests on (a leader deciding a measure sees the unit's prior offences this year
and why the measure will be escalated)."""

from __future__ import annotations

import copy
from typing import Any

from services.workflow.engine.runner import UserTask

ESCALATION = "本年度第{count}次被问责（此前{prior}次）：所选措施将自动升一档（不予问责→通报批评→约谈→诫勉谈话）"


def task_context(task: UserTask) -> dict[str, Any] | None:
    data = task.data
    if task.kind == "decide_measure":
        prior = int(data.get("case_prior") or 0)
        context: dict[str, Any] = {"unit": data.get("case_unit"), "trigger": data.get("case_trigger"),
                                   "reason": data.get("case_reason"), "prior_offences": prior,
                                   "offence_count": data.get("case_offence_count", prior + 1),
                                   "escalated": prior >= 1}
        if prior >= 1:
            context["escalation_reason"] = ESCALATION.format(count=prior + 1, prior=prior)
        return context
    if task.process == "bulletin_approval":
        context = {key: data.get(key) for key in ("bulletin_id", "bulletin_kind", "number", "title", "period_start",
                                                  "period_end", "returned_comment")}
        written = data.get("bulletin_remarks")
        if task.kind == "approve_bulletin" and isinstance(written, dict):
            context["remarks"] = written.get("remarks")  # the office's 按语 the leader approves with the figures
        return context
    if task.process == "target_check":
        return {key: data.get(key) for key in ("code", "title", "check_kind", "check_label", "check_period",
                                               "check_round", "check_returned_comment")}
    if task.kind == "extension_decision" and isinstance(data.get("extension"), dict):
        asked = data["extension"]
        return {"requested_due_date": asked.get("requested_due_date"), "reason": asked.get("reason"),
                "current_due_date": data.get("due_date")}
    return None



NO_RATING = {"average": None, "count": 0}


def with_public_rating(view: dict[str, Any], rating: dict[str, Any] | None) -> dict[str, Any]:
    """A revisit task's view with the public's rating of its item (公开督办的群众评价: the visible
    feedback's average and count, ``public.rating_changed``) in its context and, as the evidence for
    the 群众是否满意 finding, in the description of the form's ``satisfied`` field."""
    rating = rating or NO_RATING
    evidence = (f"群众评价：平均{rating['average']}分（共{rating['count']}条）" if rating["count"]
                else "群众评价：暂无（事项未公开挂牌或尚无群众评价）")
    form = view.get("form")
    if isinstance(form, dict) and isinstance(form.get("properties", {}).get("satisfied"), dict):
        form = copy.deepcopy(form)
        field = form["properties"]["satisfied"]
        field["description"] = f"{field['description']}。{evidence}" if field.get("description") else evidence
    return {**view, "context": {**(view.get("context") or {}), "public_rating": dict(rating)}, "form": form}

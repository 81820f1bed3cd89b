"""The form of each task kind: one pydantic model, its JSON Schema shown with the task."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from shared.contracts.base import Comment as ContractComment
from shared.contracts.base import FileRef, Text
from shared.contracts.enums import TaskKind

Comment = Annotated[ContractComment, Field(default="")]
"""The contract's comment (control characters dropped at the edge), empty unless given."""


class Form(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Decision(Form):
    decision: Literal["approve", "reject"]
    comment: Comment


class ApproveItem(Decision):
    due_date: dt.date | None = Field(None, description="特殊情况: the deadline the leader sets")


class Sign(Form):
    comment: Comment


class Report(Form):
    report_type: Literal["progress", "completion"]
    content: Text
    attachments: list[FileRef] = Field(default_factory=list, max_length=50)


class ExtensionDecision(Form):
    decision: Literal["approve", "reject"]
    new_due_date: dt.date | None = None
    comment: Comment

    @model_validator(mode="after")
    def _date_when_approved(self) -> "ExtensionDecision":
        if self.decision == "approve" and self.new_due_date is None:
            raise ValueError("new_due_date is required when the extension is approved")
        return self


class Review(Form):
    decision: Literal["accept", "return"]
    comment: Comment

    @model_validator(mode="after")
    def _reason_when_returned(self) -> "Review":
        if self.decision == "return" and not self.comment.strip():
            raise ValueError("comment (the reason) is required when a report is returned")
        return self


class Revisit(Form):
    method: Literal["spot_check", "recheck", "open_visit", "unannounced_visit"]
    truthful: bool
    implemented: bool
    rectified: bool
    solved: bool
    satisfied: bool
    note: Comment


class DecideMeasure(Form):
    measure: Literal["none", "criticism", "interview", "admonishment"]
    comment: Comment


class Explain(Form):
    causes: Text
    measures: Text


class Verify(Form):
    decision: Literal["accept", "return"]
    comment: Comment


FORMS: dict[str, type[Form]] = {
    TaskKind.APPROVE_ITEM: ApproveItem,
    TaskKind.APPROVE_PLAN: Decision,
    TaskKind.SIGN: Sign,
    TaskKind.REPORT: Report,
    TaskKind.EXTENSION_DECISION: ExtensionDecision,
    TaskKind.REVIEW: Review,
    TaskKind.REVISIT: Revisit,
    TaskKind.DECIDE_MEASURE: DecideMeasure,
    TaskKind.EXPLAIN: Explain,
    TaskKind.VERIFY_EXPLANATION: Verify,
}
"""The form of each task kind (``TaskKind``, shared/contracts/enums.py: the one list of kinds)."""
assert set(FORMS) == set(TaskKind), "every task kind has its form"


class InvalidForm(ValueError):
    """Form data its task's form refuses; ``detail`` names each field under ``data``, as a
    request body's ``data`` member (so the console shows each message on its field)."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(f"{'.'.join(map(str, e['loc'])) or 'data'}: {e['msg']}" for e in errors))
        self.errors = errors
        self.detail = [{"loc": ["data", *e["loc"]], "msg": e["msg"]} for e in errors]


@functools.cache
def schema_of(kind: str) -> dict[str, Any]:
    """The form's JSON Schema, built once per kind (pydantic takes ~0.4 ms each time, and
    ``GET /tasks`` shows one per task). The dict is shared between callers: never change it."""
    return FORMS[kind].model_json_schema()


def validate_form(kind: str, data: Any) -> dict[str, Any]:
    """The form data as the process stores it (dates as ISO strings), or InvalidForm."""
    try:
        return FORMS[kind].model_validate(data).model_dump(mode="json")
    except ValidationError as error:
        raise InvalidForm([{"loc": list(e["loc"]), "msg": e["msg"]} for e in error.errors()]) from None

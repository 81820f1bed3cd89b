"""The kinds of user task a BPMN file may declare (see workflows/README.md)."""

from __future__ import annotations

TASK_KINDS = (
    "approve_item",
    "approve_plan",
    "sign",
    "report",
    "extension_decision",
    "review",
    "revisit",
    "decide_measure",
    "explain",
    "verify_explanation",
)

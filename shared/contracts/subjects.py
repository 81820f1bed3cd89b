"""NATS subject names: ``duban.events.<entity>.<verb>`` and ``duban.cmd.<service>.<verb>``.

Events say what happened (many listeners); commands ask one service to do something.
Tests isolate themselves on a shared server by swapping the root: ``namespaced(s, "t3f9a")``.
"""

from __future__ import annotations

import re
from typing import Final

ROOT: Final = "duban"
EVENTS_PREFIX: Final = f"{ROOT}.events."
COMMANDS_PREFIX: Final = f"{ROOT}.cmd."
EVENTS_WILDCARD: Final = f"{ROOT}.events.>"
COMMANDS_WILDCARD: Final = f"{ROOT}.cmd.>"
DEAD_LETTER_PREFIX: Final = f"{ROOT}.dlq"

_ROOT_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")

# --- events -----------------------------------------------------------------------------
ITEM_REGISTERED: Final = "duban.events.item.registered"
ITEM_APPROVED: Final = "duban.events.item.approved"
ITEM_REJECTED: Final = "duban.events.item.rejected"
ITEM_ASSIGNED: Final = "duban.events.item.assigned"
ITEM_SIGNED: Final = "duban.events.item.signed"
ITEM_CLOSED: Final = "duban.events.item.closed"
ITEM_REOPENED: Final = "duban.events.item.reopened"
ITEM_PROGRESSED: Final = "duban.events.item.progressed"
ITEM_EVALUATED: Final = "duban.events.item.evaluated"
ITEM_RESEARCHED: Final = "duban.events.item.researched"
REPORT_SUBMITTED: Final = "duban.events.report.submitted"
REPORT_RETURNED: Final = "duban.events.report.returned"
REPORT_ACCEPTED: Final = "duban.events.report.accepted"
DEADLINE_REMINDER: Final = "duban.events.deadline.reminder"
DEADLINE_OVERDUE: Final = "duban.events.deadline.overdue"
EXTENSION_REQUESTED: Final = "duban.events.extension.requested"
EXTENSION_DECIDED: Final = "duban.events.extension.decided"
REVISIT_COMPLETED: Final = "duban.events.revisit.completed"
ACCOUNTABILITY_OPENED: Final = "duban.events.accountability.opened"
ACCOUNTABILITY_MEASURE_DECIDED: Final = "duban.events.accountability.measure_decided"
ACCOUNTABILITY_CLOSED: Final = "duban.events.accountability.closed"
TASK_CREATED: Final = "duban.events.task.created"
TASK_COMPLETED: Final = "duban.events.task.completed"
BULLETIN_PUBLISHED: Final = "duban.events.bulletin.published"
BULLETIN_APPROVED: Final = "duban.events.bulletin.approved"
BULLETIN_RETURNED: Final = "duban.events.bulletin.returned"
TARGET_CHECK_STARTED: Final = "duban.events.target_check.started"
TARGET_CHECK_SELF_CHECKED: Final = "duban.events.target_check.self_checked"
TARGET_CHECK_REVIEWED: Final = "duban.events.target_check.reviewed"
PUBLIC_RATING_CHANGED: Final = "duban.events.public.rating_changed"  # the reporting service's (public board)

# --- commands ---------------------------------------------------------------------------
CMD_OPEN_ACCOUNTABILITY: Final = "duban.cmd.workflow.open_accountability"
CMD_APPROVE_BULLETIN: Final = "duban.cmd.workflow.approve_bulletin"
CMD_SEND_NOTIFICATION: Final = "duban.cmd.notification.send"
CMD_GENERATE_BULLETIN: Final = "duban.cmd.reporting.generate_bulletin"


class BadRoot(ValueError):
    """A subject root that NATS or this project would not accept."""


def check_root(root: str) -> str:
    """Return ``root`` if it is a valid root token (``^[a-z][a-z0-9_]*$``), else raise."""
    if not isinstance(root, str) or not _ROOT_PATTERN.fullmatch(root):
        raise BadRoot(f"subject root {root!r} must match ^[a-z][a-z0-9_]*$")
    return root


def namespaced(subject: str, root: str) -> str:
    """``subject`` with its leading ``duban`` token replaced by ``root``.

    ``namespaced("duban.events.item.registered", "t3f9a") == "t3f9a.events.item.registered"``;
    wildcards work too (``namespaced(EVENTS_WILDCARD, "t1") == "t1.events.>"``).
    """
    check_root(root)
    if subject != ROOT and not subject.startswith(f"{ROOT}."):
        raise ValueError(f"subject {subject!r} does not start with {ROOT!r}")
    return root + subject[len(ROOT):]


def canonical(subject: str, root: str = ROOT) -> str:
    """The inverse of :func:`namespaced`: map ``<root>.…`` back to ``duban.…``."""
    check_root(root)
    if subject != root and not subject.startswith(f"{root}."):
        raise ValueError(f"subject {subject!r} is not under root {root!r}")
    return ROOT + subject[len(root):]

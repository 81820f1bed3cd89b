"""Workflow user-task events: a task waits for someone, or someone completed it."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from pydantic import Field

from shared.contracts import subjects
from shared.contracts.base import Event, Identifier, JsonObject, UnitId


class TaskEvent(Event):
    """An event about one user task of a workflow instance.

    A task belongs to an item's process (``item_id``) or to an accountability case's
    (``case_id``; a bulletin-born case has no item).
    """

    task_id: UUID
    task_kind: Identifier
    item_id: UUID | None = None
    case_id: UUID | None = None


class TaskCreated(TaskEvent):
    """A task waits for a unit's role (``assignee_unit`` set) or an office role (None)."""

    subject = subjects.TASK_CREATED

    assignee_unit: UnitId | None
    assignee_role: Identifier
    due_date: dt.date | None = None


class TaskCompleted(TaskEvent):
    """A task was completed by ``actor`` with the submitted form ``data`` (JSON values)."""

    subject = subjects.TASK_COMPLETED

    data: JsonObject = Field(default_factory=dict)

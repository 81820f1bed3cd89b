"""Workflow user-task events: a task waits for someone, or someone completed it."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from pydantic import Field

from shared.contracts import subjects
from shared.contracts.base import Event, Identifier, JsonObject, Title, UnitId, Username


class TaskEvent(Event):
    """An event about one user task of a workflow instance.

    A task belongs to an item's process (``item_id``) or to an accountability case's
    (``case_id``; a bulletin-born case has no item).
    """

    task_id: UUID
    task_kind: Identifier
    task_name: Title | None = None
    """The name the designer gave the task in the BPMN (what people read); None only in
    events written before it was carried."""
    item_id: UUID | None = None
    case_id: UUID | None = None


class TaskCreated(TaskEvent):
    """A task waits for a unit's role (``assignee_unit`` set) or an office role (None)."""

    subject = subjects.TASK_CREATED

    assignee_unit: UnitId | None
    assignee_role: Identifier
    assignee_user: Username | None = None
    """The one user the task is for (the item's leader), when the BPMN names one."""
    due_date: dt.date | None = None


class TaskCompleted(TaskEvent):
    """A task was completed by ``actor`` with the submitted form ``data`` (JSON values)."""

    subject = subjects.TASK_COMPLETED

    data: JsonObject = Field(default_factory=dict)
    on_behalf_of: Username | None = None
    """The leader whose task a delegate completed."""

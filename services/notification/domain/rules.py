"""Who is told what: the pure core of the notification service (no I/O, no clock).

``item_after`` keeps this service's own picture of an item from the events that change
it; ``notices_for`` turns one event into (recipient, template) pairs using the org
directory. Channels and addresses come later, from each recipient's directory entry.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from shared.contracts.base import Event
from shared.contracts.enums import DeadlineKind, TaskKind
from shared.contracts.events import (
    AccountabilityClosed,
    AccountabilityMeasureDecided,
    AccountabilityOpened,
    BulletinPublished,
    DeadlineOverdue,
    DeadlineReminder,
    ExtensionDecided,
    ExtensionRequested,
    ItemApproved,
    ItemAssigned,
    ItemClosed,
    ItemRegistered,
    ItemReopened,
    ReportReturned,
    TaskCreated,
)
from shared.contracts.task_events import TaskEvent
from shared.identity.directory import Role, Unit, User


class Directory(Protocol):
    @property
    def units(self) -> list[Unit]: ...

    def users_of(self, unit_id: str, role: Role | None = None) -> list[User]: ...

    def users_with_role(self, role: Role) -> list[User]: ...

    def user(self, username: str) -> User | None: ...

    def secretary_general(self) -> User | None: ...


TASK_NAMES: dict[str, str] = TaskKind.labels()
"""The Chinese label of each task kind: a task's name in to-do notices (待办提醒) when its
event carries no BPMN name (events written before ``task_name``)."""

ANNOUNCED_ELSEWHERE = frozenset({"extension_decision"})
"""Office task kinds whose ``task.created`` tells nobody: another event of the same step
already tells the same people (``extension.requested`` tells the office what to decide).
Unit tasks (sign, report, explain) are never told on ``task.created`` either: the unit
learns of them from ``item.assigned``, ``report.returned``, ``extension.decided`` and the
accountability events."""


REACTS_TO: tuple[type[Event], ...] = (
    ItemRegistered, ItemApproved, ItemAssigned, ReportReturned, ItemReopened, ExtensionDecided,  # item_after
    DeadlineReminder, DeadlineOverdue, ItemClosed, AccountabilityOpened, AccountabilityMeasureDecided,
    AccountabilityClosed, ExtensionRequested, TaskCreated, BulletinPublished,  # notices_for
)
"""The events that change this service's picture of an item or may tell someone; any other
event is not even recorded (it changes nothing and tells no one, so its repeat cannot either)."""


def reacts_to(event: Event) -> bool:
    """Whether a rule may use ``event``: one of ``REACTS_TO``, but not a task the people
    learn of from another event (a unit's task, an extension decision)."""
    if isinstance(event, TaskCreated):
        return not announced_elsewhere(event)
    return isinstance(event, REACTS_TO)


def announced_elsewhere(task: TaskCreated) -> bool:
    return task.assignee_unit is not None or task.task_kind in ANNOUNCED_ELSEWHERE


def task_label(task: TaskEvent) -> str:
    """What people call the task: the name the designer gave it in the BPMN, else its kind's label."""
    return task.task_name or TASK_NAMES.get(task.task_kind, task.task_kind)


@dataclass(frozen=True)
class ItemInfo:
    """What the notification service knows of an item (from its own events)."""

    item_id: UUID
    code: str
    title: str
    lead_unit: str
    co_units: tuple[str, ...] = ()
    due_date: dt.date | None = None
    leader: str | None = None  # the leader in charge (username), who approves the item


@dataclass(frozen=True)
class Notice:
    """Tell ``recipient`` (a username) about the event with the template ``template``."""

    recipient: str
    template: str


class UnknownItem(LookupError):
    """An event names an item this service has not seen registered (yet)."""

    def __init__(self, item_id: UUID | None) -> None:
        super().__init__(f"item {item_id} is unknown to the notification service")
        self.item_id = item_id


def item_after(event: Event, known: ItemInfo | None) -> ItemInfo | None:
    """The item as it stands after ``event`` (``known`` unchanged if the event does not touch it)."""
    match event:
        case ItemRegistered():
            return ItemInfo(event.item_id, event.code, event.title, event.lead_unit,
                            tuple(event.co_units), event.due_date, event.leader)
        case _ if known is None:
            return None
        case ItemApproved():
            return dataclasses.replace(known, due_date=event.due_date)
        case ItemAssigned():
            return dataclasses.replace(known, lead_unit=event.lead_unit, co_units=tuple(event.co_units),
                                       due_date=event.due_date)
        case ReportReturned() | ItemReopened():
            return dataclasses.replace(known, due_date=event.new_due_date)
        case ExtensionDecided(approved=True):
            return dataclasses.replace(known, due_date=event.new_due_date)
    return known


def notices_for(event: Event, item: ItemInfo | None, directory: Directory) -> list[Notice]:
    """Who is told about ``event``; raises ``UnknownItem`` when the item is needed but unknown."""
    notices = _notices(event, item, directory)
    item_id = getattr(event, "item_id", None)
    if notices and item_id is not None and item is None:
        raise UnknownItem(item_id)
    return notices


def _notices(event: Event, item: ItemInfo | None, directory: Directory) -> list[Notice]:
    def liaisons(unit: str | None) -> list[str]:
        return [u.username for u in directory.users_of(unit, Role.liaison)] if unit else []

    def heads(unit: str | None) -> list[str]:
        return [u.username for u in directory.users_of(unit, Role.head)] if unit else []

    office = [u.username for u in directory.users_with_role(Role.office)]
    match event:
        case ItemAssigned():
            lead = _tell(liaisons(event.lead_unit), "item_assigned_lead")
            return _unique(lead + [n for unit in event.co_units for n in _tell(liaisons(unit), "item_assigned_co")])
        case DeadlineReminder():
            if event.unit is None:  # the office's own deadline (the revisit)
                return _tell(office, "deadline_reminder")
            people = heads(event.unit) if event.deadline is DeadlineKind.EXPLAIN else liaisons(event.unit)
            return _tell(people, "deadline_reminder")
        case DeadlineOverdue():
            return _tell(liaisons(event.unit) + heads(event.unit) + office, "deadline_overdue")
        case ReportReturned():
            return _tell(liaisons(_lead(item, event.item_id)), "report_returned")
        case ExtensionDecided():
            return _tell(liaisons(_lead(item, event.item_id)), "extension_decided")
        case ItemClosed():
            return _tell(liaisons(_lead(item, event.item_id)), "item_closed")
        case AccountabilityOpened():
            return _tell(heads(event.unit), "accountability_opened")
        case AccountabilityMeasureDecided():
            return _tell(heads(event.unit), "accountability_measure")
        case AccountabilityClosed():
            return _tell(heads(event.unit), "accountability_closed")
        case ExtensionRequested():
            return _tell(office, "extension_requested")
        case TaskCreated():
            return _tell(_assignees(event, item, directory, office), "task_created")
        case BulletinPublished():
            return _tell([name for unit in directory.units for name in liaisons(unit.id)], "bulletin_published")
    return []


def _assignees(task: TaskCreated, item: ItemInfo | None, directory: Directory, office: list[str]) -> list[str]:
    """Who is told of a new task (待办提醒): only the office's and the leaders' own tasks; a
    task the BPMN names one user for (``assignee_user``) is that user's alone."""
    if announced_elsewhere(task):
        return []
    if task.assignee_user is not None:
        return [task.assignee_user]
    leaders = [u.username for u in directory.users_with_role(Role.leader)]
    match task.assignee_role:
        case "office":
            return office
        case "leader":
            # (events written before assignee_user) the item's own leader when this service
            # knows them, else every leader
            # (a bulletin-born case has no item; an unknown username is no one to tell)
            in_charge = directory.user(item.leader) if item is not None and item.leader else None
            return [in_charge.username] if in_charge is not None and in_charge.has_role(Role.leader) else leaders
        case "secretary_general":
            # only the secretary-general may act on it: with none in the directory, no one is told
            chief = directory.secretary_general()
            return [chief.username] if chief is not None else []
    return []


def _lead(item: ItemInfo | None, item_id: UUID) -> str:
    if item is None:
        raise UnknownItem(item_id)
    return item.lead_unit


def _tell(recipients: Iterable[str], template: str) -> list[Notice]:
    return _unique(Notice(name, template) for name in recipients)


def _unique(notices: Iterable[Notice]) -> list[Notice]:
    """Each person once per event (the first template wins), in order."""
    seen: set[str] = set()
    kept = []
    for notice in notices:
        if notice.recipient not in seen:
            seen.add(notice.recipient)
            kept.append(notice)
    return kept

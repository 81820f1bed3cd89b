"""One item's events, built in order with realistic payloads, for the ledger's tests
and its benchmark; and the projection they run through (without I/O)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from services.ledger.domain.projection import Projection
from services.workflow.domain.progress import Progress, progress_after
from shared.calendar import load_calendar
from shared.calendar.deadline_rules import reminder_day
from shared.clock import CHINA
from shared.contracts import events as ev
from shared.contracts.base import Message
from shared.contracts.enums import (
    AccountabilityTrigger,
    Cadence,
    DeadlineKind,
    Measure,
    ReportType,
    RevisitMethod,
    Source,
    Urgency,
)

CALENDAR = load_calendar(None)
NAMES = {"zjj": "市住建局", "tiedong": "铁东区", "fgw": "市发展改革委"}
# Monday 2026-03-02 09:30 in Beijing; normal urgency: due Monday 2026-03-09
START = dt.datetime(2026, 3, 2, 9, 30, tzinfo=CHINA)


def projection() -> Projection:
    return Projection(unit_name=lambda u: NAMES.get(u, u), yellow_from=lambda due: reminder_day(CALENDAR, due))


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


class ItemStory:
    """One item's events, each a minute (or a given time) after the previous one."""

    def __init__(self, *, item_id: uuid.UUID | None = None, start: dt.datetime = START, lead: str = "zjj",
                 co: tuple[str, ...] = ("tiedong",), code: str = "督办〔2026〕1号", title: str = "推进老旧小区改造",
                 source: Source = Source.WORK_REPORT_TARGET, leader: str = "leader", major: bool = False,
                 public: bool = False) -> None:
        self.item_id = item_id or uuid.uuid4()
        self.now = start
        self.lead, self.co, self.code, self.title = lead, co, code, title
        self.source, self.leader, self.major, self.public = source, leader, major, public
        self.progress = Progress()  # as the workflow service derives it (services/workflow/progress.py)

    def with_progress(self, events: list[Message]) -> list[Message]:
        """The events with the ``item.progressed`` the workflow service sends after each one
        that changes the item's progress (the story goes on from where it stood)."""
        out: list[Message] = []
        for event in events:
            out.append(event)
            after = progress_after(self.progress, [event])  # type: ignore[list-item]
            if after != self.progress:
                self.progress = after
                out.append(after.as_event(self.item_id, occurred_at=event.occurred_at, actor="system"))
        return out

    def _at(self, at: dt.datetime | None) -> dt.datetime:
        self.now = at if at is not None else self.now + dt.timedelta(minutes=1)
        return self.now

    def _base(self, at: dt.datetime | None, actor: str = "office") -> dict[str, Any]:
        return {"occurred_at": self._at(at), "actor": actor, "item_id": self.item_id}

    def registered(self, at: dt.datetime | None = None) -> ev.ItemRegistered:
        return ev.ItemRegistered(**self._base(at), code=self.code, title=self.title, source=self.source,
                                 urgency=Urgency.NORMAL, lead_unit=self.lead, co_units=list(self.co),
                                 leader=self.leader, major=self.major, public=self.public, livelihood=False,
                                 cadence=Cadence.NONE)

    def approved(self, due: str = "2026-03-09", at: dt.datetime | None = None) -> ev.ItemApproved:
        return ev.ItemApproved(**self._base(at, "leader"), due_date=day(due), due_date_estimated=False, comment="同意")

    def assigned(self, due: str = "2026-03-09", sign_due: str = "2026-03-03",
                 at: dt.datetime | None = None) -> ev.ItemAssigned:
        return ev.ItemAssigned(**self._base(at, "leader"), lead_unit=self.lead, co_units=list(self.co),
                               due_date=day(due), due_date_estimated=False, sign_due_date=day(sign_due))

    def signed(self, at: dt.datetime | None = None) -> ev.ItemSigned:
        return ev.ItemSigned(**self._base(at, f"{self.lead}-liaison"), unit=self.lead)

    def reminder(self, due: str = "2026-03-09", kind: DeadlineKind = DeadlineKind.REPORT,
                 at: dt.datetime | None = None) -> ev.DeadlineReminder:
        return ev.DeadlineReminder(**self._base(at, "system"), deadline=kind, due_date=day(due), unit=self.lead)

    def overdue(self, due: str = "2026-03-09", at: dt.datetime | None = None) -> ev.DeadlineOverdue:
        return ev.DeadlineOverdue(**self._base(at, "system"), deadline=DeadlineKind.REPORT, due_date=day(due),
                                  unit=self.lead)

    def overdue_sign(self, due: str = "2026-03-03", at: dt.datetime | None = None) -> ev.DeadlineOverdue:
        return ev.DeadlineOverdue(**self._base(at, "system"), deadline=DeadlineKind.SIGN, due_date=day(due),
                                  unit=self.lead)

    def submitted(self, round: int = 1, kind: ReportType = ReportType.COMPLETION, content: str = "已完成改造",
                  late: bool = False, at: dt.datetime | None = None) -> ev.ReportSubmitted:
        return ev.ReportSubmitted(**self._base(at, f"{self.lead}-liaison"), round=round, report_type=kind,
                                  content=content, late=late, unit=self.lead)

    def returned(self, round: int = 1, new_due: str = "2026-03-20", at: dt.datetime | None = None) -> ev.ReportReturned:
        return ev.ReportReturned(**self._base(at), round=round, reason="材料不全", new_due_date=day(new_due))

    def accepted(self, round: int = 1, kind: ReportType = ReportType.COMPLETION,
                 at: dt.datetime | None = None) -> ev.ReportAccepted:
        return ev.ReportAccepted(**self._base(at), round=round, report_type=kind)

    def extension(self, new_due: str = "2026-03-16", at: dt.datetime | None = None) -> ev.ExtensionDecided:
        return ev.ExtensionDecided(**self._base(at), approved=True, new_due_date=day(new_due))

    def closed(self, on: str, on_time: bool = True, at: dt.datetime | None = None) -> ev.ItemClosed:
        return ev.ItemClosed(**self._base(at), closed_on=day(on), on_time=on_time)

    def revisit_failed(self, at: dt.datetime | None = None) -> ev.RevisitCompleted:
        return ev.RevisitCompleted(**self._base(at), method=RevisitMethod.SPOT_CHECK, truthful=True,
                                   implemented=True, rectified=False, solved=True, satisfied=False, passed=False)

    def reopened(self, new_due: str = "2026-04-10", at: dt.datetime | None = None) -> ev.ItemReopened:
        return ev.ItemReopened(**self._base(at), reason="回头看发现问题：整改不到位", new_due_date=day(new_due))

    def case_opened(self, at: dt.datetime | None = None) -> ev.AccountabilityOpened:
        return ev.AccountabilityOpened(**self._base(at, "system"), case_id=uuid.uuid4(), unit=self.lead,
                                       trigger=AccountabilityTrigger.OVERDUE, offence_count=2)

    def measure(self, at: dt.datetime | None = None) -> ev.AccountabilityMeasureDecided:
        return ev.AccountabilityMeasureDecided(**self._base(at, "leader"), case_id=uuid.uuid4(), unit=self.lead,
                                               measure=Measure.INTERVIEW, escalated=True)

    def task_created(self, kind: str = "revisit", name: str = "回访复核", due: str | None = None,
                     at: dt.datetime | None = None) -> ev.TaskCreated:
        return ev.TaskCreated(**self._base(at, "system"), task_id=uuid.uuid4(), task_kind=kind, task_name=name,
                              assignee_unit=None, assignee_role="office", due_date=day(due) if due else None)

    def task_completed(self, kind: str = "sign", name: str = "签收", at: dt.datetime | None = None) -> ev.TaskCompleted:
        return ev.TaskCompleted(**self._base(at, f"{self.lead}-liaison"), task_id=uuid.uuid4(), task_kind=kind,
                                task_name=name)

    def life(self) -> list[Message]:
        """Registered … reminded, overdue, reported late, returned, re-reported, accepted, closed,
        with the ``item.progressed`` the workflow sends between them."""
        return self.with_progress([self.registered(), self.approved(), self.assigned(), self.signed(),
                self.reminder(at=dt.datetime(2026, 3, 6, 9, 0, tzinfo=CHINA)),
                self.overdue(at=dt.datetime(2026, 3, 9, 23, 59, 59, tzinfo=CHINA)), self.case_opened(),
                self.submitted(late=True, at=dt.datetime(2026, 3, 10, 10, 0, tzinfo=CHINA)),
                self.returned(new_due="2026-03-17"), self.submitted(round=2, content="补充材料后已完成"),
                self.accepted(round=2), self.closed("2026-03-12", on_time=False)])

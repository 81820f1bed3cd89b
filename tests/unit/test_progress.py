"""The one rule of an item's progress (services/workflow/progress.py), event by event."""

from __future__ import annotations

from services.workflow.domain.progress import Progress, progress_after
from shared.contracts.enums import DeadlineKind, ItemStatus
from tests.support.item_story import ItemStory, day


def told(story: ItemStory, *events: object) -> Progress:
    return progress_after(Progress(), list(events))  # type: ignore[arg-type]


def test_status_follows_the_process() -> None:
    s = ItemStory()
    assert told(s, s.registered()).status is ItemStatus.REGISTERED
    assert told(s, s.registered(), s.assigned()).status is ItemStatus.ASSIGNED
    assert told(s, s.registered(), s.assigned(), s.signed()).status is ItemStatus.IN_PROGRESS
    reported = told(s, s.registered(), s.assigned(), s.signed(), s.submitted())
    assert reported.status is ItemStatus.REPORTED
    assert progress_after(reported, [s.accepted()]).status is ItemStatus.REPORTED  # no revisit task yet


def test_a_designers_task_after_an_accepted_report_leaves_it_reported_not_revisiting() -> None:
    s = ItemStory(major=True)
    accepted = told(s, s.registered(), s.assigned(), s.signed(), s.submitted(), s.accepted())
    comment = progress_after(accepted, [s.task_created("read_and_comment", "领导阅示")])
    assert comment.status is ItemStatus.REPORTED
    assert progress_after(comment, [s.task_created("revisit", "回访复核")]).status is ItemStatus.REVISITING


def test_overdue_is_the_process_finding_and_a_new_deadline_clears_it() -> None:
    s = ItemStory()
    working = told(s, s.registered(), s.assigned(), s.signed())
    late = progress_after(working, [s.overdue()])
    assert (late.overdue, late.overdue_deadline) == (True, DeadlineKind.REPORT)
    stale = progress_after(working, [s.overdue(due="2026-03-01")])  # a deadline that no longer runs
    assert stale.overdue is False
    extended = progress_after(late, [s.extension("2026-03-20")])
    assert (extended.overdue, extended.due_date) == (False, day("2026-03-20"))
    returned = progress_after(late, [s.submitted(), s.returned(new_due="2026-03-25")])
    assert (returned.status, returned.overdue, returned.due_date) == (ItemStatus.IN_PROGRESS, False,
                                                                      day("2026-03-25"))


def test_a_late_signature_clears_the_signing_but_not_a_report_deadline() -> None:
    s = ItemStory()
    assigned = told(s, s.registered(), s.assigned())
    sign_late = progress_after(assigned, [s.overdue_sign()])
    assert (sign_late.overdue_deadline, sign_late.status) == (DeadlineKind.SIGN, ItemStatus.ASSIGNED)
    assert progress_after(sign_late, [s.signed()]).overdue is False
    both_late = progress_after(sign_late, [s.signed(), s.overdue()])
    assert both_late.overdue_deadline is DeadlineKind.REPORT


def test_closing_and_reopening() -> None:
    s = ItemStory()
    closed = told(s, s.registered(), s.assigned(), s.signed(), s.submitted(), s.accepted(), s.closed("2026-03-06"))
    assert (closed.status, closed.overdue) == (ItemStatus.CLOSED, False)
    reopened = progress_after(closed, [s.reopened("2026-04-10")])
    assert (reopened.status, reopened.due_date, reopened.status_reason) == (
        ItemStatus.IN_PROGRESS, day("2026-04-10"), "回头看发现问题：整改不到位")

"""Which accountability cases a bulletin reports (上期通报问题整改情况), on crafted events (pure)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace

from services.reporting.domain import case_outcomes as co
from shared.contracts import events as ev
from shared.contracts.enums import AccountabilityTrigger, Measure

CRITICISING, NEXT = uuid.uuid4(), uuid.uuid4()
T0 = dt.datetime(2026, 4, 2, 9, 0, tzinfo=dt.UTC)
END = dt.datetime(2026, 4, 30, 16, 0, tzinfo=dt.UTC)


def case_events(case_id: uuid.UUID) -> list[ev.Event]:
    base = {"actor": "leader", "case_id": case_id, "unit": "fgw"}
    return [
        ev.AccountabilityOpened(**base, occurred_at=T0, trigger=AccountabilityTrigger.BULLETIN, offence_count=1,
                                bulletin_id=CRITICISING),
        ev.AccountabilityMeasureDecided(**base, occurred_at=T0 + dt.timedelta(days=1), measure=Measure.ADMONISHMENT,
                                        escalated=False),
        ev.TaskCompleted(actor="fgw-head", occurred_at=T0 + dt.timedelta(days=2), task_id=uuid.uuid4(),
                         task_kind="explain", case_id=case_id, data={"causes": " 责任不落实 ", "measures": "专人盯办"}),
        ev.AccountabilityClosed(**base, occurred_at=T0 + dt.timedelta(days=3), measure=Measure.ADMONISHMENT,
                                outcome="explained"),
    ]


def followed(events: list[ev.Event]) -> co.Case:
    case = co.opened(events[0])
    assert case is not None
    for event in events[1:]:
        assert co.case_id_of(event) == case.case_id
        case = co.followed(case, event)
    return case


def test_a_case_is_reported_with_its_measure_and_the_heads_report_once_decided() -> None:
    events = case_events(uuid.uuid4())
    opened = followed(events[:1])
    assert not co.reportable(opened, NEXT, END)  # nothing decided yet
    decided = followed(events[:3])
    assert co.reportable(decided, NEXT, END) and not co.reportable(decided, CRITICISING, END)
    assert not co.reportable(decided, NEXT, T0 + dt.timedelta(hours=12))  # decided after that period's end
    assert co.outcome(decided, "鞍政督通〔2026〕3号")["status"] == "in_progress"
    closed = followed(events)
    assert co.outcome(closed, "鞍政督通〔2026〕3号") == {
        "case_id": str(closed.case_id), "unit": "fgw", "bulletin_id": str(CRITICISING),
        "bulletin_number": "鞍政督通〔2026〕3号", "measure": "admonishment", "measure_label": "诫勉谈话",
        "causes": "责任不落实", "measures": "专人盯办", "status": "closed", "status_label": "已整改结案"}
    reported = replace(closed, reported_in=NEXT)
    assert co.reportable(reported, NEXT, END) and not co.reportable(reported, uuid.uuid4(), END)


def test_an_items_case_and_other_tasks_are_not_followed() -> None:
    item_case = ev.AccountabilityOpened(actor="system", occurred_at=T0, case_id=uuid.uuid4(), unit="zjj",
                                        item_id=uuid.uuid4(), trigger=AccountabilityTrigger.OVERDUE, offence_count=1)
    assert co.opened(item_case) is None
    review = ev.TaskCompleted(actor="office", occurred_at=T0, task_id=uuid.uuid4(), task_kind="verify_explanation",
                              case_id=uuid.uuid4(), data={"decision": "accept"})
    assert co.case_id_of(review) is None

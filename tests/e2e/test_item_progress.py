"""An item's status, deadline and overdue as users see them in the workflow service and in
the ledger: derived once (services/workflow/progress.py), shown the same in both
(reproductions of issue 9, section 1)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.ledger.app import create_app as create_ledger
from services.ledger.config import LedgerSettings
from shared.bus.topology import Topology
from shared.clock import CHINA, SettableClock
from tests.e2e.test_ledger_api import consumed
from tests.support.eventually import eventually
from tests.support.services import REPO, auth, runtime_for, serving, settings_for
from tests.support.workflow_client import ITEM, complete, do

WORKFLOWS = REPO / "workflows"


class Both:
    """The workflow service and the ledger on one bus and one clock."""

    def __init__(self, workflow: httpx.AsyncClient, ledger: httpx.AsyncClient, app: Any, nats_url: str,
                 topology: Topology) -> None:
        self.workflow, self.ledger, self.app, self.nats_url, self.topology = workflow, ledger, app, nats_url, topology

    async def item(self, item_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The item in the workflow service and in the ledger, once the ledger has every event."""
        await eventually(lambda: self.app.state.outbox.pending(self.app.state.service.db), lambda n: n == 0)
        await consumed(self.nats_url, self.topology)
        wf = (await self.workflow.get(f"/items/{item_id}", headers=auth("office"))).json()
        lg = (await self.ledger.get(f"/items/{item_id}", headers=auth("office"))).json()
        return wf, lg

    async def agree(self, item_id: str) -> dict[str, Any]:
        """The ledger shows what the workflow derived."""
        wf, lg = await self.item(item_id)
        for field in ("status", "due_date", "due_date_estimated", "overdue", "overdue_deadline", "status_reason"):
            assert wf[field] == lg[field], (field, wf[field], lg[field])
        return {**lg, **wf}

    async def sweep(self) -> int:
        return await self.app.state.service.fire_due_timers()


@pytest.fixture
async def both(make_workflow_app: Callable[..., Any], nats_url: str, database_url: str, topology: Topology,
               tmp_path: Path, clock: SettableClock) -> AsyncIterator[Both]:
    app = make_workflow_app(WORKFLOWS)
    settings = settings_for(LedgerSettings, nats_url=nats_url, database_url=database_url, topology=topology,
                            data_dir=tmp_path)
    async with serving(app) as workflow, serving(create_ledger(settings, deps=runtime_for(settings, clock))) as lg:
        yield Both(workflow, lg, app, nats_url, topology)


async def register(both: Both, **changes: Any) -> str:
    answer = await both.workflow.post("/items", json={**ITEM, **changes}, headers=auth("office"))
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


async def test_an_unsigned_item_past_its_sign_deadline_is_overdue_red_and_escalated(
        both: Both, clock: SettableClock) -> None:
    item_id = await register(both)
    await do(both.workflow, "leader", "approve_item", {"decision": "approve"})
    clock.set(dt.datetime(2026, 3, 3, 23, 59, 0, tzinfo=CHINA))  # the signing day (the next working day)
    await both.sweep()  # the morning's reminder
    found = await both.agree(item_id)
    assert (found["status"], found["overdue"], found["light"]) == ("assigned", False, "yellow")
    clock.set(dt.datetime(2026, 3, 4, 0, 0, 1, tzinfo=CHINA))  # ended unsigned
    assert await both.sweep() == 1
    found = await both.agree(item_id)
    assert (found["status"], found["overdue"], found["overdue_deadline"], found["light"]) == (
        "assigned", True, "sign", "red")
    [decide] = (await both.workflow.get("/tasks", headers=auth("leader"))).json()["items"]
    assert decide["kind"] == "decide_measure" and "逾期未签收" in decide["context"]["reason"]
    await do(both.workflow, "zjj-liaison", "sign", {})  # late, but signed: the report deadline still runs
    found = await both.agree(item_id)
    assert (found["status"], found["overdue"], found["due_date"]) == ("in_progress", False, "2026-03-09")


async def test_an_extension_to_a_past_day_or_before_the_deadline_is_refused(both: Both) -> None:
    item_id = await register(both)
    await do(both.workflow, "leader", "approve_item", {"decision": "approve"})
    await do(both.workflow, "zjj-liaison", "sign", {})
    for day in ("2026-03-01", "2026-03-02", "2026-03-09"):  # yesterday, today, the current deadline
        asked = await both.workflow.post(f"/items/{item_id}/extension-request",
                                         json={"new_due_date": day, "reason": "需协调"}, headers=auth("zjj-liaison"))
        assert asked.status_code == 422 and "new_due_date" in asked.json()["detail"]
    asked = await both.workflow.post(f"/items/{item_id}/extension-request",
                                     json={"new_due_date": "2026-03-20", "reason": "需协调"}, headers=auth("zjj-liaison"))
    assert asked.status_code == 202
    [decision] = [t for t in (await both.workflow.get("/tasks", headers=auth("office"))).json()["items"]
                  if t["kind"] == "extension_decision"]
    assert decision["context"]["requested_due_date"] == "2026-03-20"
    for day in ("2026-02-27", "2026-03-05"):
        refused = await complete(both.workflow, "office", decision, {"decision": "approve", "new_due_date": day})
        assert refused.status_code == 422 and "new_due_date" in refused.json()["detail"]
    found = await both.agree(item_id)
    assert (found["due_date"], found["overdue"]) == ("2026-03-09", False)  # nothing changed
    assert (await complete(both.workflow, "office", decision,
                           {"decision": "approve", "new_due_date": "2026-03-16"})).status_code == 200
    assert (await both.agree(item_id))["due_date"] == "2026-03-16"


async def test_after_a_periodic_round_both_services_show_the_next_deadline(both: Both) -> None:
    item_id = await register(both, cadence="monthly")
    await do(both.workflow, "leader", "approve_item", {"decision": "approve"})
    await do(both.workflow, "zjj-liaison", "sign", {})
    await do(both.workflow, "zjj-liaison", "report", {"report_type": "progress", "content": "本月进展"})
    await do(both.workflow, "office", "review", {"decision": "accept"})
    found = await both.agree(item_id)
    assert found["status"] == "in_progress" and found["due_date"] > "2026-03-09"  # the next period's


async def test_a_major_item_is_revisiting_only_while_its_revisit_is_open(both: Both) -> None:
    item_id = await register(both, major=True)
    await do(both.workflow, "leader", "approve_item", {"decision": "approve"})
    await do(both.workflow, "zjj-liaison", "sign", {})
    await do(both.workflow, "zjj-liaison", "report", {"report_type": "completion", "content": "已完成"})
    assert (await both.agree(item_id))["status"] == "reported"
    await do(both.workflow, "office", "review", {"decision": "accept"})
    assert (await both.agree(item_id))["status"] == "revisiting"
    await do(both.workflow, "office", "revisit", {"method": "spot_check", "truthful": True, "implemented": True,
                                                  "rectified": True, "solved": True, "satisfied": True})
    assert (await both.agree(item_id))["status"] == "closed"


async def test_a_deadline_in_a_year_without_the_official_calendar_is_estimated(both: Both,
                                                                             clock: SettableClock) -> None:
    clock.set(dt.datetime(2026, 12, 28, 10, 0, tzinfo=CHINA))  # five working days reach into 2027
    item_id = await register(both)
    await do(both.workflow, "leader", "approve_item", {"decision": "approve"})
    await do(both.workflow, "zjj-liaison", "sign", {})
    found = await both.agree(item_id)
    assert found["due_date"].startswith("2027-") and found["due_date_estimated"] is True


async def test_a_leader_deciding_a_measure_sees_the_units_prior_offences(both: Both, clock: SettableClock) -> None:
    for n in range(2):  # two items of the same unit go overdue in the same year
        await register(both, urgency="urgent", title=f"整治积水点{n}")
    for task in (await both.workflow.get("/tasks", headers=auth("leader"))).json()["items"]:
        await complete(both.workflow, "leader", task, {"decision": "approve"})
    for task in (await both.workflow.get("/tasks", headers=auth("zjj-liaison"))).json()["items"]:
        await complete(both.workflow, "zjj-liaison", task, {})
    clock.set(dt.datetime(2026, 3, 6, 0, 0, 1, tzinfo=CHINA))  # the urgent reports are overdue
    await both.sweep()
    decisions = (await both.workflow.get("/tasks", headers=auth("leader"))).json()["items"]
    contexts = sorted([(await both.workflow.get(f"/tasks/{t['id']}", headers=auth("leader"))).json()["context"]
                       for t in decisions], key=lambda c: c["prior_offences"])
    assert [(c["prior_offences"], c["offence_count"], c["escalated"]) for c in contexts] == [
        (0, 1, False), (1, 2, True)]
    assert "escalation_reason" not in contexts[0] and "自动升一档" in contexts[1]["escalation_reason"]


async def test_the_timeline_names_every_completed_task_by_its_bpmn_name(both: Both) -> None:
    item_id = await register(both)
    await do(both.workflow, "leader", "approve_item", {"decision": "approve"})
    await do(both.workflow, "zjj-liaison", "sign", {})
    _, ledger = await both.item(item_id)
    done = [e["text"] for e in ledger["timeline"] if e["kind"] == "task.completed"]
    assert done == ["完成「审批立项」", "完成「签收」"]

"""A step the process cannot take (a script that fails at run time) changes nothing, is
answered with a reason, and leaves an incident; a failing timer is parked, the others fire."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from shared.bus.topology import Topology
from shared.clock import CHINA, SettableClock
from tests.support.eventually import eventually
from tests.support.services import REPO, auth, serving
from tests.support.workflow_client import ITEM, complete, do, stream_subjects

FLOWS = REPO / "tests" / "fixtures" / "flows"
GOOD = (FLOWS / "assignment.bpmn").read_text(encoding="utf-8")
OVERDUE = 'emit("deadline.overdue", deadline="report", due_date=due_date, unit=lead_unit)'
SIGNED = 'emit("item.signed", unit=lead_unit, comment=sign.get("comment", ""))'
# both pass the deploy check; they fail only when they run (a field no form has, a wrong type)
BROKEN = GOOD.replace(OVERDUE, 'emit("deadline.overdue", deadline="report", due_date=due_date, unit=lead_unit, '
                               'days=len(due_date) // 0)').replace(SIGNED, 'note = sign["signature"]\n' + SIGNED)
AFTER_THE_DEADLINE = dt.datetime(2026, 3, 6, 0, 0, 1, tzinfo=CHINA)


@pytest.fixture
def app(make_workflow_app: Callable[..., Any]) -> Any:
    return make_workflow_app(FLOWS, timer_sweep_seconds=3600.0)


async def test_a_failing_step_changes_nothing_and_a_failing_timer_holds_back_no_other(
        app: Any, clock: SettableClock, nats_url: str, topology: Topology) -> None:
    service, admin = app.state.service, auth("admin")
    async with serving(app) as client:
        good = (await client.post("/items", json={**ITEM, "urgency": "urgent"}, headers=auth("office"))).json()
        deployed = await client.post("/definitions", json={"files": {"assignment.bpmn": BROKEN}}, headers=admin)
        assert deployed.status_code == 201, deployed.text  # the check cannot see a run-time failure
        broken = (await client.post("/items", json={**ITEM, "urgency": "urgent", "title": "新版本事项"},
                                    headers=auth("office"))).json()
        for task in (await client.get("/tasks", headers=auth("leader"))).json()["items"]:
            assert (await complete(client, "leader", task, {"decision": "approve"})).status_code == 200

        # a user's step: refused with the reason, nothing changed, one incident
        signs = [t for t in (await client.get("/tasks", headers=auth("zjj-liaison"))).json()["items"]]
        on_broken = next(t for t in signs if t["item_id"] == broken["id"])
        refused = await complete(client, "zjj-liaison", on_broken, {"comment": "已签收"})
        assert refused.status_code == 422
        assert "Task_signed" in refused.json()["detail"] and "signature" in refused.json()["detail"]
        assert "nothing was changed" in refused.json()["detail"]
        state = (await client.get(f"/items/{broken['id']}/state", headers=admin)).json()
        assert [t["kind"] for t in state["ready_tasks"]] == ["sign"] and state["history"][-1]["kind"] == "approve_item"
        [incident] = (await client.get("/incidents", headers=admin)).json()["items"]
        assert (incident["trigger"], incident["element_id"], incident["item_id"]) == ("task", "Task_signed",
                                                                                  broken["id"])
        assert (await client.get("/incidents", headers=auth("zjj-liaison"))).status_code == 403

        # the broken version is rolled back; the running item keeps its version (and its failure)
        signed = next(t for t in signs if t["item_id"] == good["id"])
        assert (await complete(client, "zjj-liaison", signed, {})).status_code == 200
        fixed = await client.post("/definitions", json={"files": {"assignment.bpmn": BROKEN.replace(
            'note = sign["signature"]\n', "")}}, headers=admin)
        assert fixed.status_code == 201
        third = (await client.post("/items", json={**ITEM, "urgency": "urgent", "title": "第三事项"},
                                   headers=auth("office"))).json()
        await do(client, "leader", "approve_item", {"decision": "approve"})
        sign = next(t for t in (await client.get("/tasks", headers=auth("zjj-liaison"))).json()["items"]
                    if t["item_id"] == third["id"])
        assert (await complete(client, "zjj-liaison", sign, {})).status_code == 200

        # the deadline passes: the good item goes overdue, the third's overdue script fails
        clock.set(AFTER_THE_DEADLINE)
        assert await service.fire_due_timers() == 2
        assert await service.fire_due_timers() == 0  # the failing one is parked, not retried forever
        assert (await client.get(f"/items/{good['id']}", headers=admin)).json()["overdue"] is True
        assert (await client.get(f"/items/{third['id']}", headers=admin)).json()["overdue"] is False
        timers = [i for i in (await client.get("/incidents", headers=admin)).json()["items"] if i["trigger"] == "timer"]
        assert [(i["element_id"], i["item_id"]) for i in timers] == [("Task_overdue", third["id"])]
        assert "ZeroDivisionError" in timers[0]["message"]
        subjects = await eventually(lambda: stream_subjects(nats_url, topology),
                                    lambda got: got["deadline.overdue"] == 1)
        assert subjects["deadline.overdue"] == 1

        # resolving re-arms the timer: it runs again (and, still broken, makes a new incident)
        assert (await client.post(f"/incidents/{timers[0]['id']}/resolve", headers=auth("office"))).status_code == 403
        resolved = await client.post(f"/incidents/{timers[0]['id']}/resolve", headers=admin)
        assert resolved.status_code == 200 and resolved.json()["resolved_by"] == "admin"
        assert (await client.post("/incidents/999999/resolve", headers=admin)).status_code == 404
        assert await service.fire_due_timers() == 1
        still = (await client.get("/incidents", headers=admin)).json()["items"]
        assert sorted(i["trigger"] for i in still) == ["task", "timer"] and timers[0]["id"] not in {
            i["id"] for i in still}
        everything = (await client.get("/incidents?open_only=false", headers=admin)).json()
        assert everything["total"] == 3

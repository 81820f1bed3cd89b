"""The workflow service over HTTP with real NATS and a real database.

Uses a small stand-in assignment process (tests/fixtures/flows) so the HTTP, storage,
timer and outbox behaviour is tested apart from the real processes in workflows/.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest

from shared.bus.topology import Topology
from shared.clock import CHINA, SettableClock
from tests.support.eventually import eventually
from tests.support.services import REPO, auth, serving
from tests.support.workflow_client import ITEM, complete, stream_subjects, the_task

FLOWS = REPO / "tests" / "fixtures" / "flows"


@pytest.fixture
def app(make_workflow_app: Callable[..., Any]) -> Any:
    return make_workflow_app(FLOWS)


async def test_an_item_from_registration_to_closing(app: Any, nats_url: str, topology: Topology) -> None:
    async with serving(app) as client:
        assert (await client.post("/items", json=ITEM, headers=auth("zjj-liaison"))).status_code == 403
        created = await client.post("/items", json=ITEM, headers=auth("office"))
        assert created.status_code == 201, created.text
        item = created.json()
        assert item["code"] == "督办〔2026〕1号" and item["status"] == "registered"
        assert item["open_tasks"] == ["approve_item"]

        approve = await the_task(client, "leader", "approve_item")
        assert approve["form"]["properties"]["decision"]["enum"] == ["approve", "reject"]
        assert approve["form_ui"]["decision"]["ui:enumNames"] == ["同意", "不同意"]  # labels for the console
        bad = await complete(client, "leader", approve, {"decision": "maybe"})
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["data", "decision"]
        assert (await complete(client, "office", approve, {"decision": "approve"})).status_code == 403
        assert (await complete(client, "leader", approve, {"decision": "approve", "comment": "同意"})).status_code == 200
        assert (await complete(client, "leader", approve, {"decision": "approve"})).status_code == 409

        item = (await client.get(f"/items/{item['id']}", headers=auth("office"))).json()
        # Monday 2026-03-02 + 5 working days (normal urgency)
        assert (item["status"], item["due_date"], item["open_tasks"]) == ("assigned", "2026-03-09", ["sign"])
        assert (await client.get(f"/items/{item['id']}", headers=auth("tiexi-liaison"))).status_code == 404
        assert (await client.get(f"/items/{item['id']}", headers=auth("tiedong-liaison"))).status_code == 200
        assert (await client.get("/tasks", headers=auth("tiedong-liaison"))).json()["total"] == 0

        sign = await the_task(client, "zjj-liaison", "sign")
        assert sign["due_date"] == "2026-03-03"
        other = await complete(client, "tiexi-liaison", sign, {})
        assert other.status_code == 404  # another unit does not learn the task exists
        assert (await complete(client, "zjj-liaison", sign, {"comment": "已签收"})).status_code == 200
        report = await the_task(client, "zjj-liaison", "report")
        done = await complete(client, "zjj-liaison", report, {"report_type": "completion", "content": "已完成改造"})
        assert done.status_code == 200
        review = await the_task(client, "office", "review")
        assert (await complete(client, "office", review, {"decision": "accept"})).status_code == 200
        item = (await client.get(f"/items/{item['id']}", headers=auth("office"))).json()
        assert (item["status"], item["open_tasks"], item["overdue"]) == ("closed", [], False)

        expected = {"item.registered": 1, "item.approved": 1, "item.assigned": 1, "item.signed": 1,
                    "report.submitted": 1, "report.accepted": 1, "item.closed": 1,
                    "task.created": 4, "task.completed": 4,
                    "item.progressed": 4}  # assigned, in progress, reported, closed
        subjects = await eventually(lambda: stream_subjects(nats_url, topology), lambda got: got == expected)
        assert subjects == expected


async def test_a_deadline_fires_once_from_the_timer_sweep(app: Any, clock: SettableClock, nats_url: str,
                                                          topology: Topology) -> None:
    async with serving(app) as client:
        item = (await client.post("/items", json={**ITEM, "urgency": "urgent"}, headers=auth("office"))).json()
        await complete(client, "leader", await the_task(client, "leader", "approve_item"), {"decision": "approve"})
        await complete(client, "zjj-liaison", await the_task(client, "zjj-liaison", "sign"), {})
        service = app.state.service
        assert await service.fire_due_timers() == 0
        clock.set(dt.datetime(2026, 3, 5, 23, 59, 58, tzinfo=CHINA))  # the due day (urgent: 3 working days)
        assert await service.fire_due_timers() == 0
        clock.set(dt.datetime(2026, 3, 6, 0, 0, 1, tzinfo=CHINA))
        assert await service.fire_due_timers() == 1
        assert await service.fire_due_timers() == 0
        found = (await client.get(f"/items/{item['id']}", headers=auth("zjj-liaison"))).json()
        assert found["overdue"] is True and found["open_tasks"] == ["report"]  # the work still has to be done
        subjects = await eventually(lambda: stream_subjects(nats_url, topology),
                                    lambda got: got["deadline.overdue"] == 1 and got["task.completed"] == 2)
        assert subjects["deadline.overdue"] == 1


async def test_bad_registrations_are_refused_with_a_reason(app: Any) -> None:
    async with serving(app) as client:
        for body, needle in [({**ITEM, "lead_unit": "atlantis"}, "atlantis"),
                             ({**ITEM, "co_units": ["zjj"]}, "lead unit"),
                             ({**ITEM, "leader": "office"}, "leader"),
                             ({**ITEM, "urgency": "special"}, "due_date")]:
            answer = await client.post("/items", json=body, headers=auth("office"))
            assert answer.status_code == 422 and needle in json.dumps(answer.json()["detail"], ensure_ascii=False)

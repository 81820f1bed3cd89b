"""A full item from the workflow service (the real processes of workflows/) in the ledger:
every timeline entry, and the right light at each step as the clock moves."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import nats
from nats.js.client import JetStreamContext

from services.ledger.app import create_app as ledger_app
from services.ledger.config import LedgerSettings
from services.workflow.app import create_app as workflow_app
from services.workflow.config import WorkflowSettings
from shared.bus.topology import Topology
from shared.clock import CHINA, SettableClock
from shared.contracts.registry import parse_message
from tests.e2e.test_ledger_api import consumed
from tests.e2e.test_workflow_api import ITEM, complete, the_task
from tests.support.eventually import eventually
from tests.support.services import NOW, REPO, auth, runtime_for, serving, settings_for

NOT_IN_TIMELINE = ("task.created", "item.progressed")  # every completed task is an entry


async def item_events(js: JetStreamContext, topology: Topology, item_id: str) -> list[Any]:
    """The events of one item in the stream, in order, as contract models."""
    info = await js.stream_info(topology.events_stream)
    found = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        raw = await js.get_msg(topology.events_stream, seq)
        message = parse_message(topology.canonical(raw.subject), raw.data)
        if str(getattr(message, "item_id", "")) == item_id:
            found.append(message)
    return found


async def test_an_item_from_the_workflow_service_through_the_ledger(
        nats_url: str, database_url: str, topology: Topology, tmp_path: Path) -> None:
    clock = SettableClock(NOW)  # Monday 2026-03-02 09:30 in Beijing
    wf_settings = settings_for(WorkflowSettings, nats_url=nats_url, database_url=database_url, topology=topology,
                               data_dir=tmp_path, workflows_dir=REPO / "workflows")
    lg_settings = settings_for(LedgerSettings, nats_url=nats_url, database_url=database_url, topology=topology,
                               data_dir=tmp_path)
    workflow = workflow_app(wf_settings, deps=runtime_for(wf_settings, clock))
    ledger = ledger_app(lg_settings, deps=runtime_for(lg_settings, clock))
    connection = await nats.connect(nats_url)
    js = connection.jetstream()
    async with serving(workflow) as wf, serving(ledger) as lg:

        async def row(item_id: str, last: str) -> dict[str, Any]:
            """The ledger's item once its timeline holds an entry of kind ``last``."""
            await eventually(lambda: lg.get(f"/items/{item_id}", headers=auth("office")),
                             lambda r: r.status_code == 200 and last in [e["kind"] for e in r.json()["timeline"]])
            # and the rest of its step (the item.progressed after it): relayed, then consumed
            await eventually(lambda: workflow.state.outbox.pending(workflow.state.service.db), lambda n: n == 0)
            await consumed(nats_url, topology)
            return (await lg.get(f"/items/{item_id}", headers=auth("office"))).json()

        async def light(item_id: str) -> str | None:
            return (await lg.get(f"/items/{item_id}", headers=auth("office"))).json()["light"]

        created = await wf.post("/items", json=ITEM, headers=auth("office"))
        assert created.status_code == 201, created.text
        item_id = str(created.json()["id"])
        found = await row(item_id, "item.registered")
        assert (found["status"], found["light"], found["title"]) == ("registered", "green", ITEM["title"])

        await complete(wf, "leader", await the_task(wf, "leader", "approve_item"), {"decision": "approve"})
        found = await row(item_id, "item.assigned")
        assert (found["status"], found["due_date"], found["assigned_on"], found["light"]) == (
            "assigned", "2026-03-09", "2026-03-02", "green")
        await complete(wf, "zjj-liaison", await the_task(wf, "zjj-liaison", "sign"), {})
        found = await row(item_id, "item.signed")
        assert (found["status"], found["light"]) == ("in_progress", "green")

        clock.set(dt.datetime(2026, 3, 5, 18, 0, tzinfo=CHINA))  # Thursday: two working days left
        assert await light(item_id) == "green"
        clock.set(dt.datetime(2026, 3, 6, 9, 0, 1, tzinfo=CHINA))  # Friday, the working day before
        assert await light(item_id) == "yellow"  # kept current by the clock alone
        await workflow.state.service.fire_due_timers()  # the reminder (到期催办)
        found = await row(item_id, "deadline.reminder")
        assert found["light"] == "yellow"

        clock.set(dt.datetime(2026, 3, 10, 0, 0, 1, tzinfo=CHINA))  # the deadline passed
        assert await light(item_id) == "red"
        await workflow.state.service.fire_due_timers()  # overdue, and an accountability case opens
        found = await row(item_id, "accountability.opened")
        assert (found["light"], found["overdue_days"]) == ("red", 1)
        assert "deadline.overdue" in {e["kind"] for e in found["timeline"]}

        clock.set(dt.datetime(2026, 3, 10, 10, 0, tzinfo=CHINA))
        await complete(wf, "zjj-liaison", await the_task(wf, "zjj-liaison", "report"),
                       {"report_type": "completion", "content": "已完成年度改造任务"})
        found = await row(item_id, "report.submitted")
        assert (found["status"], found["progress"], found["light"]) == ("reported", "已完成年度改造任务", "red")
        await complete(wf, "office", await the_task(wf, "office", "review"), {"decision": "accept"})
        found = await row(item_id, "item.closed")
        assert (found["light"], found["closed_on"], found["on_time"], found["overdue_days"]) == (
            None, "2026-03-10", False, 1)

        # every event of the item from the stream is in the timeline, once, in order
        events = await item_events(js, topology, item_id)
        expected = [e for e in events if e.kind not in NOT_IN_TIMELINE]
        found = await row(item_id, expected[-1].kind)
        assert [(e["kind"], e["time"]) for e in found["timeline"]] == [
            (e.kind, e.occurred_at.isoformat().replace("+00:00", "Z")) for e in expected]
        assert len(found["timeline"]) == len(expected)
        assert found["timeline"][0]["text"].startswith("立项：督办〔2026〕1号 推进老旧小区改造")

        # another unit's liaison cannot see it; the co-unit can
        assert (await lg.get(f"/items/{item_id}", headers=auth("tiexi-liaison"))).status_code == 404
        assert (await lg.get("/items", headers=auth("tiexi-liaison"))).json()["total"] == 0
        assert (await lg.get(f"/items/{item_id}", headers=auth("tiedong-liaison"))).status_code == 200
    await connection.close()

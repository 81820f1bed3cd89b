"""Each service started in-process against real NATS and a real database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from services.ledger.adapters.tables import inbox as ledger_inbox
from services.ledger.app import create_app as ledger_app
from services.ledger.config import LedgerSettings
from services.notification.app import create_app as notification_app
from services.notification.config import NotificationSettings
from services.reporting.app import create_app as reporting_app
from services.reporting.config import ReportingSettings
from services.workflow.app import create_app as workflow_app
from services.workflow.config import WorkflowSettings
from shared.bus.topology import Topology
from tests.support.eventually import eventually
from tests.support.samples import item_registered
from tests.support.services import auth, runtime_for, serving, settings_for, token

SERVICES = {
    "workflow": (WorkflowSettings, workflow_app),
    "ledger": (LedgerSettings, ledger_app),
    "notification": (NotificationSettings, notification_app),
    "reporting": (ReportingSettings, reporting_app),
}


@pytest.mark.parametrize("service", SERVICES)
async def test_service_starts_answers_and_guards_its_api(service: str, nats_url: str, database_url: str,
                                                         topology: Topology, tmp_path: Path) -> None:
    settings_cls, create_app = SERVICES[service]
    settings = settings_for(settings_cls, nats_url=nats_url, database_url=database_url,
                            topology=topology, data_dir=tmp_path)
    app = create_app(settings, deps=runtime_for(settings))
    async with serving(app) as client:
        assert (await client.get("/healthz")).json() == {"status": "ok", "service": service}
        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert {name: c["ok"] for name, c in ready.json()["checks"].items()} == {
            "nats": True, "database": True, "calendar": True}
        assert ready.json()["checks"]["calendar"]["covered_years"] == ["2004-2026"]
        assert "/me" in (await client.get("/openapi.json")).json()["paths"]

        missing = await client.get("/me")
        assert missing.status_code == 401 and missing.json()["detail"]
        wrong = await client.get("/me", headers={"Authorization": f"Bearer {token('office', secret='x' * 40)}"})
        assert wrong.status_code == 401
        me = await client.get("/me", headers=auth("tiexi-liaison"))
        assert me.status_code == 200
        assert me.json()["unit"] == "tiexi" and me.json()["roles"] == ["liaison"]
        unknown = await client.get("/no-such-route", headers=auth("office"))
        assert unknown.status_code == 404 and unknown.json() == {"detail": "Not Found"}


async def test_readyz_reports_an_uncovered_year(nats_url: str, database_url: str, topology: Topology,
                                                tmp_path: Path) -> None:
    import datetime as dt

    from shared.clock import SettableClock

    settings = settings_for(LedgerSettings, nats_url=nats_url, database_url=database_url,
                            topology=topology, data_dir=tmp_path)
    clock = SettableClock(dt.datetime(2031, 5, 6, 2, 0, tzinfo=dt.UTC))
    async with serving(ledger_app(settings, deps=runtime_for(settings, clock))) as client:
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["calendar"]["ok"] is False
        assert "2031" in ready.json()["detail"]


async def test_workflow_serves_the_org_directory(nats_url: str, database_url: str, topology: Topology,
                                                 tmp_path: Path) -> None:
    settings = settings_for(WorkflowSettings, nats_url=nats_url, database_url=database_url,
                            topology=topology, data_dir=tmp_path)
    async with serving(workflow_app(settings, deps=runtime_for(settings))) as client:
        assert (await client.get("/units")).status_code == 401
        units = (await client.get("/units", headers=auth("tiexi-liaison"))).json()
        assert units["total"] == len(units["items"]) >= 6
        assert {u["kind"] for u in units["items"]} == {"county", "zone", "department", "other"}
        tiexi = (await client.get("/units/tiexi", headers=auth("office"))).json()
        assert tiexi["liaisons"] == ["tiexi-liaison"] and tiexi["heads"] == ["tiexi-head"]
        missing = await client.get("/units/atlantis", headers=auth("office"))
        assert missing.status_code == 404 and "atlantis" in missing.json()["detail"]


async def test_event_from_workflow_outbox_arrives_in_ledger_once(nats_url: str, database_url: str,
                                                                 topology: Topology, tmp_path: Path) -> None:
    """The workflow's outbox relay publishes; the ledger's durable consumer records it once."""
    wf_settings = settings_for(WorkflowSettings, nats_url=nats_url, database_url=database_url,
                               topology=topology, data_dir=tmp_path)
    lg_settings = settings_for(LedgerSettings, nats_url=nats_url, database_url=database_url,
                               topology=topology, data_dir=tmp_path)
    workflow = workflow_app(wf_settings, deps=runtime_for(wf_settings))
    ledger = ledger_app(lg_settings, deps=runtime_for(lg_settings))
    async with serving(workflow), serving(ledger):
        wf_runtime, lg_runtime = workflow.state.runtime, ledger.state.runtime
        event = item_registered()
        async with wf_runtime.db.begin() as connection:
            await workflow.state.outbox.stage(connection, event)
        workflow.state.relay.wake()

        async def received() -> list[object]:
            async with lg_runtime.db.connect() as connection:
                return (await connection.execute(select(ledger_inbox.c.event_id))).scalars().all()

        assert await eventually(received, lambda ids: len(ids) == 1) == [event.event_id]
        assert await workflow.state.outbox.pending(wf_runtime.db) == 0

        # the same event published again (a relay retry) is not recorded twice
        await wf_runtime.publisher.publish(event)
        js = lg_runtime.bus.js
        await eventually(lambda: js.consumer_info(topology.events_stream, "ledger"),
                         lambda c: c.num_pending == 0 and c.num_ack_pending == 0)
        async with lg_runtime.db.connect() as connection:
            assert (await connection.execute(select(func.count()).select_from(ledger_inbox))).scalar_one() == 1

"""A bulletin from draft to the criticised unit's accountability, across the reporting and the
workflow services on one bus: submitted, returned by the leader, approved, published; the
criticised unit's head is asked for causes and measures once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from services.reporting.app import create_app as reporting_app
from services.reporting.config import ReportingSettings
from shared.bus.topology import Topology
from shared.clock import SettableClock, today_in_china
from tests.support.eventually import eventually
from tests.support.services import REPO, auth, runtime_for, serving, settings_for
from tests.support.workflow_client import complete, do


async def test_an_approved_bulletin_asks_the_criticised_unit_once(
        make_workflow_app: Callable[..., Any], nats_url: str, database_url: str, topology: Topology,
        tmp_path: Path, clock: SettableClock) -> None:
    settings = settings_for(ReportingSettings, nats_url=nats_url, database_url=database_url, topology=topology,
                            data_dir=tmp_path / "reporting", bulletin_approver="leader")
    async with (serving(make_workflow_app(REPO / "workflows")) as workflow,
                serving(reporting_app(settings, deps=runtime_for(settings, clock))) as reporting):
        office, today = auth("office"), today_in_china(clock)
        month = {"period_from": today.replace(day=1).isoformat(), "period_to": today.isoformat()}  # holds the finding
        finding = await reporting.post("/findings", headers=office, json={
            "unit": "fgw", "kind": "推诿扯皮", "reason": "项目审批互相推诿"})
        assert finding.status_code == 201, finding.text
        draft = (await reporting.post("/bulletins", headers=office, json={"kind": "bulletin", **month})).json()
        assert [c["unit"] for c in draft["figures"]["criticised"]] == ["fgw"]
        assert (await reporting.post(f"/bulletins/{draft['id']}/submit", headers=office)).status_code == 200

        async def tasks(user: str) -> list[dict[str, Any]]:
            return (await workflow.get("/tasks", headers=auth(user))).json()["items"]

        [remarks] = await eventually(lambda: tasks("office"), lambda found: len(found) == 1)
        assert (remarks["kind"], remarks["context"]["number"]) == ("bulletin_remarks", draft["number"])
        await do(workflow, "office", "bulletin_remarks", {"remarks": "各单位要引以为戒"})
        await do(workflow, "leader", "approve_bulletin", {"decision": "return", "comment": "按语要点明问题"})
        back = await eventually(lambda: reporting.get(f"/bulletins/{draft['id']}", headers=office),
                                lambda answer: answer.json()["status"] == "draft")
        assert back.json()["leader_comment"] == "按语要点明问题"
        assert await tasks("office") == []  # the process ended; the office may change the lists first
        assert (await reporting.post(f"/bulletins/{draft['id']}/submit", headers=office)).status_code == 200
        [again] = await eventually(lambda: tasks("office"), lambda found: len(found) == 1)
        assert again["context"]["returned_comment"] == "按语要点明问题"
        await complete(workflow, "office", again, {"remarks": "推诿扯皮问题要立行立改"})
        await do(workflow, "leader", "approve_bulletin", {"decision": "approve", "comment": "同意印发"})

        published = await eventually(lambda: reporting.get(f"/bulletins/{draft['id']}", headers=office),
                                     lambda answer: answer.json()["status"] == "published")
        assert published.json()["remarks"] == "推诿扯皮问题要立行立改"
        assert (await reporting.get(f"/bulletins/{draft['id']}", headers=auth("fgw-liaison"))).status_code == 200
        [decide] = await eventually(lambda: tasks("leader"), lambda found: len(found) == 1)
        assert decide["kind"] == "decide_measure" and "推诿扯皮" in decide["context"]["reason"]
        await complete(workflow, "leader", decide, {"measure": "interview"})
        explain = await eventually(lambda: tasks("fgw-head"), lambda found: len(found) >= 1)
        assert [t["kind"] for t in explain] == ["explain"]

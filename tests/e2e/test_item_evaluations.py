"""Third-party evaluations (第三方评估), research notes (调研) and joint supervision groups
(联合督查组) through the real workflow, ledger and reporting services, real NATS and each
database: the office records them on an item, the ledger shows them in the item's timeline
(to those who see the item), the reporting service keeps them for the work brief (简报)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from services.ledger.app import create_app as ledger_app
from services.ledger.config import LedgerSettings
from services.reporting.adapters.item_records import evaluations_in, research_notes_in
from services.reporting.app import create_app as reporting_app
from services.reporting.config import ReportingSettings
from services.workflow.adapters import tables as workflow_tables
from services.workflow.app import create_app as workflow_app
from services.workflow.config import WorkflowSettings
from shared.bus.topology import Topology
from shared.clock import SettableClock
from shared.runtime import Runtime
from shared.storage.database import reading
from shared.unit_stats import Period
from tests.e2e.test_ledger_api import consumed
from tests.support.eventually import eventually
from tests.support.services import NOW, REPO, auth, runtime_for, serving, settings_for
from tests.support.workflow_client import ITEM

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
GROUP = {"lead": "fgw", "members": ["sthj", "tiedong"]}
EVALUATION = {"evaluator": "辽宁省社会科学院", "date": "2026-03-01", "conclusion": "改造质量总体良好，群众满意度92%",
              "rating": "good"}
NOTE = {"date": "2026-03-02", "author": "王丽", "place": "铁东区胜利街道", "text": "走访居民30户，建议增设排水管网"}


@dataclass
class Services:
    workflow: FastAPI
    wf: httpx.AsyncClient
    lg: httpx.AsyncClient
    reporting: Runtime
    nats_url: str
    topology: Topology

    async def settled(self) -> None:
        """Everything the workflow staged is relayed and both consumers are done with it."""
        await eventually(lambda: self.workflow.state.outbox.pending(self.workflow.state.service.db),
                         lambda n: n == 0)
        await consumed(self.nats_url, self.topology, "ledger")
        await consumed(self.nats_url, self.topology, "reporting")

    async def ledger_item(self, item_id: str, kind: str) -> dict[str, Any]:
        """The ledger's item once its timeline holds an entry of ``kind``."""
        answer = await eventually(lambda: self.lg.get(f"/items/{item_id}", headers=auth("office")),
                                  lambda r: r.status_code == 200 and kind in [e["kind"] for e in r.json()["timeline"]])
        return answer.json()

    async def outbox_rows(self) -> int:
        async with reading(self.workflow.state.service.db) as connection:
            return (await connection.execute(select(func.count()).select_from(workflow_tables.outbox))).scalar_one()


@pytest.fixture
async def services(nats_url: str, database_url: str, topology: Topology, tmp_path: Path) -> AsyncIterator[Services]:
    clock = SettableClock(NOW)  # Monday 2026-03-02 09:30 in Beijing
    common = {"nats_url": nats_url, "database_url": database_url, "topology": topology, "data_dir": tmp_path}
    wf_settings = settings_for(WorkflowSettings, **common, workflows_dir=REPO / "workflows")
    lg_settings = settings_for(LedgerSettings, **common)
    rp_settings = settings_for(ReportingSettings, **common, bulletin_rules_file=REPO / "deploy" / "bulletin_rules.yaml")
    workflow = workflow_app(wf_settings, deps=runtime_for(wf_settings, clock))
    reporting = runtime_for(rp_settings, clock)
    async with (serving(workflow) as wf, serving(ledger_app(lg_settings, deps=runtime_for(lg_settings, clock))) as lg,
                serving(reporting_app(rp_settings, deps=reporting))):
        yield Services(workflow, wf, lg, reporting, nats_url, topology)


async def register(s: Services, **changes: Any) -> httpx.Response:
    return await s.wf.post("/items", json={**ITEM, **changes}, headers=auth("office"))


async def upload(s: Services, user: str) -> str:
    answer = await s.wf.post("/attachments", files={"file": ("评估报告.pdf", PDF, "application/pdf")},
                             headers=auth(user))
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


async def test_an_evaluation_with_its_file_and_a_research_note_reach_the_ledger_and_the_brief(
        services: Services) -> None:
    s = services
    created = await register(s, joint_group=GROUP)
    assert created.status_code == 201, created.text
    item_id = created.json()["id"]
    assert created.json()["joint_group"] == GROUP
    found = await s.ledger_item(item_id, "item.registered")
    assert found["joint_group"] == {"lead": "fgw", "lead_name": "市发展改革委", "members": ["sthj", "tiedong"],
                                    "member_names": ["市生态环境局", "铁东区"]}
    assert found["evaluations"] == []

    attachment = await upload(s, "office")
    evaluated = await s.wf.post(f"/items/{item_id}/evaluations", json={**EVALUATION, "attachment": attachment},
                                headers=auth("office"))
    assert evaluated.status_code == 201, evaluated.text
    assert {k: evaluated.json()[k] for k in ("item_id", "kind", "evaluator", "date", "rating", "attachment",
                                              "attachment_name")} == {
        "item_id": item_id, "kind": "item.evaluated", "evaluator": "辽宁省社会科学院", "date": "2026-03-01",
        "rating": "good", "attachment": attachment, "attachment_name": "评估报告.pdf"}
    noted = await s.wf.post(f"/items/{item_id}/research-notes", json=NOTE, headers=auth("office"))
    assert noted.status_code == 201, noted.text

    found = await s.ledger_item(item_id, "item.researched")
    assert "item.evaluated" in [e["kind"] for e in found["timeline"]]
    texts = {e["kind"]: e["text"] for e in found["timeline"]}
    assert texts["item.evaluated"] == ("第三方评估（辽宁省社会科学院，2026年3月1日），评估等次：良好："
                                       "改造质量总体良好，群众满意度92%（附件：评估报告.pdf）")
    assert texts["item.researched"] == "调研（2026年3月2日，王丽，铁东区胜利街道）：走访居民30户，建议增设排水管网"
    [evaluation] = found["evaluations"]
    assert {k: evaluation[k] for k in ("evaluator", "date", "conclusion", "rating", "rating_label", "attachment",
                                       "attachment_name", "recorded_by")} == {
        "evaluator": "辽宁省社会科学院", "date": "2026-03-01", "conclusion": EVALUATION["conclusion"],
        "rating": "good", "rating_label": "良好", "attachment": attachment, "attachment_name": "评估报告.pdf",
        "recorded_by": "office"}

    # the file is the item's now: its units download it, another unit sees neither it nor the item
    listed = (await s.wf.get(f"/items/{item_id}/attachments", headers=auth("zjj-liaison"))).json()
    assert [f["id"] for f in listed["items"]] == [attachment] and listed["items"][0]["task_id"] is None
    downloaded = await s.wf.get(f"/attachments/{attachment}", headers=auth("zjj-liaison"))
    assert downloaded.status_code == 200 and downloaded.content == PDF
    assert (await s.wf.get(f"/attachments/{attachment}", headers=auth("tiexi-liaison"))).status_code == 404
    assert (await s.lg.get(f"/items/{item_id}", headers=auth("tiexi-liaison"))).status_code == 404
    assert (await s.lg.get(f"/items/{item_id}", headers=auth("zjj-liaison"))).json()["evaluations"] == [evaluation]
    # the same file cannot go on to another item
    other = (await register(s, title="整治城区道路积水点")).json()["id"]
    again = await s.wf.post(f"/items/{other}/evaluations", json={**EVALUATION, "attachment": attachment},
                            headers=auth("office"))
    assert again.status_code == 422 and "attachment" in again.text

    # the reporting service keeps them for the month's work brief, with the item's code and title
    await s.settled()
    march, february = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31)), Period(dt.date(2026, 2, 1),
                                                                                 dt.date(2026, 2, 28))
    async with reading(s.reporting.db) as connection:
        [brief_evaluation] = await evaluations_in(connection, march)
        [brief_note] = await research_notes_in(connection, march)
        assert await evaluations_in(connection, february) == [] == await research_notes_in(connection, february)
    assert {k: brief_evaluation[k] for k in ("item_id", "code", "title", "lead_unit", "evaluator", "date", "text",
                                             "rating", "attachment_name")} == {
        "item_id": uuid.UUID(item_id), "code": "督办〔2026〕1号", "title": ITEM["title"], "lead_unit": "zjj",
        "evaluator": "辽宁省社会科学院", "date": dt.date(2026, 3, 1), "text": EVALUATION["conclusion"],
        "rating": "good", "attachment_name": "评估报告.pdf"}
    assert {k: brief_note[k] for k in ("code", "author", "place", "date", "text")} == {
        "code": "督办〔2026〕1号", "author": "王丽", "place": "铁东区胜利街道", "date": dt.date(2026, 3, 2),
        "text": NOTE["text"]}


async def test_only_the_office_records_on_an_item_it_knows_and_never_ahead_of_time(services: Services) -> None:
    s = services
    item_id = (await register(s)).json()["id"]
    await s.settled()
    before = await s.outbox_rows()
    liaison_file = await upload(s, "zjj-liaison")
    refused = {
        "liaison": await s.wf.post(f"/items/{item_id}/evaluations", json=EVALUATION, headers=auth("zjj-liaison")),
        "leader": await s.wf.post(f"/items/{item_id}/research-notes", json=NOTE, headers=auth("leader")),
        "unknown item": await s.wf.post("/items/00000000-0000-4000-8000-000000000009/evaluations", json=EVALUATION,
                                        headers=auth("office")),
        "future": await s.wf.post(f"/items/{item_id}/evaluations", json={**EVALUATION, "date": "2026-03-03"},
                                  headers=auth("office")),
        "future note": await s.wf.post(f"/items/{item_id}/research-notes", json={**NOTE, "date": "2026-03-03"},
                                       headers=auth("office")),
        "another's file": await s.wf.post(f"/items/{item_id}/evaluations",
                                          json={**EVALUATION, "attachment": liaison_file}, headers=auth("office")),
        "no conclusion": await s.wf.post(f"/items/{item_id}/evaluations", json={**EVALUATION, "conclusion": " "},
                                         headers=auth("office")),
        "bad rating": await s.wf.post(f"/items/{item_id}/evaluations", json={**EVALUATION, "rating": "A+"},
                                      headers=auth("office")),
    }
    assert {k: r.status_code for k, r in refused.items()} == {
        "liaison": 403, "leader": 403, "unknown item": 404, "future": 422, "future note": 422,
        "another's file": 422, "no conclusion": 422, "bad rating": 422}
    assert "2026-03-03" in refused["future"].json()["detail"] and "晚于今天" in refused["future"].json()["detail"]
    assert await s.outbox_rows() == before  # nothing was published
    listed = (await s.wf.get(f"/items/{item_id}/attachments", headers=auth("office"))).json()
    assert listed["total"] == 0  # and the liaison's file was not bound to the item

    # today is the latest day a record may have
    today = await s.wf.post(f"/items/{item_id}/research-notes", json={"date": "2026-03-02", "text": "现场察看"},
                            headers=auth("office"))
    assert today.status_code == 201, today.text
    found = await s.ledger_item(item_id, "item.researched")
    assert [e["text"] for e in found["timeline"] if e["kind"] == "item.researched"] == ["调研（2026年3月2日）：现场察看"]


async def test_a_joint_group_names_units_of_the_directory(services: Services) -> None:
    s = services
    refused = {
        "unknown lead": await register(s, joint_group={"lead": "nowhere", "members": ["fgw"]}),
        "unknown member": await register(s, joint_group={"lead": "fgw", "members": ["sthj", "nowhere"]}),
        "lead among members": await register(s, joint_group={"lead": "fgw", "members": ["fgw"]}),
        "no members": await register(s, joint_group={"lead": "fgw", "members": []}),
        "twice": await register(s, joint_group={"lead": "fgw", "members": ["sthj", "sthj"]}),
        "extra field": await register(s, joint_group={"lead": "fgw", "members": ["sthj"], "head": "x"}),
    }
    assert {k: r.status_code for k, r in refused.items()} == dict.fromkeys(refused, 422)
    assert "nowhere" in refused["unknown member"].text
    async with reading(s.workflow.state.service.db) as connection:
        assert (await connection.execute(select(func.count()).select_from(workflow_tables.items))).scalar_one() == 0
    plain = (await register(s)).json()["id"]  # without a group, as before
    assert (await s.ledger_item(plain, "item.registered"))["joint_group"] is None

"""The public's satisfaction (群众满意度) from the public board's feedback: per unit in a bulletin's
figures and its praise rule (hidden feedback never counts, a unit without ratings is judged on the
rest), and on the revisit task of the real workflow service (``public.rating_changed``, published
by the reporting service in the feedback's transaction), both over HTTP on one bus."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from services.reporting.app import create_app as reporting_app
from services.reporting.config import ReportingSettings
from shared.bus.topology import Topology
from shared.clock import SettableClock
from tests.e2e.test_ledger_api import consumed, publish_all
from tests.e2e.test_reporting_bulletins import MONDAY, draft, revisit_passed
from tests.support.eventually import eventually
from tests.support.item_story import ItemStory
from tests.support.services import REPO, auth, runtime_for, serving, settings_for
from tests.support.workflow_client import ITEM, do

RULES = REPO / "deploy" / "bulletin_rules.yaml"


def reporting_settings(nats_url: str, database_url: str, topology: Topology, data_dir: Path) -> ReportingSettings:
    return settings_for(ReportingSettings, nats_url=nats_url, database_url=database_url, topology=topology,
                        data_dir=data_dir, bulletin_rules_file=RULES)


def closed_on_time(story: ItemStory) -> list[Any]:
    return story.with_progress([story.registered(), story.approved(), story.assigned(), story.signed(),
                                story.submitted(), story.accepted(), story.closed("2026-03-05"), revisit_passed(story)])


async def rate(client: httpx.AsyncClient, story: ItemStory, *ratings: int) -> list[str]:
    ids = []
    for rating in ratings:
        given = await client.post(f"/public/items/{story.item_id}/feedback", json={"rating": rating, "text": "评价"})
        assert given.status_code == 201, given.text
        ids.append(given.json()["id"])
    return ids


async def test_a_units_public_satisfaction_decides_its_praise_and_hidden_feedback_never_counts(
        nats_url: str, database_url: str, topology: Topology, tmp_path: Path) -> None:
    settings = reporting_settings(nats_url, database_url, topology, tmp_path)
    satisfied = ItemStory(code="督办〔2026〕11号", title="公交线路优化", lead="zjj", co=(), public=True)
    spoiled = ItemStory(code="督办〔2026〕12号", title="菜市场提档升级", lead="fgw", co=(), public=True)
    unrated = ItemStory(code="督办〔2026〕13号", title="内部制度建设", lead="tiexi", co=())  # not on the board
    async with serving(reporting_app(settings, deps=runtime_for(settings, SettableClock(MONDAY)))) as client:
        await publish_all(nats_url, topology, [*closed_on_time(satisfied), *closed_on_time(spoiled),
                                               *closed_on_time(unrated)], concurrency=1)
        await consumed(nats_url, topology, durable="reporting")
        await rate(client, satisfied, 5, 4)
        _, low = await rate(client, spoiled, 5, 1)

        figures = (await draft(client))["figures"]
        rows = {r["unit"]: r for r in figures["units"]}
        assert {u: (rows[u]["satisfaction"], rows[u]["satisfaction_count"]) for u in ("zjj", "fgw", "tiexi")} == {
            "zjj": (4.5, 2), "fgw": (3.0, 2), "tiexi": (None, 0)}
        praised = {p["unit"]: p["reasons"] for p in figures["praised"]}
        assert praised == {"zjj": ["本期办结1件，全部按期办结", "回访复核1次全部通过", "群众满意度4.5分（2条评价）"],
                           "tiexi": ["本期办结1件，全部按期办结", "回访复核1次全部通过"]}  # no ratings: the rest decides

        hidden = await client.post(f"/feedback/{low}/hide", headers=auth("office"), json={"reason": "恶意差评"})
        assert hidden.status_code == 200, hidden.text
        figures = (await draft(client))["figures"]
        assert {r["unit"]: r["satisfaction"] for r in figures["units"]}["fgw"] == 5.0
        assert "群众满意度5.0分（1条评价）" in {p["unit"]: p["reasons"] for p in figures["praised"]}["fgw"]
        april = await draft(client, period_from="2026-04-01", period_to="2026-04-30")  # the feedback was in March
        assert all(r["satisfaction"] is None for r in april["figures"]["units"])


async def test_the_revisit_task_shows_the_items_public_rating_as_the_workflow_records_it(
        make_workflow_app: Callable[..., Any], nats_url: str, database_url: str, topology: Topology,
        tmp_path: Path, clock: SettableClock) -> None:
    settings = reporting_settings(nats_url, database_url, topology, tmp_path / "reporting")
    async with (serving(make_workflow_app(REPO / "workflows")) as workflow,
                serving(reporting_app(settings, deps=runtime_for(settings, clock))) as reporting):
        registered = await workflow.post("/items", json={**ITEM, "public": True, "major": True}, headers=auth("office"))
        assert registered.status_code == 201, registered.text
        item_id = registered.json()["id"]
        await do(workflow, "leader", "approve_item", {"decision": "approve"})
        await do(workflow, "zjj-liaison", "sign", {})
        await do(workflow, "zjj-liaison", "report", {"report_type": "completion", "content": "已完成"})
        await do(workflow, "office", "review", {"decision": "accept"})

        async def revisit() -> dict[str, Any]:
            tasks = (await workflow.get("/tasks", headers=auth("office"))).json()["items"]
            [task] = [t for t in tasks if t["kind"] == "revisit"]
            return task

        before = await revisit()
        assert before["context"]["public_rating"] == {"average": None, "count": 0}
        assert "暂无" in before["form"]["properties"]["satisfied"]["description"]

        await eventually(lambda: reporting.get(f"/public/items/{item_id}"), lambda r: r.status_code == 200)
        ids = []
        for rating in (5, 2):
            given = await reporting.post(f"/public/items/{item_id}/feedback", json={"rating": rating, "text": "一般"})
            assert given.status_code == 201, given.text
            ids.append(given.json()["id"])
        rated = await eventually(revisit, lambda t: t["context"]["public_rating"]["count"] == 2)
        assert rated["context"]["public_rating"] == {"average": 3.5, "count": 2}
        assert "群众评价：平均3.5分（共2条）" in rated["form"]["properties"]["satisfied"]["description"]
        assert (await workflow.get(f"/tasks/{rated['id']}", headers=auth("office"))).json()["context"][
            "public_rating"] == {"average": 3.5, "count": 2}

        assert (await reporting.post(f"/feedback/{ids[1]}/hide", headers=auth("office"),
                                     json={"reason": "与事项无关"})).status_code == 200
        hidden = await eventually(revisit, lambda t: t["context"]["public_rating"]["count"] == 1)
        assert hidden["context"]["public_rating"] == {"average": 5.0, "count": 1}
        await do(workflow, "office", "revisit", {"method": "spot_check", "truthful": True, "implemented": True,
                                                 "rectified": True, "solved": True, "satisfied": True})

"""The reporting service's bulletins over HTTP, fed through real NATS: its figures for a period
equal the ledger's ``/stats``; numbering, praise and criticism, findings, adjustments, publication."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import nats
import nats.js.errors
import pytest

from services.ledger.app import create_app as ledger_app
from services.ledger.config import LedgerSettings
from services.reporting.app import create_app as reporting_app
from services.reporting.config import ReportingSettings
from shared.bus.topology import Topology
from shared.calendar import load_calendar
from shared.clock import CHINA, SettableClock
from shared.contracts import events as ev
from shared.contracts.accountability_events import BulletinApproved, BulletinReturned
from shared.contracts.base import Message
from shared.contracts.enums import RevisitMethod, Source
from shared.unit_stats import COUNTS
from tests.e2e.test_ledger_api import consumed, publish_all
from tests.support.eventually import eventually
from tests.support.item_story import ItemStory
from tests.support.services import auth, runtime_for, serving, settings_for

MONDAY = dt.datetime(2026, 3, 16, 10, 0, tzinfo=CHINA)
MARCH = {"period_from": "2026-03-01", "period_to": "2026-03-31"}


def revisit_passed(story: ItemStory) -> ev.RevisitCompleted:
    return ev.RevisitCompleted(**story._base(None), method=RevisitMethod.OPEN_VISIT, truthful=True,
                               implemented=True, rectified=True, solved=True, satisfied=True, passed=True)


def march() -> list[Message]:
    """zjj: one item late (overdue, returned once, closed late), one revisit failed; fgw: closed
    on time, revisit passed; tiedong: returned twice; tiexi: reopened after closing on time."""
    late = ItemStory(code="督办〔2026〕1号", title="推进老旧小区改造")
    good = ItemStory(code="督办〔2026〕2号", title="优化营商环境专项行动", lead="fgw", co=("zjj",),
                     source=Source.LEADER_INSTRUCTION)
    twice = ItemStory(code="督办〔2026〕3号", title="城区供暖管网改造", lead="tiedong", co=())
    failed = ItemStory(code="督办〔2026〕4号", title="背街小巷整治", lead="zjj", co=())
    again = ItemStory(code="督办〔2026〕5号", title="农贸市场改造", lead="tiexi", co=())
    return [*late.life(),
            *good.with_progress([good.registered(), good.approved(), good.assigned(), good.signed(),
                                 good.submitted(), good.accepted(), good.closed("2026-03-05"), revisit_passed(good)]),
            *twice.with_progress([twice.registered(), twice.approved(), twice.assigned(), twice.signed(),
                                  twice.submitted(), twice.returned(), twice.submitted(round=2),
                                  twice.returned(round=2, new_due="2026-03-25")]),
            *failed.with_progress([failed.registered(), failed.approved(), failed.assigned(), failed.signed(),
                                   failed.submitted(), failed.accepted(), failed.closed("2026-03-06"),
                                   failed.revisit_failed()]),
            *again.with_progress([again.registered(), again.approved(), again.assigned(), again.signed(),
                                  again.submitted(), again.accepted(), again.closed("2026-03-05"),
                                  again.reopened()])]


@pytest.fixture
async def services(nats_url: str, database_url: str, topology: Topology,
                   tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    clock = SettableClock(MONDAY)
    common = {"nats_url": nats_url, "database_url": database_url, "topology": topology, "data_dir": tmp_path}
    ledger_settings = settings_for(LedgerSettings, **common)
    reporting_settings = settings_for(ReportingSettings, **common,
                                      bulletin_rules_file=Path(__file__).parents[2] / "deploy" / "bulletin_rules.yaml")
    async with (serving(ledger_app(ledger_settings, deps=runtime_for(ledger_settings, clock))) as ledger,
                serving(reporting_app(reporting_settings, deps=runtime_for(reporting_settings, clock))) as reporting):
        yield ledger, reporting


async def fed(nats_url: str, topology: Topology, events: list[Message]) -> None:
    await publish_all(nats_url, topology, events, concurrency=1)
    await consumed(nats_url, topology, "ledger")
    await consumed(nats_url, topology, "reporting")


async def draft(reporting: httpx.AsyncClient, kind: str = "bulletin", **period: str) -> dict[str, Any]:
    answer = await reporting.post("/bulletins", json={"kind": kind, **(period or MARCH)}, headers=auth("office"))
    assert answer.status_code == 201, answer.text
    return answer.json()


async def test_a_bulletins_figures_equal_the_ledgers_stats(services: Any, nats_url: str, topology: Topology) -> None:
    ledger, reporting = services
    await fed(nats_url, topology, march())
    for period in (MARCH, {"period_from": "2026-03-06", "period_to": "2026-03-10"},
                   {"period_from": "2026-02-01", "period_to": "2026-02-28"}):
        stats = (await ledger.get("/stats", params={"from": period["period_from"], "to": period["period_to"]},
                                  headers=auth("office"))).json()
        figures = (await draft(reporting, **period))["figures"]
        keys = ("unit", "unit_name", *COUNTS, "on_time_rate")
        assert [{k: r[k] for k in keys} for r in figures["units"]] == [{k: r[k] for k in keys}
                                                                       for r in stats["units"]]
        assert {k: figures["totals"][k] for k in (*COUNTS, "on_time_rate")} == stats["total"]
    rows = {r["unit"]: r for r in (await draft(reporting))["figures"]["units"]}
    assert (rows["zjj"]["assigned"], rows["zjj"]["closed"], rows["zjj"]["on_time"], rows["zjj"]["overdue"],
            rows["zjj"]["returned"]) == (2, 2, 1, 1, 1)
    assert rows["tiedong"]["returned"] == 2 and rows["tiexi"]["reopened"] == 1
    assert (rows["zjj"]["revisits_failed"], rows["fgw"]["revisits_passed"], rows["zjj"]["accountability_opened"]) == (
        1, 1, 1)


async def test_praise_criticism_findings_adjustments_and_publication(services: Any, nats_url: str,
                                                                    topology: Topology) -> None:
    _, reporting = services
    await fed(nats_url, topology, march())
    first = await draft(reporting)
    assert (first["number"], first["status"], first["kind"]) == ("鞍政督通〔2026〕1号", "draft", "bulletin")
    f = first["figures"]
    assert f["totals"]["by_source"] == {"leader_instruction": 1, "work_report_target": 4}
    assert sum(f["totals"]["by_status"].values()) == 5
    assert [i["code"] for i in f["overdue_items"]] == ["督办〔2026〕1号"]
    praised = {p["unit"]: p["reasons"] for p in f["praised"]}
    criticised = {c["unit"]: c["reasons"] for c in f["criticised"]}
    assert set(praised) == {"fgw"} and "回访复核1次全部通过" in praised["fgw"]
    assert set(criticised) == {"zjj", "tiedong"}
    assert criticised["tiedong"] == ["报告被退回重办2次"]
    assert "逾期未办结1件" in criticised["zjj"] and "回访复核未通过1次" in criticised["zjj"]
    rank = {r["unit"]: r["rank"] for r in f["units"]}
    # tiexi reopened its item: it is no longer closed, so it has no rate and no rank
    assert (rank["fgw"], rank["tiexi"], rank["zjj"], rank["tiedong"]) == (1, None, 2, None)

    finding = await reporting.post("/findings", json={"unit": "tiexi", "kind": "敷衍应付", "reason": "整改流于形式"},
                                   headers=auth("office"))
    assert finding.status_code == 201, finding.text
    removed = await reporting.post(f"/bulletins/{first['id']}/adjustments", headers=auth("office"), json={
        "list": "criticised", "action": "remove", "unit": "tiedong", "reason": "退回系材料格式问题"})
    assert removed.status_code == 200, removed.text
    added = await reporting.post(f"/bulletins/{first['id']}/adjustments", headers=auth("office"), json={
        "list": "praised", "action": "add", "unit": "tiedong", "reason": "主动攻坚"})
    lists = added.json()["figures"]
    assert {c["unit"]: c["reasons"] for c in lists["criticised"]}["tiexi"] == ["敷衍应付：整改流于形式"]
    assert "tiedong" not in {c["unit"] for c in lists["criticised"]}
    assert {p["unit"]: p["reasons"] for p in lists["praised"]}["tiedong"] == ["督察室：主动攻坚"]
    assert [(a["action"], a["made_by"], a["made_by_name"]) for a in added.json()["adjustments"]] == [
        ("remove", "office", "王丽"), ("add", "office", "王丽")]  # who made them, as the directory names them

    assert (await reporting.get(f"/bulletins/{first['id']}", headers=auth("tiedong-liaison"))).status_code == 404
    assert (await reporting.get("/bulletins", headers=auth("tiedong-liaison"))).json() == {"bulletins": []}
    assert (await reporting.post(f"/bulletins/{first['id']}/submit",
                                 headers=auth("tiedong-liaison"))).status_code == 403
    submitted = await reporting.post(f"/bulletins/{first['id']}/submit", headers=auth("office"))
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert (await reporting.post(f"/bulletins/{first['id']}/submit", headers=auth("office"))).status_code == 409
    [asked] = await commands(nats_url, topology, "workflow.approve_bulletin", count=1)
    assert (asked["bulletin_id"], asked["number"], asked["bulletin_kind"]) == (first["id"], "鞍政督通〔2026〕1号",
                                                                            "bulletin")
    # the approval process (workflows/bulletin_approval.bpmn) returns it once, then approves it
    bulletin_id = uuid.UUID(first["id"])
    await fed(nats_url, topology, [BulletinReturned(occurred_at=MONDAY, actor="leader", bulletin_id=bulletin_id,
                                                    comment="请补充整改要求")])
    returned = (await reporting.get(f"/bulletins/{first['id']}", headers=auth("office"))).json()
    assert (returned["status"], returned["leader_comment"]) == ("draft", "请补充整改要求")
    await reporting.post(f"/bulletins/{first['id']}/submit", headers=auth("office"))
    approved = BulletinApproved(occurred_at=MONDAY, actor="leader", bulletin_id=bulletin_id,
                                remarks="各单位要对照问题抓好整改", comment="同意印发")
    await fed(nats_url, topology, [approved, approved])  # a redelivery publishes nothing twice
    published = (await reporting.get(f"/bulletins/{first['id']}", headers=auth("office"))).json()
    assert (published["status"], published["remarks"]) == ("published", "各单位要对照问题抓好整改")
    seen = await reporting.get(f"/bulletins/{first['id']}", headers=auth("tiedong-liaison"))
    assert seen.status_code == 200 and seen.json()["figures"] == published["figures"]
    cases = await commands(nats_url, topology, "workflow.open_accountability", count=2)
    assert sorted(c["unit"] for c in cases) == ["tiexi", "zjj"]  # the criticised, once each
    assert all(c["bulletin_id"] == first["id"] and c["reason"].startswith("鞍政督通〔2026〕1号督查通报通报批评：")
               for c in cases)
    public = await reporting.get("/public/bulletins")  # without a token
    assert public.status_code == 200 and public.json()["bulletins"] == [{
        "id": first["id"], "kind": "bulletin", "number": "鞍政督通〔2026〕1号", "title": "鞍政督通〔2026〕1号督查通报",
        "period_from": "2026-03-01", "period_to": "2026-03-31", "published_at": published["published_at"]}]
    [told] = await stream_events(nats_url, topology, "bulletin.published", count=1)
    assert (sorted(told["criticised_units"]), told["praised_units"]) == (["tiexi", "zjj"], ["fgw", "tiedong"])
    again = await reporting.post(f"/bulletins/{first['id']}/adjustments", headers=auth("office"), json={
        "list": "praised", "action": "add", "unit": "fgw", "reason": "x"})
    assert again.status_code == 409
    brief = await draft(reporting, "brief")
    assert brief["number"] == "督查工作简报〔2026〕第1期"
    listed = (await reporting.get("/bulletins", params={"kind": "bulletin", "year": 2026},
                                  headers=auth("tiedong-liaison"))).json()["bulletins"]
    assert [b["number"] for b in listed] == ["鞍政督通〔2026〕1号"]


async def test_concurrent_drafts_get_different_numbers_and_bad_input_is_422(services: Any) -> None:
    _, reporting = services
    answers = await asyncio.gather(*(reporting.post("/bulletins", json={"kind": "bulletin", **MARCH},
                                                    headers=auth("office")) for _ in range(4)))
    assert [a.status_code for a in answers] == [201] * 4
    assert sorted(a.json()["number"] for a in answers) == [f"鞍政督通〔2026〕{n}号" for n in range(1, 5)]
    for body in ({"kind": "bulletin", "period_from": "2026-04-01", "period_to": "2026-03-01"},
                 {"kind": "memo", **MARCH}, {"kind": "bulletin", "period_from": "2026-03-01"},
                 {"kind": "bulletin", "period_from": "1000-01-01", "period_to": "2026-03-01"},
                 {"kind": "bulletin", "period_from": 0, "period_to": "2026-03-01"}):
        answer = await reporting.post("/bulletins", json=body, headers=auth("office"))
        assert answer.status_code == 422 and answer.json()["detail"], (body, answer.text)
    assert (await reporting.post("/bulletins", json={"kind": "bulletin", **MARCH},
                                 headers=auth("zjj-liaison"))).status_code == 403
    unknown = await reporting.post("/findings", json={"unit": "nowhere", "kind": "落实不力", "reason": "x"},
                                   headers=auth("office"))
    assert unknown.status_code == 422


async def commands(nats_url: str, topology: Topology, kind: str, *, count: int) -> list[dict[str, Any]]:
    """The commands of this kind on the commands stream, once there are ``count`` of them."""
    return await _on_stream(nats_url, topology, topology.commands_stream, f"cmd.{kind}", count)


async def stream_events(nats_url: str, topology: Topology, kind: str, *, count: int) -> list[dict[str, Any]]:
    return await _on_stream(nats_url, topology, topology.events_stream, f"events.{kind}", count)


async def _on_stream(nats_url: str, topology: Topology, stream: str, suffix: str, count: int) -> list[dict[str, Any]]:
    async def found() -> list[dict[str, Any]]:
        connection = await nats.connect(nats_url)
        js, out = connection.jetstream(), []
        info = await js.stream_info(stream)
        for seq in range(info.state.first_seq, info.state.last_seq + 1) if info.state.messages else ():
            try:
                message = await js.get_msg(stream, seq)
            except nats.js.errors.NotFoundError:  # a gap: deleted
                continue
            if message.subject.endswith(suffix):
                out.append(json.loads(message.data))
        await connection.close()
        return out

    got = await eventually(found, lambda messages: len(messages) >= count)
    assert len(got) == count, got
    return got


async def test_the_monthly_draft_is_made_once_on_the_first_working_day(nats_url: str, database_url: str,
                                                                        topology: Topology, tmp_path: Path) -> None:
    first = load_calendar(None).add_working_days(dt.date(2026, 9, 30), 1).date  # after the National Day holidays
    clock = SettableClock(dt.datetime(2026, 10, 2, 9, 0, tzinfo=CHINA))
    settings = settings_for(ReportingSettings, nats_url=nats_url, database_url=database_url, topology=topology,
                            data_dir=tmp_path, schedule=True)
    app = reporting_app(settings, deps=runtime_for(settings, clock))
    async with serving(app) as reporting:
        assert await app.state.bulletins.monthly_draft(lambda month: first) is None  # not yet
        assert (await reporting.get("/bulletins", headers=auth("office"))).json()["bulletins"] == []
        clock.set(dt.datetime.combine(first, dt.time(8), CHINA))  # the schedule acts on the jump
        made = await eventually(lambda: reporting.get("/bulletins", headers=auth("office")),
                                lambda answer: len(answer.json()["bulletins"]) == 1)
        [draft] = made.json()["bulletins"]
        assert (draft["period_from"], draft["period_to"], draft["status"]) == ("2026-09-01", "2026-09-30", "draft")
    app = reporting_app(settings, deps=runtime_for(settings, clock))
    async with serving(app) as reporting:  # a restart, or a second replica, makes it no second time
        assert await app.state.bulletins.monthly_draft(lambda month: first) is None
        assert [b["id"] for b in (await reporting.get("/bulletins", headers=auth("office"))).json()["bulletins"]] == [
            draft["id"]]

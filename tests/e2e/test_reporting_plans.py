"""Monthly supervision plans (月度督查工作计划) and on-site visits in the reporting service, fed
through real NATS: the API (auth, validation, distinct visit dates, the 15-day warning both
ways), the office's reminder in the last week of a short month (once, across a restart), and a
brief's (简报) work section in its figures and in its .docx."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import docx
import httpx
import pytest
from fastapi import FastAPI

from services.reporting.app import create_app as reporting_app
from services.reporting.config import ReportingSettings
from shared.bus.topology import Topology
from shared.clock import CHINA, SettableClock
from shared.contracts.accountability_events import BulletinApproved
from shared.contracts.base import Message
from shared.contracts.enums import EvaluationRating
from shared.contracts.record_events import ItemEvaluated, ItemResearched
from tests.e2e.test_ledger_api import consumed, publish_all
from tests.e2e.test_reporting_bulletins import commands
from tests.support.item_story import ItemStory
from tests.support.services import auth, runtime_for, serving, settings_for

DEC_3 = dt.datetime(2026, 12, 3, 10, 0, tzinfo=CHINA)
TEAMS = [{"name": "第一督查组", "members": ["office", "市人大代表李强"]},
         {"name": "联合督查组", "members": ["office2"], "joint_group": {"lead": "fgw", "members": ["zjj", "tiedong"]}}]
PLAN = {"month": "2026-12", "focus": ["老旧小区改造进度", "冬季供暖保障"], "planned_on_site_days": 16, "teams": TEAMS}


def at(day: int, month: int = 12, year: int = 2026, hour: int = 10) -> dt.datetime:
    return dt.datetime(year, month, day, hour, 0, tzinfo=CHINA)


class Service:
    def __init__(self, app: FastAPI, client: httpx.AsyncClient, clock: SettableClock) -> None:
        self.app, self.client, self.clock = app, client, clock


@pytest.fixture
async def service(nats_url: str, database_url: str, topology: Topology, tmp_path: Path) -> AsyncIterator[Service]:
    clock = SettableClock(DEC_3)
    settings = settings_for(ReportingSettings, nats_url=nats_url, database_url=database_url, topology=topology,
                            data_dir=tmp_path, console_url="https://duban.example.gov.cn")
    app = reporting_app(settings, deps=runtime_for(settings, clock))
    async with serving(app) as client:
        yield Service(app, client, clock)


async def fed(nats_url: str, topology: Topology, events: list[Message]) -> None:
    await publish_all(nats_url, topology, events, concurrency=1)
    await consumed(nats_url, topology, "reporting")


async def two_items(nats_url: str, topology: Topology) -> tuple[ItemStory, ItemStory]:
    first = ItemStory(code="督办〔2026〕31号", title="推进老旧小区改造", start=at(1, 11))
    second = ItemStory(code="督办〔2026〕32号", title="城区供暖管网改造", lead="tiedong", co=(), start=at(1, 11))
    await fed(nats_url, topology, [first.registered(), second.registered()])
    return first, second


async def plan(client: httpx.AsyncClient, body: dict[str, Any] | None = None) -> dict[str, Any]:
    answer = await client.post("/plans", json=body or PLAN, headers=auth("office"))
    assert answer.status_code == 201, answer.text
    return answer.json()


def visit(day: str, **changes: Any) -> dict[str, Any]:
    return {"date": day, "place": "铁东区园林街道", "team": ["office"], "findings": "整改台账不完整", **changes}


async def add_visit(client: httpx.AsyncClient, body: dict[str, Any], month: str = "2026-12") -> dict[str, Any]:
    answer = await client.post(f"/plans/{month}/visits", json=body, headers=auth("office"))
    assert answer.status_code == 201, answer.text
    return answer.json()


async def month_of(client: httpx.AsyncClient, month: str = "2026-12", user: str = "office") -> dict[str, Any]:
    answer = await client.get(f"/plans/{month}", headers=auth(user))
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_a_plan_is_made_once_by_the_office_and_read_by_the_office_and_leaders(service: Service) -> None:
    client = service.client
    assert (await client.post("/plans", json=PLAN)).status_code == 401
    assert (await client.get("/plans/2026-12")).status_code == 401
    assert (await client.post("/plans", json=PLAN, headers=auth("tiedong-liaison"))).status_code == 403
    assert (await client.post("/plans", json=PLAN, headers=auth("leader"))).status_code == 403
    bad = [{**PLAN, "month": "2026-13"}, {**PLAN, "month": "26-12"}, {**PLAN, "month": "2026-11"},  # over
           {**PLAN, "planned_on_site_days": 14}, {**PLAN, "planned_on_site_days": 32},
           {**PLAN, "planned_on_site_days": "16"}, {**PLAN, "focus": []}, {**PLAN, "focus": ["供暖", "供暖"]},
           {**PLAN, "teams": []}, {**PLAN, "teams": [TEAMS[0], TEAMS[0]]}, {**PLAN, "extra": 1},
           {**PLAN, "teams": [{"name": "组", "members": ["office"], "joint_group": {"lead": "nowhere",
                                                                                  "members": ["zjj"]}}]},
           {**PLAN, "teams": [{"name": "组", "members": ["office"], "joint_group": {"lead": "zjj",
                                                                                  "members": ["zjj"]}}]},
           {**PLAN, "teams": [{"name": "组", "members": []}]}]
    for body in bad:
        answer = await client.post("/plans", json=body, headers=auth("office"))
        assert answer.status_code == 422 and answer.json()["detail"], (body, answer.text)
    for month in ("2026-12", "2026-11"):  # nothing was stored
        assert (await client.get(f"/plans/{month}", headers=auth("office"))).status_code == 404
    made = await plan(client)
    assert (made["month"], made["label"], made["planned_on_site_days"]) == ("2026-12", "2026年12月", 16)
    assert made["teams"][0]["member_names"] == ["王丽", "市人大代表李强"]  # a username as the directory names it
    assert (made["created_by"], made["created_by_name"], made["updated_by_name"]) == ("office", "王丽", None)
    assert made["teams"][1]["joint_group"] == {"lead": "fgw", "lead_name": "市发展改革委", "members": ["zjj", "tiedong"],
                                               "member_names": ["市住建局", "铁东区"]}
    assert (made["visits"], made["on_site_days"], made["minimum_on_site_days"], made["warning"]) == ([], 0, 15, None)
    again = await client.post("/plans", json={**PLAN, "focus": ["另一份"]}, headers=auth("office"))
    assert again.status_code == 409 and "PUT /plans/2026-12" in again.json()["detail"]
    assert (await month_of(client, user="leader"))["focus"] == PLAN["focus"]
    assert (await client.get("/plans/2026-12", headers=auth("tiedong-liaison"))).status_code == 403
    assert (await client.get("/plans/2026-1", headers=auth("office"))).status_code == 422
    replaced = await client.put("/plans/2026-12", headers=auth("office"), json={
        "focus": ["冬季供暖保障"], "planned_on_site_days": 18, "teams": TEAMS[:1]})
    assert replaced.status_code == 200, replaced.text
    assert (replaced.json()["focus"], replaced.json()["planned_on_site_days"], replaced.json()["updated_by"]) == (
        ["冬季供暖保障"], 18, "office")
    assert (await client.put("/plans/2027-01", headers=auth("office"), json={
        "focus": ["x"], "planned_on_site_days": 18, "teams": TEAMS[:1]})).status_code == 404
    assert (await month_of(client))["planned_on_site_days"] == 18


async def test_visits_count_distinct_dates_and_the_month_warns_when_it_cannot_reach_15(
        service: Service, nats_url: str, topology: Topology) -> None:
    client, clock = service.client, service.clock
    first, second = await two_items(nats_url, topology)
    assert (await client.post("/plans/2026-10/visits", json=visit("2026-10-12"),
                              headers=auth("office"))).status_code == 404  # no plan for October
    await plan(client)
    unknown = str(uuid.uuid4())
    for body in (visit("2026-11-30"), visit("2026-12-04"), visit("2026-12-01", items=[unknown]),
                 visit("2026-12-01", team=[]), visit("2026-12-01", findings="  "), visit("2026-12-01", place=""),
                 visit("2026-12-01", joint_group={"lead": "fgw", "members": ["nowhere"]}),
                 visit("2026-12-01", items=[str(first.item_id), str(first.item_id)]), visit("2026-12-01", date=0)):
        answer = await client.post("/plans/2026-12/visits", json=body, headers=auth("office"))
        assert answer.status_code == 422 and answer.json()["detail"], (body, answer.text)
    assert (await client.post("/plans/2026-12/visits", json=visit("2026-12-01"),
                              headers=auth("tiedong-liaison"))).status_code == 403
    assert (await month_of(client))["visits"] == []  # nothing was stored
    recorded = await add_visit(client, visit("2026-12-01", items=[str(first.item_id), str(second.item_id)],
                                             joint_group={"lead": "fgw", "members": ["zjj"]}))
    assert [i["code"] for i in recorded["items"]] == ["督办〔2026〕31号", "督办〔2026〕32号"]
    assert recorded["joint_group"]["lead_name"] == "市发展改革委" and recorded["team_names"] == ["王丽"]
    await add_visit(client, visit("2026-12-01", place="铁西区"))  # the same day again: still one on-site day
    await add_visit(client, visit("2026-12-02"))
    await add_visit(client, visit("2026-12-03"))
    now = await month_of(client)
    assert (len(now["visits"]), now["on_site_days"], now["days_left"], now["warning"]) == (4, 3, 28, None)
    clock.set(at(20))  # 3 done + 12 days left (20th to 31st) = 15: still reachable
    assert ((await month_of(client))["days_left"], (await month_of(client))["warning"]) == (12, None)
    clock.set(at(21))  # 3 + 11 = 14
    late = await month_of(client, user="leader")
    assert late["days_left"] == 11 and "已无法达到每月不少于15天的要求" in late["warning"]
    await add_visit(client, visit("2026-12-21"))  # today visited: today no longer counts as open
    today = await month_of(client)
    assert (today["on_site_days"], today["days_left"]) == (4, 10) and "仅余10天" in today["warning"]
    clock.set(at(2, 1, 2027))  # the month is over, short
    over = await month_of(client)
    assert over["days_left"] == 0 and over["warning"] == "2026年12月现场督查4天，未达到每月不少于15天的要求。"
    assert (await client.post("/plans/2026-12/visits", json=visit("2026-12-22"),
                              headers=auth("office"))).status_code == 201  # recorded late: still in its month
    assert (await client.put("/plans/2026-12", headers=auth("office"), json={
        "focus": ["x"], "planned_on_site_days": 18, "teams": TEAMS[:1]})).status_code == 422  # over


async def test_the_office_is_reminded_once_in_the_last_week_of_a_short_month(
        nats_url: str, database_url: str, topology: Topology, tmp_path: Path) -> None:
    clock = SettableClock(at(20))
    settings = settings_for(ReportingSettings, nats_url=nats_url, database_url=database_url, topology=topology,
                            data_dir=tmp_path, schedule=True, console_url="https://duban.example.gov.cn")
    app = reporting_app(settings, deps=runtime_for(settings, clock))
    async with serving(app) as client:
        await plan(client)
        await add_visit(client, visit("2026-12-02"))
        assert await app.state.plans.remind_short_month() is None  # the 20th: not the last week yet
        clock.set(at(25, hour=8))  # the schedule acts on the jump (the last 7 days: 25th to 31st)
        [reminder] = await commands(nats_url, topology, "notification.send", count=1)
        assert await app.state.plans.remind_short_month() is None  # driven again: sent already
        assert reminder["recipients"] == ["office", "office2"]  # the directory's office users
        assert reminder["title"] == "2026年12月现场督查天数不足提醒"
        assert "已现场督查1天" in reminder["body"] and "已无法达到" in reminder["body"]
        assert reminder["link"] == "https://duban.example.gov.cn/plans/2026-12"
        # January reaches 15 days before its last week; February has no plan: neither is reminded
        clock.set(at(20, 1, 2027))
        await plan(client, {**PLAN, "month": "2027-01"})
        for day in range(1, 16):
            await add_visit(client, visit(f"2027-01-{day:02d}"), month="2027-01")
        clock.set(at(28, 1, 2027))
        assert await app.state.plans.remind_short_month() is None
        clock.set(at(26, 2, 2027))
        assert await app.state.plans.remind_short_month() is None
        clock.set(at(26))
    app = reporting_app(settings, deps=runtime_for(settings, clock))
    async with serving(app):  # a restart, or a second replica, reminds no second time
        assert await app.state.plans.remind_short_month() is None
        assert len(await commands(nats_url, topology, "notification.send", count=1)) == 1


async def test_a_brief_adds_the_months_work_in_its_figures_and_its_document(
        service: Service, nats_url: str, topology: Topology) -> None:
    client = service.client
    first, _ = await two_items(nats_url, topology)
    await plan(client)
    await add_visit(client, visit("2026-12-01", items=[str(first.item_id)], findings="整改台账不完整",
                                  joint_group={"lead": "fgw", "members": ["zjj", "tiedong"]}))
    await add_visit(client, visit("2026-12-02", place="铁西区", findings="供暖管网改造滞后"))
    recorded = {"occurred_at": at(2), "actor": "office", "item_id": first.item_id}
    await fed(nats_url, topology, [
        ItemEvaluated(**recorded, evaluator="辽宁省社会科学院", evaluated_on=dt.date(2026, 12, 2),
                      conclusion="改造进度符合计划", rating=EvaluationRating.GOOD),
        ItemEvaluated(**recorded, evaluator="往月的评估", evaluated_on=dt.date(2026, 11, 20), conclusion="不在本期"),
        ItemResearched(**recorded, researched_on=dt.date(2026, 12, 1), author="督查一组", place="园林街道",
                       text="居民反映施工噪音")])
    period = {"period_from": "2026-12-01", "period_to": "2026-12-31"}
    made = await client.post("/bulletins", json={"kind": "brief", **period}, headers=auth("office"))
    assert made.status_code == 201, made.text
    brief = made.json()
    work = brief["figures"]["work"]
    [month] = work["months"]
    assert (month["month"], month["plan"]["focus"], month["plan"]["planned_on_site_days"]) == (
        "2026-12", PLAN["focus"], 16)
    assert (month["on_site_days"], month["minimum_on_site_days"], month["reached"]) == (2, 15, False)
    assert [(v["date"], v["findings"]) for v in work["visits"]] == [("2026-12-01", "整改台账不完整"),
                                                                   ("2026-12-02", "供暖管网改造滞后")]
    assert work["visits"][0]["joint_group"]["member_names"] == ["市住建局", "铁东区"]
    assert work["visits"][0]["items"][0]["code"] == "督办〔2026〕31号"
    assert [(e["evaluator"], e["date"], e["rating"], e["code"]) for e in work["evaluations"]] == [
        ("辽宁省社会科学院", "2026-12-02", "good", "督办〔2026〕31号")]  # November's is not in December's brief
    assert [(n["author"], n["place"], n["text"]) for n in work["research_notes"]] == [("督查一组", "园林街道", "居民反映施工噪音")]
    bulletin = await client.post("/bulletins", json={"kind": "bulletin", **period}, headers=auth("office"))
    assert "work" not in bulletin.json()["figures"]  # a 通报 has no work section

    got = await client.get(f"/bulletins/{brief['id']}/document.docx", headers=auth("office"), timeout=120)
    assert got.status_code == 200, got.text
    document = docx.Document(io.BytesIO(got.content))
    headings = [p.text for p in document.paragraphs if p.style.name == "Duban Heading 1"]
    assert headings[0] == "一、本月督查工作" and headings[1] == "二、总体情况"
    text = "\n".join(p.text for p in document.paragraphs)
    assert "2026年12月督查重点：1．老旧小区改造进度；2．冬季供暖保障。计划现场督查16天，组成督查组2个" in text
    assert "联合督查组，牵头单位市发展改革委，协办单位市住建局、铁东区" in text
    assert "2026年12月现场督查2天，未达到每月不少于15天的要求。" in text
    assert "1．12月1日，铁东区园林街道。督查人员：王丽；联合督查组：牵头单位市发展改革委，协办单位市住建局、铁东区；" \
           "督查事项：督办〔2026〕31号推进老旧小区改造。督查发现：整改台账不完整。" in text
    assert "2．12月2日，铁西区。督查人员：王丽。督查发现：供暖管网改造滞后。" in text
    assert "（三）第三方评估和调查研究" in text
    assert "1．12月2日，辽宁省社会科学院对督办〔2026〕31号推进老旧小区改造开展第三方评估，评估等次为良好。" \
           "评估结论：改造进度符合计划。" in text
    assert "2．12月1日，督查一组赴园林街道就督办〔2026〕31号推进老旧小区改造开展调研。调研情况：居民反映施工噪音。" in text
    assert "不在本期" not in text

    # published, the brief's work is frozen with its figures: a later visit does not change it
    assert (await client.post(f"/bulletins/{brief['id']}/submit", headers=auth("office"))).status_code == 200
    await fed(nats_url, topology, [BulletinApproved(occurred_at=DEC_3, actor="leader", bulletin_id=uuid.UUID(
        brief["id"]), remarks="", comment="同意")])
    await add_visit(client, visit("2026-12-03"))
    published = (await client.get(f"/bulletins/{brief['id']}", headers=auth("tiedong-liaison"))).json()
    assert published["status"] == "published" and published["figures"]["work"]["months"][0]["on_site_days"] == 2

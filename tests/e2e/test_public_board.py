"""The public board (公开挂牌督办) of the reporting service over HTTP, fed through real NATS:
read without a token, nothing private ever shown, feedback limited per address and kept by the office."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from services.reporting.app import create_app
from services.reporting.config import ReportingSettings
from services.reporting.entrypoints.public import (
    PUBLIC_FEEDBACK_FIELDS,
    PUBLIC_ITEM_FIELDS,
    PublicFeedback,
    PublicItem,
    PublicItemDetail,
    PublicPage,
)
from shared.bus.topology import Topology
from shared.clock import CHINA, SettableClock
from tests.e2e.test_ledger_api import consumed, publish_all
from tests.e2e.test_reporting_bulletins import stream_events
from tests.support.item_story import ItemStory
from tests.support.services import auth, runtime_for, serving, settings_for

TUESDAY = dt.datetime(2026, 3, 10, 10, 0, tzinfo=CHINA)
SECRET_REPORT = "内部报告正文：资金缺口三百万"
PRIVATE = [SECRET_REPORT, "补充材料", "材料不全", "同意", "回头看发现问题", "刘建国", "潘磊", "leader",
           "liaison", "case_id", "measure", "interview", "offence", "accountab", "13800001111", "127.0.0.1",
           "10.0.0.9", "actor", "comment", "contact", "client", "reason"]


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(TUESDAY)


@pytest.fixture
async def reporting(nats_url: str, database_url: str, topology: Topology, tmp_path: Path,
                    clock: SettableClock) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    settings = settings_for(ReportingSettings, nats_url=nats_url, database_url=database_url, topology=topology,
                            data_dir=tmp_path, feedback_limit=3, feedback_window_seconds=600)
    app = create_app(settings, deps=runtime_for(settings, clock))
    async with serving(app) as client:
        yield client, app


def stories() -> tuple[ItemStory, ItemStory, ItemStory]:
    public = ItemStory(code="督办〔2026〕7号", title="城区供暖管网改造", public=True)
    private = ItemStory(code="督办〔2026〕8号", title="内部整改事项")
    waiting = ItemStory(code="督办〔2026〕9号", title="待批准的公开事项", public=True)
    return public, private, waiting


async def fed(nats_url: str, topology: Topology) -> tuple[ItemStory, ItemStory, ItemStory]:
    """The public item lived through a reminder, an overdue deadline, an accountability case
    and measure, two reports (one returned with a reason) and a reopening; the private one
    too; the waiting one is only registered."""
    public, private, waiting = stories()
    events = []
    for story in (public, private):
        events += story.with_progress([
            story.registered(), story.approved(), story.assigned(), story.signed(),
            story.reminder(at=dt.datetime(2026, 3, 6, 9, 0, tzinfo=CHINA)),
            story.overdue(at=dt.datetime(2026, 3, 9, 23, 59, 59, tzinfo=CHINA)), story.case_opened(),
            story.measure(), story.submitted(content=SECRET_REPORT, late=True), story.returned(new_due="2026-03-17"),
            story.submitted(round=2, content="补充材料后已完成")])
    events += waiting.with_progress([waiting.registered()])
    await publish_all(nats_url, topology, events, concurrency=1)
    await consumed(nats_url, topology, durable="reporting")
    return public, private, waiting


def keys_of(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_of(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_of(v)}
    return set()


def model_fields(model: type[BaseModel]) -> set[str]:
    return set(model.model_fields)


def test_the_public_models_are_an_allow_list() -> None:
    assert model_fields(PublicItem) <= PUBLIC_ITEM_FIELDS and model_fields(PublicItemDetail) <= PUBLIC_ITEM_FIELDS
    assert model_fields(PublicFeedback) <= PUBLIC_FEEDBACK_FIELDS
    assert model_fields(PublicPage) == {"items", "total", "page", "page_size"}
    assert not {"leader", "progress_reports", "comment", "contact", "client", "actor"} & PUBLIC_ITEM_FIELDS


async def test_the_board_lists_public_items_only_and_shows_nothing_private(
        reporting: Any, nats_url: str, topology: Topology, clock: SettableClock) -> None:
    client, _ = reporting
    public, private, waiting = await fed(nats_url, topology)
    listed = await client.get("/public/items")  # no token
    assert listed.status_code == 200, listed.text
    page = listed.json()
    assert page["total"] == 1 and [i["id"] for i in page["items"]] == [str(public.item_id)]
    item = page["items"][0]
    assert (item["code"], item["title"], item["unit"], item["unit_name"], item["due_date"], item["status"],
            item["status_label"], item["light"], item["light_label"], item["progress"], item["average_rating"],
            item["feedback_count"]) == ("督办〔2026〕7号", "城区供暖管网改造", "zjj", "市住建局", "2026-03-17",
                                        "reported", "已反馈", "green", "绿灯", "", None, 0)
    detail = (await client.get(f"/public/items/{public.item_id}")).json()
    assert detail["feedback"] == [] and detail["light"] == "green"
    for hidden in (private.item_id, waiting.item_id, "00000000-0000-0000-0000-000000000000"):
        answer = await client.get(f"/public/items/{hidden}")
        assert answer.status_code == 404 and answer.json()["detail"], answer.text
    assert (await client.get("/public/items", params={"unit": "fgw"})).json()["total"] == 0
    assert (await client.get("/public/items", params={"status": "closed"})).json()["total"] == 0
    assert (await client.get("/public/items", params={"status": ["reported", "closed"]})).json()["total"] == 1
    assert (await client.get("/public/items", params={"nonsense": 1})).status_code == 422

    # the office approves what the public reads; feedback with a contact and an answer
    approved = await client.put(f"/public/items/{public.item_id}/progress", headers=auth("office"),
                                json={"text": "  管网改造已完成七成。\r\n预计三月底通暖\x07  "})
    assert approved.status_code == 200, approved.text
    given = await client.post(f"/public/items/{public.item_id}/feedback",
                              json={"rating": 4, "text": "进展很快", "contact": "13800001111"})
    assert given.status_code == 201, given.text
    listing = (await client.get("/feedback", headers=auth("office"))).json()
    assert listing["items"][0]["contact"] == "13800001111" and "client" not in listing["items"][0]
    answered = await client.post(f"/feedback/{given.json()['id']}/answer", headers=auth("office"),
                                 json={"text": "感谢关注，将持续跟进"})
    assert answered.status_code == 200, answered.text

    bodies = [await client.get("/public/items"), await client.get(f"/public/items/{public.item_id}"),
              await client.get("/public/items", params={"unit": "zjj"})]
    detail = bodies[1].json()
    assert detail["progress"] == "管网改造已完成七成。\n预计三月底通暖"
    assert detail["feedback"][0]["answer"] == "感谢关注，将持续跟进" and detail["average_rating"] == 4.0
    for body in bodies:
        assert keys_of(body.json()) <= PUBLIC_ITEM_FIELDS | PUBLIC_FEEDBACK_FIELDS | {"items", "total", "page",
                                                                                    "page_size"}
        text = json.dumps(body.json(), ensure_ascii=False)
        assert not [p for p in PRIVATE if p in text], text

    clock.set(dt.datetime(2026, 3, 12, 10, 0, tzinfo=CHINA))
    await publish_all(nats_url, topology, public.with_progress([public.accepted(round=2),
                                                                public.closed("2026-03-12", on_time=False)]))
    await consumed(nats_url, topology, durable="reporting")
    closed = (await client.get(f"/public/items/{public.item_id}")).json()
    assert (closed["status"], closed["status_label"], closed["light"]) == ("closed", "已办结", None)


async def test_only_the_office_changes_the_board_and_other_routes_need_a_token(
        reporting: Any, nats_url: str, topology: Topology) -> None:
    client, app = reporting
    public, private, _ = await fed(nats_url, topology)
    open_to_all = {("get", "/public/items"), ("get", "/public/items/{item_id}"), ("get", "/healthz"),
                   ("get", "/readyz"), ("post", "/public/items/{item_id}/feedback"), ("get", "/public/bulletins"),
                   ("get", "/public/bulletins/{bulletin_id}/document.docx"),
                   ("get", "/public/bulletins/{bulletin_id}/document.pdf")}
    operations = [(m, path, op) for path, ops in app.openapi()["paths"].items() for m, op in ops.items()]
    assert {(m, path) for m, path, op in operations if not op.get("security")} == open_to_all
    for method, path in (("GET", "/me"), ("GET", "/feedback"), ("PUT", f"/public/items/{public.item_id}/progress"),
                         ("POST", f"/feedback/{public.item_id}/hide")):
        answer = await client.request(method, path, json={"text": "x", "reason": "x"})
        assert answer.status_code == 401, (path, answer.text)
    progress = f"/public/items/{public.item_id}/progress"
    assert (await client.put(progress, headers=auth("zjj-liaison"), json={"text": "已完成"})).status_code == 403
    assert (await client.put(f"/public/items/{private.item_id}/progress", headers=auth("office"),
                             json={"text": "已完成"})).status_code == 404
    for bad in ({"text": ""}, {"text": "  \n "}, {"text": "长" * 2001}, {"text": "好", "extra": 1}):
        assert (await client.put(progress, headers=auth("office"), json=bad)).status_code == 422, bad

    await publish_all(nats_url, topology, public.with_progress([public.reopened(new_due="2026-04-10")]))
    await consumed(nats_url, topology, durable="reporting")
    reopened = (await client.get(f"/public/items/{public.item_id}")).json()
    assert (reopened["light"], reopened["light_label"], reopened["due_date"]) == ("red", "红灯", "2026-04-10")


async def test_feedback_is_validated_limited_per_address_hidden_and_averaged(
        reporting: Any, nats_url: str, topology: Topology, clock: SettableClock) -> None:
    client, app = reporting
    public, private, _ = await fed(nats_url, topology)
    path = f"/public/items/{public.item_id}/feedback"
    for bad in ({"rating": 0, "text": "差"}, {"rating": 6, "text": "好"}, {"rating": "5", "text": "好"},
                {"rating": 4.5, "text": "好"}, {"rating": 5, "text": "好" * 501}, {"rating": 5, "text": " \t "},
                {"rating": 5}, {"rating": 5, "text": "好", "contact": "1" * 101},
                {"rating": 5, "text": "好", "name": "张三"}):
        answer = await client.post(path, json=bad)
        assert answer.status_code == 422, (bad, answer.text)
    assert (await client.post(f"/public/items/{private.item_id}/feedback",
                              json={"rating": 5, "text": "好"})).status_code == 404

    ids = []
    for rating in (5, 4, 1):  # the limit is 3 per 10 minutes in this test
        answer = await client.post(path, json={"rating": rating, "text": f"评价{rating}\x00分"})
        assert answer.status_code == 201, answer.text
        ids.append(answer.json()["id"])
        clock.advance(dt.timedelta(minutes=1))
    assert answer.json()["text"] == "评价1分"
    flood = await client.post(path, json={"rating": 1, "text": "再来一次"})
    assert flood.status_code == 429 and flood.json()["detail"]
    assert flood.headers["Retry-After"] == str(7 * 60)  # the first one leaves the window 7 minutes from now
    other = httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("10.0.0.9", 5000)), base_url="http://t")
    async with other:  # another address is not held back
        assert (await other.post(path, json={"rating": 3, "text": "一般"})).status_code == 201
    clock.advance(dt.timedelta(minutes=7))
    assert (await client.post(path, json={"rating": 2, "text": "窗口过后"})).status_code == 201
    assert (await client.post(path, json={"rating": 2, "text": "仍然太多"})).status_code == 429

    item = (await client.get(f"/public/items/{public.item_id}")).json()
    assert (item["feedback_count"], item["average_rating"]) == (5, 3.0)  # 5, 4, 1, 3, 2
    hidden = await client.post(f"/feedback/{ids[2]}/hide", headers=auth("office"), json={"reason": "恶意差评"})
    assert hidden.status_code == 200 and hidden.json()["hidden_reason"] == "恶意差评"
    item = (await client.get(f"/public/items/{public.item_id}")).json()
    assert (item["feedback_count"], item["average_rating"]) == (4, 3.5)
    assert ids[2] not in [f["id"] for f in item["feedback"]] and "恶意差评" not in json.dumps(item, ensure_ascii=False)
    again = await client.post(f"/feedback/{ids[2]}/hide", headers=auth("office"), json={"reason": "再次"})
    assert again.status_code == 409
    assert (await client.post(f"/feedback/{ids[2]}/answer", headers=auth("office"),
                              json={"text": "回复"})).status_code == 409
    assert (await client.post(f"/feedback/{public.item_id}/answer", headers=auth("office"),
                              json={"text": "回复"})).status_code == 404
    office = (await client.get("/feedback", headers=auth("office"), params={"hidden": "true"})).json()
    assert [f["id"] for f in office["items"]] == [ids[2]]
    listed = (await client.get("/feedback", headers=auth("office"), params={"item_id": str(public.item_id)})).json()
    assert listed["total"] == 5
    assert (await client.get("/feedback", headers=auth("zjj-liaison"))).status_code == 403

    # each change of the visible average went out once (public.rating_changed), the hiding's too; an answer's not
    changes = await stream_events(nats_url, topology, "public.rating_changed", count=6)
    assert [(c["item_id"], c["count"]) for c in changes] == [(str(public.item_id), n) for n in (1, 2, 3, 4, 5, 4)]
    assert (changes[0]["average"], changes[-1]["average"], changes[-1]["actor"]) == (5.0, 3.5, "office")

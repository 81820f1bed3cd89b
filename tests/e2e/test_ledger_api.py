"""The ledger service over HTTP, fed through real NATS: list, item, export, stats, duplicates."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.ledger.adapters import tables
from services.ledger.adapters.export import FILLS, HEADERS
from services.ledger.app import create_app
from services.ledger.config import LedgerSettings
from shared.bus.topology import Topology
from shared.clock import CHINA, SettableClock
from shared.contracts.base import Message
from shared.contracts.enums import Source
from shared.contracts.registry import PRODUCER_HEADER
from tests.support.eventually import eventually
from tests.support.item_story import ItemStory
from tests.support.services import auth, runtime_for, serving, settings_for

MONDAY = dt.datetime(2026, 3, 9, 10, 0, tzinfo=CHINA)


async def publish_all(nats_url: str, topology: Topology, events: Sequence[Message], *, concurrency: int = 64,
                      msg_ids: Sequence[str] | None = None) -> None:
    """Publish to JetStream, ``concurrency`` at a time (order within a group is not kept), each
    message as (one of) the producer(s) its contract names."""
    connection = await nats.connect(nats_url)
    js = connection.jetstream()
    ids = msg_ids or [str(e.event_id) for e in events]
    try:
        for start in range(0, len(events), concurrency):
            await asyncio.gather(*(
                js.publish(topology.subject(e.subject), e.to_json(),
                           headers={"Nats-Msg-Id": ids[start + n], PRODUCER_HEADER: min(e.producers)})
                for n, e in enumerate(events[start:start + concurrency])))
    finally:
        await connection.close()


async def consumed(nats_url: str, topology: Topology, durable: str = "ledger") -> None:
    """Wait until the durable consumer has nothing pending and nothing unacknowledged."""
    connection = await nats.connect(nats_url)
    js = connection.jetstream()
    try:
        await eventually(lambda: js.consumer_info(topology.events_stream, durable),
                         lambda c: c.num_pending == 0 and c.num_ack_pending == 0, timeout=30)
    finally:
        await connection.close()


async def row_count(engine: AsyncEngine, table: Any) -> int:
    async with engine.connect() as connection:
        return (await connection.execute(select(func.count()).select_from(table))).scalar_one()


def stories() -> list[ItemStory]:
    return [ItemStory(code="督办〔2026〕1号", title="推进老旧小区改造"),
            ItemStory(code="督办〔2026〕2号", title="优化营商环境专项行动", lead="fgw", co=("zjj",),
                      source=Source.LEADER_INSTRUCTION),
            ItemStory(code="督办〔2026〕3号", title="城区供暖管网改造", lead="tiedong", co=())]


def events_of(old: ItemStory, business: ItemStory, heating: ItemStory) -> list[Message]:
    """Item 1 closed late; item 2 signed and reminded; item 3 assigned, not signed."""
    return [*old.life(), *business.with_progress([business.registered(), business.assigned(due="2026-03-10"),
                                                  business.signed(), business.reminder(due="2026-03-10")]),
            *heating.with_progress([heating.registered(), heating.assigned(due="2026-03-20")])]


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(MONDAY)


@pytest.fixture
async def ledger(nats_url: str, database_url: str, topology: Topology, tmp_path: Path,
                 clock: SettableClock) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    settings = settings_for(LedgerSettings, nats_url=nats_url, database_url=database_url, topology=topology,
                            data_dir=tmp_path)
    app = create_app(settings, deps=runtime_for(settings, clock))
    async with serving(app) as client:
        yield client, app


async def items(client: httpx.AsyncClient, user: str = "office", **params: Any) -> dict[str, Any]:
    answer = await client.get("/items", params=params, headers=auth(user))
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_the_list_filters_sorts_pages_and_guards_units(ledger: Any, nats_url: str, topology: Topology,
                                                             clock: SettableClock) -> None:
    client, _ = ledger
    old, business, heating = stories()
    await publish_all(nats_url, topology, events_of(old, business, heating), concurrency=1)
    await consumed(nats_url, topology)  # every event applied (3 items is not enough: item 3's assignment)
    assert (await items(client))["total"] == 3

    listed = await items(client)
    assert [(i["code"], i["light"], i["status"]) for i in listed["items"]] == [
        ("督办〔2026〕2号", "yellow", "in_progress"), ("督办〔2026〕3号", "green", "assigned"),
        ("督办〔2026〕1号", None, "closed")]
    first = listed["items"][0]
    assert (first["lead_unit_name"], first["co_unit_names"], first["leader_name"], first["source_label"],
            first["status_label"], first["light_label"]) == ("市发展改革委", ["市住建局"], "刘建国",
                                                              "领导批示/交办事项", "办理中", "黄灯")
    assert (await items(client, light="green"))["total"] == 1
    assert [i["code"] for i in (await items(client, unit="zjj", sort="code"))["items"]] == [
        "督办〔2026〕1号", "督办〔2026〕2号"]
    assert [i["code"] for i in (await items(client, status=["closed", "assigned"], sort="-code"))["items"]] == [
        "督办〔2026〕3号", "督办〔2026〕1号"]
    assert (await items(client, q="营商"))["total"] == 1
    assert (await items(client, q="%"))["total"] == 0  # LIKE wildcards are text
    assert (await items(client, source="leader_instruction", leader="leader"))["total"] == 1
    assert (await items(client, due_from="2026-03-11", due_to="2026-03-31"))["total"] == 2
    page = await items(client, sort="code", page=2, page_size=2)
    assert (page["total"], [i["code"] for i in page["items"]]) == (3, ["督办〔2026〕3号"])
    assert (await items(client, overdue="true"))["total"] == 0

    clock.set(dt.datetime(2026, 3, 11, 9, 0, tzinfo=CHINA))  # the 10th passed: item 2 turns red at once
    red = await items(client, light="red")
    assert [(i["code"], i["overdue_days"]) for i in red["items"]] == [("督办〔2026〕2号", 1)]
    assert (await items(client, overdue="true"))["total"] == 0  # overdue is the workflow's word, not the clock's
    await publish_all(nats_url, topology, business.with_progress([business.overdue(due="2026-03-10")]))
    await consumed(nats_url, topology)
    overdue = (await items(client, overdue="true"))["items"]
    assert [(i["code"], i["overdue"], i["overdue_deadline"]) for i in overdue] == [("督办〔2026〕2号", True, "report")]

    # units see the items they lead or co-handle, nothing else
    assert {i["code"] for i in (await items(client, "zjj-liaison"))["items"]} == {"督办〔2026〕1号", "督办〔2026〕2号"}
    assert (await items(client, "tiexi-liaison"))["total"] == 0
    assert (await items(client, "tiexi-liaison", unit="zjj"))["total"] == 0
    hidden = await client.get(f"/items/{old.item_id}", headers=auth("tiexi-liaison"))
    assert hidden.status_code == 404 and hidden.json()["detail"]
    seen = await client.get(f"/items/{business.item_id}", headers=auth("zjj-liaison"))
    assert seen.status_code == 200 and seen.json()["light"] == "red"

    for params, needle in [({"light": "blue"}, "light"), ({"sort": "colour"}, "sort"),
                           ({"page_size": 0}, "page_size"), ({"due_from": "2026-04-01", "due_to": "2026-03-01"},
                                                             "due_from"), ({"nonsense": 1}, "nonsense")]:
        bad = await client.get("/items", params=params, headers=auth("office"))
        assert bad.status_code == 422 and needle in str(bad.json()["detail"]), (params, bad.text)
    assert (await client.get("/items/not-a-uuid", headers=auth("office"))).status_code == 422
    assert (await client.get("/items")).status_code == 401


async def test_an_item_shows_its_timeline_in_chinese(ledger: Any, nats_url: str, topology: Topology) -> None:
    client, _ = ledger
    old = ItemStory()
    life = old.life()
    await publish_all(nats_url, topology, life, concurrency=1)
    in_timeline = [e for e in life if e.kind != "item.progressed"]  # a change of progress is no entry of its own
    found = await eventually(lambda: client.get(f"/items/{old.item_id}", headers=auth("tiedong-liaison")),
                             lambda r: r.status_code == 200 and len(r.json()["timeline"]) == len(in_timeline))
    item = found.json()
    assert (item["status"], item["closed_on"], item["on_time"], item["rounds"], item["returned"],
            item["overdue_days"], item["light"]) == ("closed", "2026-03-12", False, 2, 1, 0, None)
    assert [e["kind"] for e in item["timeline"]] == [e.kind for e in in_timeline]
    assert item["timeline"][3]["text"] == "市住建局签收"
    assert item["timeline"][3]["actor_name"] == "潘磊"


async def test_the_excel_export_matches_the_list(ledger: Any, nats_url: str, topology: Topology) -> None:
    client, _ = ledger
    await publish_all(nats_url, topology, events_of(*stories()), concurrency=1)
    await consumed(nats_url, topology)  # every event applied (3 items is not enough: item 3's assignment)
    assert (await items(client))["total"] == 3
    listed = (await items(client, sort="-light"))["items"]
    answer = await client.get("/items/export.xlsx", params={"sort": "-light"}, headers=auth("office"))
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(answer.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == HEADERS
    assert len(rows) == 1 + len(listed)
    for n, (row, item) in enumerate(zip(rows[1:], listed, strict=True), start=1):
        assert row[:3] == (n, item["code"], item["title"])
        assert (row[3], row[4], row[5] or "", row[6]) == (item["source_label"], item["lead_unit_name"],
                                                    "、".join(item["co_unit_names"]), item["leader_name"])
        assert row[7].date().isoformat() == item["assigned_on"] and row[8].date().isoformat() == item["due_date"]
        assert (row[9] or "", row[10], row[11] or "") == (item["progress"], item["status_label"], item["light_label"])
        fill = sheet.cell(row=n + 1, column=len(HEADERS)).fill
        assert (fill.fgColor.rgb if fill.fill_type == "solid" else None) == FILLS.get(item["light"] or "")
    # the list's filters apply, and a unit's export holds only its items
    zjj = load_workbook(io.BytesIO((await client.get("/items/export.xlsx", headers=auth("zjj-liaison"))).content))
    assert sorted(r[1] for r in list(zjj.active.iter_rows(values_only=True))[1:]) == ["督办〔2026〕1号", "督办〔2026〕2号"]
    green = await client.get("/items/export.xlsx", params={"light": "green"}, headers=auth("office"))
    assert [r[1] for r in list(load_workbook(io.BytesIO(green.content)).active.iter_rows(values_only=True))[1:]] == [
        "督办〔2026〕3号"]


async def test_the_same_event_delivered_twice_makes_one_entry(ledger: Any, nats_url: str,
                                                              topology: Topology) -> None:
    client, app = ledger
    story = ItemStory()
    registered = story.registered()
    # the second copy has another message id, so the stream keeps both and delivers both
    await publish_all(nats_url, topology, [registered, registered], concurrency=1,
                      msg_ids=[str(registered.event_id), "another-copy"])
    await consumed(nats_url, topology)
    engine = app.state.runtime.db
    assert (await row_count(engine, tables.inbox), await row_count(engine, tables.timeline)) == (1, 1)
    item = (await client.get(f"/items/{story.item_id}", headers=auth("office"))).json()
    assert [e["kind"] for e in item["timeline"]] == ["item.registered"]


async def test_statistics_per_unit(ledger: Any, nats_url: str, topology: Topology) -> None:
    client, _ = ledger
    await publish_all(nats_url, topology, events_of(*stories()), concurrency=1)
    await consumed(nats_url, topology)  # every event applied (3 items is not enough: item 3's assignment)
    assert (await items(client))["total"] == 3
    answer = await client.get("/stats", params={"from": "2026-03-01", "to": "2026-03-31"}, headers=auth("leader"))
    assert answer.status_code == 200
    rows = {r["unit"]: r for r in answer.json()["units"]}
    assert (rows["zjj"]["assigned"], rows["zjj"]["closed"], rows["zjj"]["overdue"], rows["zjj"]["returned"],
            rows["zjj"]["on_time_rate"]) == (1, 1, 1, 1, 0.0)
    assert rows["fgw"]["assigned"] == 1 and rows["fgw"]["on_time_rate"] is None
    mine = (await client.get("/stats", headers=auth("tiedong-liaison"))).json()
    assert [r["unit"] for r in mine["units"]] == ["tiedong"] and mine["units"][0]["assigned"] == 1
    bad = await client.get("/stats", params={"from": "2026-04-01", "to": "2026-03-01"}, headers=auth("office"))
    assert bad.status_code == 422 and "after" in bad.json()["detail"]


HOSTILE = {  # what a unit may have typed (or what was stored before the edges checked it)
    "title": "=HYPERLINK(\"http://evil.example\",\"点击\")\x0b第二行\x01\x1f",
    "progress": "+cmd|' /C calc'!A0\x0b已完成\ufffe",
    "code": "@SUM(1+1)",
}


async def test_text_a_unit_typed_exports_as_text_for_everyone(ledger: Any, nats_url: str,
                                                              topology: Topology) -> None:
    client, app = ledger
    old, business, heating = stories()
    await publish_all(nats_url, topology, events_of(old, business, heating), concurrency=1)
    await consumed(nats_url, topology)  # every event applied (3 items is not enough: item 3's assignment)
    assert (await items(client))["total"] == 3
    async with app.state.runtime.db.begin() as connection:
        t = tables.items
        nul = "\x00" if connection.dialect.name == "sqlite" else ""  # PostgreSQL text cannot hold NUL
        await connection.execute(t.update().where(t.c.item_id == business.item_id).values(
            **{**HOSTILE, "title": HOSTILE["title"] + nul}))
        await connection.execute(t.update().where(t.c.item_id == heating.item_id).values(
            title="-2+3", progress="#N/A"))

    for user in ("office", "zjj-liaison", "fgw-liaison"):
        answer = await client.get("/items/export.xlsx", params={"sort": "code"}, headers=auth(user))
        assert answer.status_code == 200, (user, answer.text)
        sheet = load_workbook(io.BytesIO(answer.content)).active
        row = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == "@SUM(1+1)")
        assert [c.data_type for c in row[1:7]] == ["s"] * 6
        assert row[2].value == "=HYPERLINK(\"http://evil.example\",\"点击\")\n第二行"
        assert (row[9].data_type, row[9].value) == ("s", "+cmd|' /C calc'!A0\n已完成")
        assert not any(c.data_type == "f" for r in sheet.iter_rows() for c in r)
    office = load_workbook(io.BytesIO((await client.get("/items/export.xlsx", params={"sort": "code"},
                                                        headers=auth("office"))).content)).active
    heating_row = next(r for r in office.iter_rows(min_row=2) if r[1].value == heating.code)
    assert [(c.data_type, c.value) for c in (heating_row[2], heating_row[9])] == [("s", "-2+3"), ("s", "#N/A")]
    # the list and the item still show what was stored: the export alone turns it into cell text
    listed = (await client.get(f"/items/{business.item_id}", headers=auth("office"))).json()
    assert listed["title"].startswith(HOSTILE["title"])


async def test_extreme_parameters_are_refused_or_answered_never_a_server_error(ledger: Any) -> None:
    client, _ = ledger
    refused = [("/items", {"page": 2**64}), ("/items", {"page": 0}), ("/items", {"page_size": 501}),
               ("/items", {"due_to": 0}), ("/items", {"assigned_from": "1700000000"}),
               ("/items", {"q": "\x00"}), ("/items", {"unit": "zjj\x00"}), ("/items", {"leader": "a b"}),
               ("/items/export.xlsx", {"due_from": 0}), ("/items/export.xlsx", {"q": "进展\x00"}),
               ("/stats", {"from": "0001-01-01", "to": "9999-12-31"}),
               ("/stats", {"from": "0001-01-01", "to": "0001-01-01"}),
               ("/stats", {"from": "9999-12-31", "to": "9999-12-31"}), ("/stats", {"from": "9999-12-31"}),
               ("/stats", {"to": "0001-01-01"}), ("/stats", {"from": 0})]
    for path, params in refused:
        answer = await client.get(path, params=params, headers=auth("office"))
        assert answer.status_code == 422 and answer.json()["detail"], (path, params, answer.text)
    answered = [("/items", {"due_from": "0001-01-01", "due_to": "9999-12-31", "page": 100_000}),
                ("/items/export.xlsx", {"assigned_from": "0001-01-01", "assigned_to": "9999-12-31"}),
                ("/stats", {"from": "1900-01-01", "to": "1909-12-31"}),
                ("/stats", {"from": "9989-01-01", "to": "9998-12-31"})]
    for path, params in answered:
        answer = await client.get(path, params=params, headers=auth("zjj-liaison"))
        assert answer.status_code == 200, (path, params, answer.text)
    assert (await client.get("/items", params={"page": 100_000}, headers=auth("office"))).json()["items"] == []
    documented = (await client.get("/openapi.json")).json()["paths"]
    ledger_paths = {"/items": {"200", "401", "422"}, "/items/export.xlsx": {"200", "401", "422"},
                    "/items/{item_id}": {"200", "401", "404", "422"}, "/stats": {"200", "401", "422"}}
    assert {path: set(documented[path]["get"]["responses"]) for path in ledger_paths} == ledger_paths
    error = documented["/items/{item_id}"]["get"]["responses"]["404"]["content"]["application/json"]["schema"]
    assert error == {"$ref": "#/components/schemas/ErrorBody"}

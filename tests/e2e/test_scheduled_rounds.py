"""Scheduled rounds in simulated time (a year in seconds): each quarter's end opens one
quarterly-progress item per responsible unit, 30 June and 31 December one check per open
annual target, and nothing opens twice — called again, raced by a second replica on the
same database, or after a restart. The check's self-check reaches the lead unit's liaison
and the office's review completes it."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from services.ledger.app import create_app as ledger_app
from services.ledger.config import LedgerSettings
from services.workflow.adapters import tables
from services.workflow.adapters.round_rows import RoundKey
from services.workflow.rounds import responsible_units
from shared.bus.topology import Topology
from shared.clock import CHINA, SettableClock
from shared.identity import load_directory
from tests.support.eventually import eventually
from tests.support.services import REPO, auth, runtime_for, serving, settings_for
from tests.support.workflow_client import ITEM, complete, do, stream_subjects

WORKFLOWS = REPO / "workflows"
UNITS = responsible_units(load_directory(REPO / "deploy" / "org.example.yaml"))
TARGET = {**ITEM, "title": "新建保障性住房3000套", "source": "work_report_target"}


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), CHINA)


async def register(client: httpx.AsyncClient, form: dict[str, Any]) -> str:
    answer = await client.post("/items", json=form, headers=auth("office"))
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


async def tasks(client: httpx.AsyncClient, user: str) -> list[dict[str, Any]]:
    return (await client.get("/tasks", headers=auth(user))).json()["items"]


async def quarterly_titles(app: Any) -> Counter[tuple[str, str]]:
    t = tables.items
    async with app.state.service.db.connect() as connection:
        rows = await connection.execute(select(t.c.lead_unit, t.c.title).where(t.c.source == "quarterly_progress"))
        return Counter((r.lead_unit, r.title) for r in rows)


async def checks(app: Any) -> Counter[str]:
    t = tables.instances
    async with app.state.service.db.connect() as connection:
        rows = await connection.execute(select(t.c.item_id, func.count()).where(t.c.process_id == "target_check")
                                        .group_by(t.c.item_id))
        return Counter({str(item_id): n for item_id, n in rows})


async def test_a_year_opens_four_quarterly_rounds_and_two_checks_once(
        make_workflow_app: Callable[..., Any], clock: SettableClock) -> None:
    clock.set(at(dt.date(2026, 1, 20)))  # the 2025-Q4 round is long past: not opened
    first, second = make_workflow_app(WORKFLOWS), make_workflow_app(WORKFLOWS)
    async with serving(first) as client, serving(second):
        rejected = await register(client, TARGET)
        await do(client, "leader", "approve_item", {"decision": "reject", "comment": "不列入本年度目标"})
        targets = [await register(client, TARGET), await register(client, {**TARGET, "lead_unit": "fgw",
                                                                             "co_units": []})]
        opened, day = 0, dt.date(2026, 1, 20)
        while day <= dt.date(2027, 1, 20):
            clock.set(at(day))
            # two replicas tick at the same moment: each round is opened by one of them
            opened += sum(await asyncio.gather(first.state.rounds.open_due(), second.state.rounds.open_due()))
            day += dt.timedelta(days=1)
        assert opened == 4 * len(UNITS) + 2 * len(targets)
        titles = await quarterly_titles(first)
        assert set(titles.values()) == {1}
        assert sorted(titles) == sorted((unit, f"2026年第{q}季度工作进展") for unit in UNITS for q in "一二三四")
        assert await checks(first) == Counter({target: 2 for target in targets})
        assert rejected not in await checks(first)
        assert await first.state.rounds.open_due() == 0  # called again on the last catch-up day

    clock.set(at(dt.date(2026, 12, 31), 23))
    restarted = make_workflow_app(WORKFLOWS)
    async with serving(restarted):  # a restart on the quarter's last day opens nothing again
        assert await restarted.state.rounds.open_due() == 0
        assert sum((await quarterly_titles(restarted)).values()) == 4 * len(UNITS)


async def test_a_round_catches_up_after_downtime_but_not_long_after(
        make_workflow_app: Callable[..., Any], clock: SettableClock) -> None:
    app = make_workflow_app(WORKFLOWS)
    async with serving(app):
        clock.set(at(dt.date(2026, 3, 30)))
        assert await app.state.rounds.open_due() == 0  # the day before the quarter's end
        clock.set(at(dt.date(2026, 4, 8)))  # down on 31 March: opened when it comes back
        assert await app.state.rounds.open_due() == len(UNITS)
        clock.set(at(dt.date(2026, 9, 29)))
        assert await app.state.rounds.open_due() == 0
        clock.set(at(dt.date(2026, 11, 2)))  # down for the whole of October: Q3 is long past
        assert await app.state.rounds.open_due() == 0
        assert {title for _, title in await quarterly_titles(app)} == {"2026年第一季度工作进展"}


async def test_the_self_check_goes_to_the_liaison_and_the_office_review_completes_the_check(
        make_workflow_app: Callable[..., Any], clock: SettableClock, nats_url: str, database_url: str,
        topology: Topology, tmp_path: Path) -> None:
    clock.set(at(dt.date(2026, 6, 29)))
    app = make_workflow_app(WORKFLOWS)
    settings = settings_for(LedgerSettings, nats_url=nats_url, database_url=database_url, topology=topology,
                            data_dir=tmp_path / "ledger")
    async with serving(app) as client, serving(ledger_app(settings, deps=runtime_for(settings, clock))) as ledger:
        target = await register(client, TARGET)  # lead unit zjj, co-unit tiedong
        await do(client, "leader", "approve_item", {"decision": "approve"})
        await do(client, "zjj-liaison", "sign", {})
        clock.set(at(dt.date(2026, 6, 30)))
        assert await app.state.rounds.open_due() == len(UNITS) + 1  # the Q2 round and the mid-year check

        [check] = [t for t in await tasks(client, "zjj-liaison") if t["kind"] == "self_check"]
        assert check["item_id"] == target
        assert check["context"]["check_label"] == "年中检查" and check["context"]["check_period"] == "2026-H1"
        assert check["due_date"] == "2026-07-14"  # 10 working days
        assert [t["kind"] for t in await tasks(client, "tiedong-liaison")] == []  # the co-unit checks nothing
        assert "self_check" not in [t["kind"] for t in await tasks(client, "fgw-liaison")]
        refused = await complete(client, "zjj-liaison", check, {"progress": "later", "content": "x"})
        assert refused.status_code == 422

        await do(client, "zjj-liaison", "self_check", {"progress": "on_track", "content": "已开工2100套"})
        await do(client, "office", "check_review", {"decision": "return", "comment": "请补充开工项目清单"})
        [again] = [t for t in await tasks(client, "zjj-liaison") if t["kind"] == "self_check"]
        assert again["context"]["check_returned_comment"] == "请补充开工项目清单"
        assert again["context"]["check_round"] == 2
        await complete(client, "zjj-liaison", again, {"progress": "on_track", "content": "已开工2100套，清单附后"})
        await do(client, "office", "check_review", {"decision": "accept"})

        assert [t for t in await tasks(client, "office") if t["kind"] == "check_review"] == []
        t = tables.instances
        async with app.state.service.db.connect() as connection:
            done = (await connection.execute(select(t.c.completed).where(
                t.c.process_id == "target_check"))).scalars().all()
        assert done == [True]
        assert (await client.get(f"/items/{target}", headers=auth("office"))).json()["status"] == "in_progress"
        events = await eventually(lambda: stream_subjects(nats_url, topology),
                                  lambda found: found["target_check.reviewed"] == 2)
        assert (events["target_check.started"], events["target_check.self_checked"]) == (1, 2)

        def checked(answer: httpx.Response) -> bool:
            return answer.status_code == 200 and sum(
                e["kind"] == "target_check.reviewed" for e in answer.json()["timeline"]) == 2

        row = (await eventually(lambda: ledger.get(f"/items/{target}", headers=auth("office")), checked)).json()
        texts = [e["text"] for e in row["timeline"] if e["kind"].startswith("target_check.")]
        assert texts[0] == "2026年年中检查启动：请市住建局于2026年7月14日前报送自查报告"
        assert texts[1].startswith("市住建局报送年中检查第1轮自查报告（序时推进）：已开工2100套")
        assert texts[2] == "年中检查自查报告退回；意见：请补充开工项目清单；重新自查时限2026年7月7日"
        assert texts[-1] == "年中检查自查报告审核通过，检查完成"
        assert "完成「提交自查报告」" in [e["text"] for e in row["timeline"]]
        assert row["status"] == "in_progress"  # the check leaves the item's own progress alone


async def test_two_replicas_claiming_the_same_round_open_it_once(
        make_workflow_app: Callable[..., Any], clock: SettableClock) -> None:
    clock.set(at(dt.date(2026, 12, 31)))
    first, second = make_workflow_app(WORKFLOWS), make_workflow_app(WORKFLOWS)
    async with serving(first) as client, serving(second):
        target = await register(client, TARGET)
        key = RoundKey("quarterly_progress", "2026-Q4", "zjj")
        form = {**ITEM, "source": "quarterly_progress", "lead_unit": "zjj", "co_units": [],
                "title": "2026年第四季度工作进展"}
        answers = await asyncio.gather(*(app.state.service.register_item(form, "system", round_key=key)
                                         for app in (first, second)))
        assert answers[0][0] == answers[1][0] and sorted(earlier for _, earlier in answers) == [False, True]
        check = RoundKey("target_check", "2026-H2", target)
        started = await asyncio.gather(*(app.state.service.start_target_check(
            uuid.UUID(target), {"lead_unit": "zjj", "check_kind": "year_end", "check_period": "2026-H2"}, check)
            for app in (first, second)))
        assert sorted(started) == [False, True]
        assert await checks(first) == Counter({target: 1})
        assert sum((await quarterly_titles(first)).values()) == 1


async def test_the_schedule_opens_the_round_when_the_clock_reaches_the_quarters_end(
        make_workflow_app: Callable[..., Any], clock: SettableClock) -> None:
    clock.set(at(dt.date(2026, 9, 29)))
    app = make_workflow_app(WORKFLOWS, rounds_schedule=True, rounds_schedule_seconds=3600.0)
    async with serving(app) as client:
        assert sum((await quarterly_titles(app)).values()) == 0
        clock.set(at(dt.date(2026, 9, 30)))  # the loop looks again at once when the clock moves
        titles = await eventually(lambda: quarterly_titles(app), lambda found: sum(found.values()) == len(UNITS))
        assert set(titles) == {(unit, "2026年第三季度工作进展") for unit in UNITS}
        approvals = [t for t in await tasks(client, "secretary-general") if t["kind"] == "approve_item"]
        assert len(approvals) == len(UNITS)  # the quarterly items run the normal assignment process
        assert [t["kind"] for t in await tasks(client, "leader")] == []

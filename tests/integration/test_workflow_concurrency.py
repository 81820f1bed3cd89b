"""Two workflow processes on one PostgreSQL: every due timer fires exactly once and no
instance update is lost while both sweep timers and race to complete the same tasks."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from services.workflow.adapters import tables
from services.workflow.engine.definitions import Definitions
from services.workflow.service import WorkflowService, build_service
from shared.calendar import load_calendar
from shared.clock import CHINA, SettableClock
from shared.storage.database import create_engine
from shared.storage.migrations import upgrade
from tests.support import infra
from tests.support.fakes import RecordingPublisher
from tests.support.people import directory, person
from tests.support.services import NOW, REPO
from tests.support.workflow_client import ITEM

ITEMS = 40
AFTER_THE_DEADLINE = dt.datetime(2026, 3, 6, 0, 0, 1, tzinfo=CHINA)  # urgent items were due on 03-05


async def open_tasks(service: WorkflowService, kind: str) -> list[Any]:
    t = tables.open_tasks
    async with service.db.connect() as connection:
        return (await connection.execute(select(t.c.id, t.c.item_id).where(t.c.kind == kind))).all()


async def outbox_events(service: WorkflowService) -> list[dict[str, Any]]:
    async with service.db.connect() as connection:
        payloads = (await connection.execute(select(tables.outbox.c.subject, tables.outbox.c.payload))).all()
    return [{"kind": subject.split(".", 2)[2], **json.loads(payload)} for subject, payload in payloads]


async def run_worker(url: str, tasks_file: Path) -> dict[str, int]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.support.workflow_worker", url, AFTER_THE_DEADLINE.isoformat(), str(tasks_file),
        cwd=REPO, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), timeout=300)
    assert process.returncode == 0, err.decode()
    return json.loads(out.decode().strip().splitlines()[-1])


async def test_two_processes_fire_each_timer_once_and_lose_no_update(postgres_url: str | None,
                                                                     tmp_path: Path) -> None:
    if postgres_url is None:
        pytest.skip("needs PostgreSQL: several processes share one database only there")
    with infra.postgres_schema(postgres_url) as url:
        upgrade(url, "workflow")
        db = create_engine(url)
        clock = SettableClock(NOW)
        service = build_service(db, clock, load_calendar(None), RecordingPublisher(), directory())  # no relay runs: events stay
        await service.versions.install(Definitions({p.name: p.read_bytes() for p in (REPO / "workflows").glob("*.bpmn")}),
                              source="test", actor="test")
        for _ in range(ITEMS):
            await service.register_item({**ITEM, "urgency": "urgent"}, "office")
        for task_id, _ in await open_tasks(service, "approve_item"):
            await service.complete_task(task_id, {"decision": "approve"}, person("leader"))
        for task_id, _ in await open_tasks(service, "sign"):
            await service.complete_task(task_id, {}, person("zjj-liaison"))
        reports = await open_tasks(service, "report")
        assert len(reports) == ITEMS
        # both workers race for the reports of half the items while both sweep every timer
        raced = reports[: ITEMS // 2]
        tasks_file = tmp_path / "tasks.json"
        tasks_file.write_text(json.dumps([{"id": str(task_id), "kind": "report", "actor": "zjj-liaison",
                                           "data": {"report_type": "completion", "content": "已完成"}}
                                          for task_id, _ in raced]))

        results = await asyncio.gather(run_worker(url, tasks_file), run_worker(url, tasks_file))

        assert sum(r["completed"] for r in results) == len(raced)  # each report taken exactly once
        assert sum(r["refused"] for r in results) == len(raced)
        clock.set(AFTER_THE_DEADLINE)
        assert await service.fire_due_timers() == 0  # nothing left behind

        events = await outbox_events(service)
        per_item = {kind: Counter(e["item_id"] for e in events if e["kind"] == kind)
                    for kind in ("deadline.reminder", "deadline.overdue", "accountability.opened", "report.submitted")}
        items = {str(item_id) for _, item_id in reports}
        for kind in ("deadline.reminder", "deadline.overdue", "accountability.opened"):
            assert per_item[kind] == Counter({item: 1 for item in items}), kind  # fired exactly once
        assert per_item["report.submitted"] == Counter({str(item_id): 1 for _, item_id in raced})
        # both updates of a raced item survived: the timer's case and the report's review
        open_by_item: dict[str, set[str]] = {}
        t = tables.open_tasks
        async with db.connect() as connection:
            for kind, item_id in (await connection.execute(select(t.c.kind, t.c.item_id))).all():
                open_by_item.setdefault(str(item_id), set()).add(kind)
        reported = {str(item_id) for _, item_id in raced}
        assert {item: kinds for item, kinds in open_by_item.items() if item in reported} == {
            item: {"review", "decide_measure"} for item in reported}
        assert {item: kinds for item, kinds in open_by_item.items() if item not in reported} == {
            item: {"report", "decide_measure"} for item in items - reported}
        late = [e["late"] for e in events if e["kind"] == "report.submitted"]
        assert late == [True] * len(raced)
        await db.dispose()

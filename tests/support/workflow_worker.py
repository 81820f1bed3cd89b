"""One workflow worker process for the two-process test: on a fixed clock, it sweeps due
timers and races to complete the given tasks against the shared database, then prints
what it did as JSON. ``python -m tests.support.workflow_worker URL ISO-TIME TASKS-JSON``."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
import sys
import uuid

from services.workflow.adapters.store import ConcurrentUpdate
from services.workflow.domain.refusals import NotFound, TaskClosed
from services.workflow.engine.runner import TaskNotReady
from services.workflow.service import build_service
from shared.calendar import load_calendar
from shared.clock import SettableClock
from shared.storage.database import create_engine
from tests.support.fakes import RecordingPublisher
from tests.support.people import directory, person


async def work(url: str, at: dt.datetime, tasks: list[dict[str, str]]) -> dict[str, int]:
    db = create_engine(url)
    service = build_service(db, SettableClock(at), load_calendar(None), RecordingPublisher(), directory())  # no relay runs
    done = {"fired": 0, "completed": 0, "refused": 0}

    async def sweep() -> None:
        while (stepped := await service.fire_due_timers(limit=3)) > 0:
            done["fired"] += stepped

    async def complete() -> None:
        for task in random.sample(tasks, len(tasks)):
            try:
                await service.complete_task(uuid.UUID(task["id"]), task["data"], person(task["actor"]))
                done["completed"] += 1
            except (TaskNotReady, TaskClosed, NotFound, ConcurrentUpdate):
                done["refused"] += 1

    await asyncio.gather(sweep(), complete())
    await db.dispose()
    return done


if __name__ == "__main__":
    url, at, path = sys.argv[1:4]
    with open(path, encoding="utf-8") as file:
        print(json.dumps(asyncio.run(work(url, dt.datetime.fromisoformat(at), json.load(file)))))

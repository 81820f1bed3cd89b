"""Benchmark: the timer sweep with 100,000 waiting instances of which 1,000 are due.

One real item is registered, approved and signed through ``WorkflowService`` (real
processes of ``workflows/``); its instance then waits on the report reminder (the working
day before the deadline, 09:00) and the overdue timer. Its ``workflow_instances`` row is
copied with new ids (``--instances`` - 1 copies, bulk insert) and ``next_timer_at`` spread so
that ``--due`` rows (the real one included) are due at the clock's now and the rest lie in
the next 90 days. The clock stands 10 minutes after the reminder time, so each due instance
fires its reminder when stepped. Then ``fire_due_timers`` (batch ``--batch``, as the app's
sweep) is called until it returns 0.

A reminder needs no other row: the step creates and ends no task and changes nothing in
``workflow_items``, so the copies have no ``workflow_items``/``workflow_open_tasks`` rows.

Prints the time to fire the due ones, timers/s, and on PostgreSQL the plan of the due query
(the statement the service runs, caught from a stopped call and ``EXPLAIN ANALYZE``d in
a rolled-back transaction before the sweep). Checks that each due instance fired exactly once: as many
``deadline.reminder`` events in the outbox as due instances, one per item, none due left.
On PostgreSQL the copies are checkpointed before the clock starts (they are ~3 GB of state
that rows written over weeks would have on disk already, not in the WAL being flushed).

``--workers N`` sweeps with N workflow processes at once (PostgreSQL: each takes the rows
the others have not locked); ``--profile`` prints the sweep's cProfile.

    DATABASE_URL=postgresql+psycopg://root@127.0.0.1:5432/test .venv/bin/python bench/timer_sweep.py
    .venv/bin/python bench/timer_sweep.py [--instances 100000] [--due 1000] [--db sqlite,postgresql] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import datetime as dt
import json
import multiprocessing
import pstats
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parent)]

from sqlalchemy import event, func, insert, select  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: E402
from workflow_lifecycle import (  # noqa: E402
    ITEM,
    START,
    STEPS,
    Phases,
    SqlTimer,
    TimedEngine,
    build_service,
    load_definitions,
    open_task,
    targets,
)

from services.workflow.adapters import tables  # noqa: E402
from shared.clock import SettableClock  # noqa: E402
from shared.contracts.subjects import DEADLINE_REMINDER  # noqa: E402
from shared.serve import tune_garbage_collector  # noqa: E402
from shared.storage.database import create_engine  # noqa: E402
from shared.storage.migrations import upgrade  # noqa: E402
from tests.support.people import person  # noqa: E402

LATE_BY = dt.timedelta(minutes=10)  # the clock stands this long after the real reminder time
FUTURE = dt.timedelta(days=90)
INSERT_BATCH = 2000


async def waiting_row(db: AsyncEngine, item_id: uuid.UUID) -> dict[str, Any]:
    t = tables.instances
    async with db.connect() as connection:
        row = (await connection.execute(select(t).where(t.c.item_id == item_id))).one()
    return dict(row._mapping)


async def copy_rows(db: AsyncEngine, row: dict[str, Any], *, copies: int, due: int, now: dt.datetime) -> None:
    """``copies`` rows like ``row``; the first ``due - 1`` due in [reminder, now], the rest after now."""
    reminder = row["next_timer_at"]
    future_step = FUTURE / max(copies - (due - 1), 1)
    for first in range(0, copies, INSERT_BATCH):
        batch = []
        for i in range(first, min(first + INSERT_BATCH, copies)):
            if i < due - 1:
                timer = reminder + (now - reminder) * (i + 1) / due
            else:
                timer = now + dt.timedelta(seconds=1) + future_step * (i - (due - 1))
            batch.append({**row, "id": uuid.uuid4(), "item_id": uuid.uuid4(), "next_timer_at": timer})
        async with db.begin() as connection:
            await connection.execute(insert(tables.instances), batch)


class _Captured(Exception):
    pass


async def due_query(db: AsyncEngine, service: Any, batch: int) -> tuple[str, Any] | None:
    """The statement the service runs to select due instances, with its parameters.

    Caught from a ``fire_due_timers`` call that is stopped right there (its transaction
    rolls back, nothing changes), so the plan shown is of the service's own SQL.
    """
    captured: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if "next_timer_at <=" in statement and statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, parameters))
            raise _Captured

    event.listen(db.sync_engine, "before_cursor_execute", record)
    try:
        await service.fire_due_timers(batch)
    except Exception:
        if not captured:
            raise
    finally:
        event.remove(db.sync_engine, "before_cursor_execute", record)
    return captured[0] if captured else None


async def explain(db: AsyncEngine, statement: str, parameters: Any) -> str:
    async with db.connect() as connection:
        transaction = await connection.begin()
        try:
            rows = await connection.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters)
            return "\n".join(r[0] for r in rows)
        finally:
            await transaction.rollback()


def sweep_worker(url: str, now: dt.datetime, batch: int, go: Any, results: Any) -> None:
    """Another workflow process on the same database: sweeps until nothing is due (``SKIP
    LOCKED`` hands each worker other rows), then reports what it fired and its phases."""
    tune_garbage_collector()
    async def sweep() -> tuple[int, dict[str, float]]:
        db = create_engine(url)
        phases = Phases()
        service = build_service(db, SettableClock(now), TimedEngine(SettableClock(now), phases))
        try:
            await service.versions.install(load_definitions(), source="bench", actor="bench")
            SqlTimer(db, phases, classify=lambda s: "SQL: due query" if "next_timer_at <=" in s else None)
            go.wait()
            phases.seconds.clear()
            fired = 0
            while stepped := await service.fire_due_timers(batch):
                fired += stepped
            return fired, dict(phases.seconds)
        finally:
            await db.dispose()
    results.put(asyncio.run(sweep()))


async def run_once(url: str, instances: int, due: int, batch: int, profile: bool = False,
                   workers: int = 1) -> dict[str, Any]:
    upgrade(url, "workflow")
    db = create_engine(url)
    clock = SettableClock(START)
    phases = Phases()
    service = build_service(db, clock, TimedEngine(clock, phases))
    try:
        await service.versions.install(load_definitions(), source="bench", actor="bench")
        item_id, _ = await service.register_item(dict(ITEM), "office")
        for kind, actor, form in STEPS[:2]:  # approve, sign: now waiting for the report
            await service.complete_task(await open_task(db, item_id, kind), form, person(actor))
        row = await waiting_row(db, item_id)
        now = row["next_timer_at"] + LATE_BY
        clock.set(now)

        started = time.perf_counter()
        await copy_rows(db, row, copies=instances - 1, due=due, now=now)
        dialect = db.dialect.name
        if dialect == "postgresql":
            async with db.begin() as connection:  # fresh statistics, as autovacuum would give
                await connection.exec_driver_sql("ANALYZE workflow_instances")
            async with db.connect() as connection:  # the copies' ~3 GB written out before the clock starts,
                await connection.exec_driver_sql("CHECKPOINT")  # as rows written over weeks would be
        setup = time.perf_counter() - started
        i, o = tables.instances, tables.outbox
        async with db.connect() as connection:
            total = (await connection.execute(select(func.count()).select_from(i))).scalar_one()
            waiting = (await connection.execute(select(func.count()).select_from(i).where(
                i.c.next_timer_at <= now))).scalar_one()
        assert (total, waiting) == (instances, due), (total, waiting)

        query = await due_query(db, service, batch)
        plan = await explain(db, *query) if dialect == "postgresql" and query else None
        calls, fired = 0, 0
        phases.seconds.clear()
        sql = SqlTimer(db, phases, classify=lambda s: "SQL: due query" if "next_timer_at <=" in s else None)
        profiler = cProfile.Profile() if profile else None
        spawn = multiprocessing.get_context("spawn")
        go, results = spawn.Event(), spawn.Queue()
        others = [spawn.Process(target=sweep_worker, args=(url, now, batch, go, results)) for _ in range(workers - 1)]
        for process in others:
            process.start()
        await asyncio.sleep(3 if others else 0)  # the other workers connect and load their definitions
        started = time.perf_counter()
        go.set()
        if profiler:
            profiler.enable()
        while stepped := await service.fire_due_timers(batch):
            calls += 1
            fired += stepped
        mine = fired  # this worker's statements are counted, the others' are not
        for _ in others:
            theirs, their_phases = await asyncio.to_thread(results.get)
            fired += theirs
            phases.seconds.update(their_phases)
        elapsed = time.perf_counter() - started
        for process in others:
            process.join()
        if profiler:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        statements = sql.statements / max(mine, 1)

        async with db.connect() as connection:
            payloads = (await connection.execute(select(o.c.payload).where(
                o.c.subject == DEADLINE_REMINDER))).scalars().all()
            still_due = (await connection.execute(select(func.count()).select_from(i).where(
                i.c.next_timer_at <= now))).scalar_one()
        reminders = [json.loads(p) for p in payloads]
        items = {r["item_id"] for r in reminders}
        assert fired == due, (fired, due)
        assert len(reminders) == len(items) == due, (len(reminders), len(items))
        assert all(r["deadline"] == "report" for r in reminders)
        assert still_due == 0 and await service.fire_due_timers(batch) == 0
    finally:
        await db.dispose()
    return {"setup": setup, "elapsed": elapsed, "calls": calls, "fired": fired, "plan": plan,
            "phases": dict(phases.seconds), "statements": statements,
            "due_sql": " ".join(query[0].split()) if query else None}


async def main() -> None:
    tune_garbage_collector()  # as shared/serve.py does for a service
    parser = argparse.ArgumentParser()
    parser.add_argument("--instances", type=int, default=100_000, help="waiting instances in all")
    parser.add_argument("--due", type=int, default=1_000, help="of which due now")
    parser.add_argument("--batch", type=int, default=200, help="fire_due_timers limit (the app's SWEEP_BATCH)")
    parser.add_argument("--db", help="comma-separated subset of sqlite,postgresql")
    parser.add_argument("--profile", action="store_true", help="print the sweep's cProfile (own time)")
    parser.add_argument("--workers", type=int, default=1,
                        help="workflow processes sweeping the same database at once (PostgreSQL: SKIP LOCKED)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, \
            targets(tmp, set(args.db.split(",")) if args.db else None) as urls:
        for name, url in urls.items():
            figures = await run_once(url, args.instances, args.due, args.batch, args.profile, args.workers)
            print(f"{name:<10} {args.workers} worker(s), {args.instances:,} waiting, {args.due:,} due: fired {figures['fired']:,} in "
                  f"{figures['elapsed']:.2f} s over {figures['calls']} calls of fire_due_timers({args.batch}) = "
                  f"{figures['fired'] / figures['elapsed']:,.0f} timers/s; each fired once "
                  f"({figures['fired']:,} deadline.reminder in the outbox, one per item); "
                  f"setup {figures['setup']:.0f} s")
            parts = figures["phases"]
            busy = figures["elapsed"] * args.workers  # worker-seconds
            parts["rest (events, SQLAlchemy, glue)"] = busy - sum(parts.values())
            print("  per timer, in worker time: " + ", ".join(f"{k} {v / figures['fired'] * 1000:.2f} ms ({v / busy:.0%})"
                                              for k, v in parts.items())
                  + f" ({figures['statements']:.1f} statements)")
            if figures["plan"]:
                print(f"  due query: {figures['due_sql']}")
                print("  " + figures["plan"].replace("\n", "\n  "))
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    asyncio.run(main())

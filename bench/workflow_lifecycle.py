"""Benchmark: full item lifecycles through the workflow engine, raw and with storage.

One lifecycle is a normal, non-major item on the real processes of ``workflows/``:
register -> approve_item -> sign -> completion report -> review accept -> closed
(4 user tasks, 19 events). It is run N times

- ``raw``: the SpiffWorkflow engine in memory (``Engine.start``, ``Run.complete``), nothing
  serialized;
- ``raw+serialize``: the same, with ``Engine.dump`` + ``Engine.restore`` around every step
  as the service does (no database);
- through ``WorkflowService`` (``register_item``, ``complete_task``; no HTTP) on a SQLite
  file and, when ``DATABASE_URL`` is a PostgreSQL URL, on PostgreSQL in a schema of its own
  (dropped afterwards). Each step is one transaction: restore, step, dump, save the instance,
  keep ``workflow_open_tasks``/``workflow_items``/``workflow_task_history`` in step, stage the
  events in the outbox. The outbox relay is **not running**: the events stay staged and are
  counted at the end. The task to complete is looked up in ``workflow_open_tasks`` (as
  ``GET /tasks`` does) inside the timed loop.

Prints lifecycles/s for each, the storage/raw ratio, the mean stored state size, and where a
lifecycle's time goes (engine steps, dump, restore, the rest = SQL, events and glue).

    .venv/bin/python bench/workflow_lifecycle.py [--n 200] [--profile]
    DATABASE_URL=postgresql+psycopg://root@127.0.0.1:5432/test .venv/bin/python bench/workflow_lifecycle.py
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import datetime as dt
import io
import os
import pstats
import resource
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import LargeBinary, cast, event, func, select  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: E402

from services.workflow import service as workflow_service  # noqa: E402
from services.workflow.adapters import tables  # noqa: E402
from services.workflow.engine.definitions import Definitions  # noqa: E402
from services.workflow.engine.runner import Engine, Run  # noqa: E402
from services.workflow.service import WorkflowService  # noqa: E402
from shared.calendar import load_calendar  # noqa: E402
from shared.clock import CHINA, SettableClock  # noqa: E402
from shared.serve import tune_garbage_collector  # noqa: E402
from shared.storage.database import create_engine  # noqa: E402
from shared.storage.migrations import upgrade  # noqa: E402
from tests.support.fakes import RecordingPublisher  # noqa: E402
from tests.support.infra import postgres_schema  # noqa: E402
from tests.support.people import directory, person  # noqa: E402

WORKFLOWS = ROOT / "workflows"
# Monday 2026-03-02 09:30 in Beijing: a normal item is due 2026-03-09, signing 03-03
START = dt.datetime(2026, 3, 2, 9, 30, tzinfo=CHINA)
ITEM = {"title": "推进老旧小区改造", "description": "年度改造任务", "source": "work_report_target",
        "urgency": "normal", "lead_unit": "zjj", "co_units": ["tiedong"], "leader": "leader",
        "major": False, "public": False, "livelihood": False, "cadence": "none"}
# (kind, actor, form) in lifecycle order
STEPS: list[tuple[str, str, dict[str, Any]]] = [
    ("approve_item", "leader", {"decision": "approve", "comment": "同意，抓紧办理"}),
    ("sign", "zjj-liaison", {"comment": "已签收"}),
    ("report", "zjj-liaison", {"report_type": "completion", "content": "已完成改造任务"}),
    ("review", "office", {"decision": "accept", "comment": "情况属实"}),
]
EVENTS_PER_LIFECYCLE = 19  # registered, approved, assigned, signed, submitted, accepted, closed, 4+4 task.*,
#                           4 item.progressed (assigned, in progress, reported, closed)


def load_definitions() -> Definitions:
    """The real files of workflows/, parsed together as services/workflow/app.py installs them."""
    return Definitions({p.name: p.read_bytes() for p in sorted(WORKFLOWS.glob("*.bpmn"))})


def item_variables(item_id: uuid.UUID, number: int) -> dict[str, Any]:
    """What WorkflowService.register_item puts into a new ``assignment`` instance."""
    return {**{k: v for k, v in ITEM.items() if k != "description"}, "item_id": str(item_id),
            "code": f"督办〔2026〕{number}号", "registered_on": START.date().isoformat(), "lookback_months": 3}


# -- where the time goes: the engine, timed by phase ------------------------------------------
class Phases:
    """Seconds per phase; a phase inside another (settle inside complete) counts once."""

    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()
        self._depth = 0

    @contextlib.contextmanager
    def timing(self, phase: str) -> Iterator[None]:
        self._depth += 1
        started = time.perf_counter()
        try:
            yield
        finally:
            self._depth -= 1
            if not self._depth:
                self.seconds[phase] += time.perf_counter() - started


class SqlTimer:
    """Adds the wall time of every statement's execution (the round trip to the database)."""

    def __init__(self, db: AsyncEngine, phases: Phases, phase: str = "SQL",
                 classify: Callable[[str], str | None] | None = None) -> None:
        """``classify(statement)`` may name another phase for some statements."""
        self.phases, self.phase, self.classify, self.statements = phases, phase, classify, 0
        event.listen(db.sync_engine, "before_cursor_execute", self._before)
        event.listen(db.sync_engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, *_: Any) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def _after(self, conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        phase = (self.classify and self.classify(statement)) or self.phase
        self.phases.seconds[phase] += time.perf_counter() - conn.info.pop("bench_started")
        self.statements += 1


class TimedRun(Run):
    phases: Phases

    def settle(self) -> Any:
        with self.phases.timing("engine steps"):
            return super().settle()

    def complete(self, task_id: uuid.UUID, data: dict[str, Any], **options: Any) -> Any:
        with self.phases.timing("engine steps"):
            return super().complete(task_id, data, **options)

    def ready_tasks(self) -> Any:
        with self.phases.timing("engine steps"):
            return super().ready_tasks()

    def next_timer_due(self) -> Any:
        with self.phases.timing("engine steps"):
            return super().next_timer_due()


class TimedEngine(Engine):
    """The service's Engine, with the time of each phase added up (a few µs of overhead)."""

    def __init__(self, clock: SettableClock, phases: Phases) -> None:
        super().__init__(clock, load_calendar(None))
        self.phases = phases

    def _timed(self, run: Run) -> Run:
        run.__class__ = TimedRun
        run.phases = self.phases  # type: ignore[attr-defined]
        return run

    def start(self, definitions: Definitions, process_id: str, data: dict[str, Any], offences: Any = None) -> Any:
        with self.phases.timing("engine steps"):
            run, emitted = super().start(definitions, process_id, data, offences)
        return self._timed(run), emitted

    def dump(self, run: Run) -> str:
        with self.phases.timing("dump (serialize)"):
            return super().dump(run)

    def restore(self, spec_json: str, state: str, offences: Any = None) -> Run:
        with self.phases.timing("restore (deserialize)"):
            return self._timed(super().restore(spec_json, state, offences))


# -- the raw engine -------------------------------------------------------------------------------
def raw_lifecycles(definitions: Definitions, n: int, *, serialize: bool) -> dict[str, Any]:
    clock = SettableClock(START)
    phases = Phases()
    engine = TimedEngine(clock, phases)
    spec_json = definitions.spec_json("assignment")
    sizes: list[int] = []
    started = time.perf_counter()
    for i in range(n):
        run, _ = engine.start(definitions, "assignment", item_variables(uuid.uuid4(), i + 1))
        for kind, _actor, form in STEPS:
            if serialize:
                state = engine.dump(run)
                sizes.append(len(state.encode()))
                run = engine.restore(spec_json, state)
            [task] = [t for t in run.ready_tasks() if t.kind == kind]
            run.complete(task.id, {kind: form})
        assert run.completed
        if serialize:
            sizes.append(len(engine.dump(run).encode()))
    elapsed = time.perf_counter() - started
    return {"rate": n / elapsed, "elapsed": elapsed, "phases": phases.seconds,
            "mean_state": sum(sizes) / len(sizes) if sizes else None}


# -- through the service ----------------------------------------------------------------------------
def build_service(db: AsyncEngine, clock: SettableClock, engine: Engine | None = None) -> WorkflowService:
    """Wired as services/workflow/app.py does, minus the bus: the relay is built, not run."""
    return workflow_service.build_service(db, clock, load_calendar(None), RecordingPublisher(), directory(),
                                          engine=engine)


async def open_task(db: AsyncEngine, item_id: uuid.UUID, kind: str) -> uuid.UUID:
    t = tables.open_tasks
    async with db.connect() as connection:
        [task_id] = (await connection.execute(select(t.c.id).where(t.c.item_id == item_id, t.c.kind == kind))).scalars()
    return task_id


async def one_lifecycle(service: WorkflowService, db: AsyncEngine) -> uuid.UUID:
    item_id, _ = await service.register_item(dict(ITEM), "office")
    for kind, actor, form in STEPS:
        await service.complete_task(await open_task(db, item_id, kind), form, person(actor))
    return item_id


async def service_lifecycles(url: str, definitions: Definitions, n: int, profile: bool) -> dict[str, Any]:
    upgrade(url, "workflow")
    db = create_engine(url)
    clock = SettableClock(START)
    phases = Phases()
    service = build_service(db, clock, TimedEngine(clock, phases))
    try:
        await service.versions.install(definitions, source="bench", actor="bench")
        await one_lifecycle(service, db)  # warm-up: connections, spec cache, statement cache
        sql = SqlTimer(db, phases)
        phases.seconds.clear()
        profiler = cProfile.Profile() if profile else None
        if profiler:
            profiler.enable()
        started = time.perf_counter()
        for _ in range(n):
            await one_lifecycle(service, db)
        elapsed = time.perf_counter() - started
        if profiler:
            profiler.disable()
        statements = sql.statements
        i, o = tables.instances, tables.outbox
        async with db.connect() as connection:
            closed = (await connection.execute(select(func.count()).select_from(tables.items).where(
                tables.items.c.status == "closed"))).scalar_one()
            done = (await connection.execute(select(func.count()).select_from(i).where(i.c.completed))).scalar_one()
            staged = (await connection.execute(select(func.count()).select_from(o).where(
                o.c.sent_at.is_(None)))).scalar_one()
            mean_state = (await connection.execute(select(func.avg(func.length(cast(i.c.state, LargeBinary)))))).scalar_one()
            on_disk = None
            if connection.dialect.name == "postgresql":  # octets, and as stored (TOAST-compressed)
                mean_state, on_disk = (await connection.execute(select(
                    func.avg(func.octet_length(i.c.state)), func.avg(func.pg_column_size(i.c.state))))).one()
    finally:
        await db.dispose()
    assert closed == done == n + 1, (closed, done, n)
    assert staged == (n + 1) * EVENTS_PER_LIFECYCLE, staged
    return {"rate": n / elapsed, "elapsed": elapsed, "phases": phases.seconds, "staged": staged,
            "statements": statements / n,
            "closed_state": float(mean_state), "on_disk": float(on_disk) if on_disk else None,
            "profile": profiler}


def print_phases(name: str, figures: dict[str, Any], n: int) -> None:
    total = figures["elapsed"]
    parts = dict(figures["phases"])
    parts["rest (events, SQLAlchemy, glue)" if "SQL" in parts else "rest"] = total - sum(parts.values())
    line = ", ".join(f"{k} {v / n * 1000:.1f} ms ({v / total:.0%})" for k, v in parts.items())
    statements = f" ({figures['statements']:.0f} statements)" if "statements" in figures else ""
    print(f"  {name:<14} per lifecycle {total / n * 1000:.1f} ms: {line}{statements}")


def print_profile(profiler: cProfile.Profile, name: str) -> None:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(r"services/workflow|shared/", 25)
    print(f"\n-- cProfile, {name}: top 25 by own time, then the project's functions by cumulative time --")
    print(out.getvalue().rstrip())


@contextlib.contextmanager
def targets(tmp: str, only: set[str] | None) -> Iterator[dict[str, str]]:
    """SQLite in tmp, and PostgreSQL in a schema of its own when DATABASE_URL points at one."""
    with contextlib.ExitStack() as stack:
        found = {"sqlite": f"sqlite:///{tmp}/bench.db"}
        if os.environ.get("DATABASE_URL", "").startswith("postgresql"):
            found["postgresql"] = stack.enter_context(postgres_schema(os.environ["DATABASE_URL"]))
        yield {k: v for k, v in found.items() if only is None or k in only}


async def main() -> None:
    tune_garbage_collector()  # as shared/serve.py does for a service
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200, help="lifecycles per target")
    parser.add_argument("--db", help="comma-separated subset of sqlite,postgresql")
    parser.add_argument("--profile", action="store_true", help="cProfile the storage runs")
    args = parser.parse_args()
    n = args.n
    definitions = load_definitions()
    raw_lifecycles(definitions, 5, serialize=True)  # warm-up (imports, parser caches)

    results: dict[str, dict[str, Any]] = {
        "raw": raw_lifecycles(definitions, n, serialize=False),
        "raw+serialize": raw_lifecycles(definitions, n, serialize=True),
    }
    with tempfile.TemporaryDirectory() as tmp, \
            targets(tmp, set(args.db.split(",")) if args.db else None) as urls:
        for name, url in urls.items():
            results[name] = await service_lifecycles(url, definitions, n, args.profile)

    raw = results["raw"]["rate"]
    print(f"{n} lifecycles each (register -> approve -> sign -> completion report -> accept -> closed); "
          "outbox relay not running: events staged, counted after")
    for name, figures in results.items():
        extra = ""
        if "staged" in figures:
            extra = f", {figures['staged']:,} events staged"
        print(f"{name:<14} {figures['rate']:8.1f} lifecycles/s  ({figures['rate'] / raw:.3f} of raw, "
              f"{raw / figures['rate']:.1f}x slower){extra}")
    print(f"mean state dumped per step (raw+serialize): {results['raw+serialize']['mean_state']:,.0f} bytes")
    for name in ("sqlite", "postgresql"):
        if name in results:
            figures = results[name]
            disk = f", {figures['on_disk']:,.0f} bytes as stored (TOAST)" if figures["on_disk"] else ""
            print(f"mean state of the closed rows ({name}): {figures['closed_state']:,.0f} bytes{disk}")
    print("where the time goes:")
    for name, figures in results.items():
        print_phases(name, figures, n)
    for name, figures in results.items():
        if figures.get("profile"):
            print_profile(figures["profile"], name)
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    asyncio.run(main())

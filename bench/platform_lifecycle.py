"""Benchmark: full item lifecycles through the running platform over HTTP, beside the raw engine.

Starts the four services as real processes (``python -m services.<name>``, at INFO logging
as deployed) on PostgreSQL (a schema of its own, dropped afterwards) and NATS (a bus root of
its own, streams deleted afterwards), with a local SMTP sink, and drives full lifecycles of
a normal item through HTTP as the office, the leader and the lead unit's liaison:

    POST /items (office) -> approve_item (leader) -> sign, completion report (zjj-liaison)
    -> review accept (office) -> closed

Each task is found with ``GET /tasks`` as its actor and done with ``POST /tasks/{id}/complete``.
After the closing call returns, a watcher polls the ledger's ``GET /items/{id}`` until it says
``closed`` (every 10 ms, each wait 25 % longer than the last, at most 1 s: the lag is good to
a quarter of itself). The ledger's own record of when it applied ``item.closed`` (its inbox's
``received_at``) is printed beside it.

At each level (1, 10, 50 concurrent clients, a fixed number of lifecycles per client) the
script first runs the raw engine in this process (the same BPMN processes in memory, as
``bench/workflow_lifecycle.py``'s raw run), then the HTTP run, then waits until the platform
is quiet (consumers drained, outbox empty, services idle) and reads each process's CPU from
/proc: the four services, the PostgreSQL backends of their connections (``application_name``),
NATS (shared with whatever else uses the server: read with care) and the SMTP sink.

    .venv/bin/python bench/platform_lifecycle.py                    # levels 1,10,50; 20,4,2 per client
    DATABASE_URL=postgresql+psycopg://root@127.0.0.1:5432/test NATS_URL=nats://127.0.0.1:4222 \\
        .venv/bin/python bench/platform_lifecycle.py --levels 1,10,50 --per-client 20,4,2
    .venv/bin/python bench/platform_lifecycle.py --levels 10 --per-client 4 --soak 600   # memory over 10 min
    .venv/bin/python bench/platform_lifecycle.py --levels 50 --per-client 2 --think 5    # people, not a closed loop
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import math
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import httpx  # noqa: E402
import nats  # noqa: E402
from platform_driver import Driver, Figures  # noqa: E402
from platform_meters import DEFAULT_NATS, Meters, close_path, poll_cost, quiet  # noqa: E402
from platform_procs import APP_PREFIX, BENCH_SECRET, SERVICES, Platform, running_platform  # noqa: E402
from proc_stats import BackendSampler, StatementLog, listening_pid  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from workflow_lifecycle import START, STEPS, item_variables, load_definitions  # noqa: E402

from services.workflow.engine.runner import Engine  # noqa: E402
from shared.bus.topology import Topology, delete_streams  # noqa: E402
from shared.calendar import load_calendar  # noqa: E402
from shared.clock import SettableClock  # noqa: E402
from shared.identity import TokenIssuer  # noqa: E402

DEFAULT_DATABASE = "postgresql+psycopg://root@127.0.0.1:5432/test"


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100); nan for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# -- the raw engine --------------------------------------------------------------------------------
def raw_run(n: int) -> tuple[float, float]:
    """n lifecycles on the in-memory engine: (lifecycles/s, CPU seconds per lifecycle)."""
    definitions = load_definitions()
    engine = Engine(SettableClock(START), load_calendar(None))
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(n):
        run, _ = engine.start(definitions, "assignment", item_variables(uuid.uuid4(), i + 1))
        for kind, _actor, form in STEPS:
            [task] = [t for t in run.ready_tasks() if t.kind == kind]
            run.complete(task.id, {kind: form})
        assert run.completed
    return n / (time.perf_counter() - wall), (time.process_time() - cpu) / n


# -- the driver ------------------------------------------------------------------------------------
# -- one level -------------------------------------------------------------------------------------
async def level(driver: Driver, meters: Meters, clients: int, per_client: int, raw_n: int) -> dict[str, Any]:
    raw_rate, raw_cpu = raw_run(raw_n)
    load_before = load()
    f = Figures()
    lines = meters.log_lines()
    if meters.statements:
        meters.statements.mark()
    before = meters.snapshot()
    started = time.perf_counter()
    await asyncio.gather(*(driver.client_loop(f, per_client) for _ in range(clients)))
    elapsed = time.perf_counter() - started
    await asyncio.gather(*f.watchers)
    waited = await quiet(meters.platform, meters.platform.pids)
    cpu = meters.spent(before)
    lines = {k: v - lines[k] for k, v in meters.log_lines().items()}
    done = len(f.closed_at)
    return {"poll_cost": meters.poll_cost, "clients": clients, "think": driver.think,
            "n": done, "elapsed": elapsed, "rate": done / elapsed,
            "raw_rate": raw_rate,
            "raw_cpu": raw_cpu, "cpu": cpu, "f": f, "load": (load_before, load()), "quiet": waited,
            "path": close_path(meters.platform, f.closed_at), "rss": meters.rss(),
            "log_lines": lines, "statements": meters.statements.counted() if meters.statements else None}


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}" if not math.isnan(seconds) else "-"


def report(r: dict[str, Any]) -> None:
    f: Figures = r["f"]
    n = max(r["n"], 1)
    pause = f" pausing {r['think']:g} s on average before each action," if r["think"] else ""
    print(f"\n== {r['clients']} client(s),{pause} {r['n']} lifecycles in {r['elapsed']:.1f} s; load average "
          f"{r['load'][0]} before, {r['load'][1]} after; quiet after {r['quiet']:.1f} s")
    print(f"  through HTTP {r['rate']:.2f} lifecycles/s | raw engine {r['raw_rate']:.1f}/s | "
          f"ratio {r['rate'] / r['raw_rate']:.3f}")
    for name, values in (("GET /tasks", f.tasks), ("POST complete", f.complete), ("POST /items", f.register)):
        print(f"  {name:<14} p50 {ms(pct(values, 50)):>6} ms  p99 {ms(pct(values, 99)):>6} ms  (n={len(values)})")
    print(f"  close -> ledger shows closed (GET): p50 {ms(pct(f.lag, 50))} ms  p99 {ms(pct(f.lag, 99))} ms  "
          f"max {ms(max(f.lag, default=math.nan))} ms  ({f.polls / n:.1f} polls per item; "
          f"polled every 10 ms growing by 25 %)")
    path = r["path"]
    print("  item.closed: " + "; ".join(f"{name} p50 {ms(pct(v, 50))} ms p99 {ms(pct(v, 99))} ms"
                                       for name, v in (("call -> relay marked it sent", path["relay"]),
                                                       ("sent -> ledger applied it", path["ledger"]),
                                                       ("call -> ledger applied it", path["to ledger"]))))
    if f.errors or f.not_listed:
        print(f"  errors {len(f.errors)} {f.errors[:3]}; next task not listed yet {f.not_listed} times")
    raw_cpu = r["raw_cpu"]
    cpu = r["cpu"]
    counted = [k for k in cpu if k in SERVICES or k in ("postgresql", "nats (shared)")]
    total = sum(cpu[k] for k in counted)
    print(f"  CPU ms per lifecycle (raw engine {raw_cpu * 1000:.1f} ms):")
    for name, seconds in cpu.items():
        print(f"    {name:<20} {seconds / n * 1000:8.1f}")
    print(f"    (of the ledger's, the watchers' polls ~{f.polls * r['poll_cost'] / n * 1000:.1f})")
    print(f"    {'total':<20} {total / n * 1000:8.1f} = {total / n / raw_cpu:.1f} x raw  "
          "(services, their PG backends, NATS)")
    if r["statements"]:
        print("  SQL statements per lifecycle (server log, the watchers' polls included):")
        for app, kinds in sorted(r["statements"].items()):
            print(f"    {app.removeprefix(APP_PREFIX):<13} {sum(kinds.values()) / n:6.1f}: " + ", ".join(
                f"{k} {v / n:.1f}" for k, v in kinds.most_common()))
    print("  log lines per lifecycle: " + ", ".join(f"{k} {v / n:.0f}" for k, v in r["log_lines"].items()))


async def drive(args: argparse.Namespace, platform: Platform, meters: Meters) -> list[dict[str, Any]]:
    issuer = TokenIssuer(secret=BENCH_SECRET, issuer="duban", audience="duban", ttl=dt.timedelta(days=1))
    now = dt.datetime.now(dt.UTC)
    tokens = {user: issuer.issue(user, now) for user in {"office", "leader", *(a for _, a, _ in STEPS)}}
    # idle connections dropped before uvicorn's 5 s keep-alive timeout closes them under a request
    limits = httpx.Limits(max_connections=400, max_keepalive_connections=400, keepalive_expiry=2.0)
    async with httpx.AsyncClient(timeout=120.0, limits=limits) as client:
        driver = Driver(client, platform.urls, tokens)
        warm = Figures()
        await driver.client_loop(warm, 2)  # spec caches, connections, first imports
        await asyncio.gather(*warm.watchers)
        if warm.errors:
            raise RuntimeError(f"warm-up failed: {warm.errors}")
        await quiet(platform, platform.pids)
        meters.poll_cost = await poll_cost(driver, meters, next(iter(warm.closed_at)))
        print(f"the ledger spends {meters.poll_cost * 1000:.2f} ms CPU on one GET /items/{{id}} of the watchers "
              "(200 in a row, measured after the warm-up)")
        driver.think = args.think
        results = []
        for clients, per_client in zip(args.levels, args.per_client, strict=True):
            results.append(await level(driver, meters, clients, per_client, args.raw))
            report(results[-1])
        if args.soak:
            await soak(driver, meters, args.soak)
    return results


async def soak(driver: Driver, meters: Meters, seconds: float) -> None:
    """10 clients for ``seconds``; each service's RSS every minute."""
    print(f"\n== soak: 10 clients for {seconds:.0f} s; RSS MiB per minute")
    names = list(meters.platform.pids)
    print("  minute " + " ".join(f"{n:>13}" for n in names) + "  lifecycles")
    stop_at, done, minute = time.perf_counter() + seconds, 0, 0
    print("  " + f"{minute:>6} " + " ".join(f"{meters.rss()[n]:13.1f}" for n in names) + f"  {done:>10}")
    while time.perf_counter() < stop_at:
        f = Figures()
        end = min(stop_at, time.perf_counter() + 60)
        while time.perf_counter() < end:
            await asyncio.gather(*(driver.client_loop(f, 1) for _ in range(10)))
        await asyncio.gather(*f.watchers)
        done += len(f.closed_at)
        minute += 1
        print("  " + f"{minute:>6} " + " ".join(f"{meters.rss()[n]:13.1f}" for n in names) + f"  {done:>10}",
              flush=True)


@contextlib.contextmanager
def database(url: str | None) -> Iterator[str | None]:
    if url and url.startswith("postgresql"):
        from tests.support.infra import postgres_schema

        with postgres_schema(url) as schema_url:
            yield schema_url
    else:
        yield None  # SQLite files in the work directory


@contextlib.contextmanager
def profiled(py_spy: str | None, platform: Platform) -> Iterator[None]:
    """py-spy record (raw collapsed stacks, 100 Hz, without pausing the process) on every service."""
    if not py_spy:
        yield
        return
    import subprocess

    spies = [subprocess.Popen([py_spy, "record", "--nonblocking", "-r", "100", "--format", "raw", "-p", str(pid),
                               "-o", str(platform.work_dir / f"{name}.stacks")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for name, pid in platform.pids.items()]
    try:
        yield
    finally:
        import signal

        for spy in spies:
            spy.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
        for spy in spies:
            spy.wait(timeout=60)


async def delete_bus(nats_url: str, root: str) -> None:
    connection = await nats.connect(nats_url)
    try:
        await delete_streams(connection.jetstream(), Topology(root=root))
    finally:
        await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default="1,10,50", help="concurrent clients per level")
    parser.add_argument("--per-client", default="20,4,2", help="lifecycles each client runs, per level")
    parser.add_argument("--raw", type=int, default=100, help="raw engine lifecycles before each level")
    parser.add_argument("--log-level", default="INFO", help="DUBAN_LOG_LEVEL of the services")
    parser.add_argument("--soak", type=float, default=0, help="then 10 clients for this many seconds (RSS per minute)")
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean seconds each client pauses after an action (exponential; 0: a closed loop "
                             "that saturates the platform)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (service logs)")
    parser.add_argument("--pg-log", metavar="PATH",
                        help="count each service's SQL statements: the services' sessions log every statement "
                             "(log_statement=all; needs a superuser) to this server log, which the bench reads. "
                             "Logging costs the server CPU: take the CPU figures from a run without it")
    parser.add_argument("--py-spy", metavar="EXECUTABLE",
                        help="sample every service with this py-spy during the levels (not a project dependency); "
                             "collapsed stacks land in the work directory (kept)")
    args = parser.parse_args()
    args.levels = [int(x) for x in args.levels.split(",")]
    args.per_client = [int(x) for x in args.per_client.split(",")]
    db_url = os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE)
    nats_url = os.environ.setdefault("NATS_URL", DEFAULT_NATS)
    print(f"platform lifecycles through HTTP: {os.cpu_count()} CPUs, load average {load()}; "
          f"database {make_url(db_url).render_as_string()}, NATS {nats_url}, services at {args.log_level}")
    work = tempfile.mkdtemp(prefix="duban-bench-")
    with database(db_url) as schema_url:
        with running_platform(Path(work), nats_url=nats_url, database_url=schema_url,
                              log_level=args.log_level, log_statements=bool(args.pg_log)) as platform:
            sampler = None
            if schema_url:
                admin = make_url(db_url).set(drivername="postgresql").render_as_string(hide_password=False)
                sampler = BackendSampler(admin, APP_PREFIX)
            nats_port = make_url(nats_url.replace("nats://", "http://")).port or 4222
            meters = Meters(platform, sampler, listening_pid(nats_port))
            if args.pg_log and sampler:
                meters.statements = StatementLog(args.pg_log, sampler)
            rss_start = meters.rss()
            try:
                with profiled(args.py_spy, platform):
                    results = asyncio.run(drive(args, platform, meters))
            finally:
                if sampler:
                    print(f"\nPostgreSQL connections opened by each service: {sampler.backends()}")
                    sampler.close()
                asyncio.run(delete_bus(nats_url, platform.bus_root))
            rss_end = meters.rss()
        print("\nRSS MiB at start (ready) and at the end: " + ", ".join(
            f"{n} {rss_start[n]:.0f} -> {rss_end[n]:.0f}" for n in rss_start))
    print("\nsummary: clients, lifecycles/s HTTP, raw/s, ratio, CPU ms/lifecycle (services+PG+NATS), x raw, "
          "GET /tasks p99, complete p99, close->ledger p99 (ms)")
    for r in results:
        counted = sum(v for k, v in r["cpu"].items() if k in SERVICES or k in ("postgresql", "nats (shared)"))
        per = counted / max(r["n"], 1)
        f = r["f"]
        print(f"  {r['clients']:>3} {r['rate']:8.2f} {r['raw_rate']:7.1f} {r['rate'] / r['raw_rate']:7.3f} "
              f"{per * 1000:8.1f} {per / r['raw_cpu']:6.1f} {ms(pct(f.tasks, 99)):>7} {ms(pct(f.complete, 99)):>7} "
              f"{ms(pct(f.lag, 99)):>7}")
    print(f"load average at the end {load()}" + (f"; service logs in {work}" if args.keep or args.py_spy else ""))
    if not (args.keep or args.py_spy):
        import shutil

        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

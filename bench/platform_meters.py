"""What ``bench/platform_lifecycle.py`` reads from the processes and the databases: CPU and
memory per process, when the platform is quiet again, and where the closing event's lag goes."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import time
from dataclasses import dataclass
from typing import Any

import nats
from platform_driver import Driver
from platform_procs import APP_PREFIX, SERVICES, Platform
from proc_stats import BackendSampler, StatementLog, cpu_seconds, rss_mib
from sqlalchemy import create_engine as sync_engine
from sqlalchemy import text

from shared.bus.topology import Topology
from shared.storage.database import sync_url

DEFAULT_NATS = "nats://127.0.0.1:4222"
DURABLES = ("ledger", "notification", "reporting")


@dataclass
class Meters:
    platform: Platform
    sampler: BackendSampler | None
    nats_pid: int | None
    poll_cost: float = 0.0  # the ledger's CPU seconds per GET /items/{id}
    statements: StatementLog | None = None

    def pids(self) -> dict[str, int]:
        found = dict(self.platform.pids)
        if self.nats_pid:
            found["nats (shared)"] = self.nats_pid
        found["smtp sink"] = self.platform.mail_pid
        found["driver"] = os.getpid()
        return found

    def snapshot(self) -> dict[str, float]:
        cpu = {name: cpu_seconds(pid) for name, pid in self.pids().items()}
        if self.sampler:
            self.sampler.mark()
        return cpu

    def spent(self, before: dict[str, float]) -> dict[str, float]:
        cpu = {name: cpu_seconds(pid) - before[name] for name, pid in self.pids().items()}
        if self.sampler:
            backends = self.sampler.spent()
            cpu["postgresql"] = sum(backends.get(APP_PREFIX + name, 0.0) for name in SERVICES)
            for name in SERVICES:
                cpu[f"  pg for {name}"] = backends.get(APP_PREFIX + name, 0.0)
        return cpu

    def log_lines(self) -> dict[str, int]:
        counts = {}
        for name in SERVICES:
            with (self.platform.work_dir / f"{name}.log").open("rb") as log:
                counts[name] = sum(1 for _ in log)
        return counts

    def rss(self) -> dict[str, float]:
        return {name: rss_mib(pid) for name, pid in self.platform.pids.items()}


async def poll_cost(driver: Driver, meters: Meters, item_id: str, n: int = 200) -> float:
    url, pid = f"{driver.urls['ledger']}/items/{item_id}", meters.platform.pids["ledger"]
    before = cpu_seconds(pid)
    for _ in range(n):
        response = await driver.client.get(url, headers={"Authorization": f"Bearer {driver.tokens['office']}"})
        response.raise_for_status()
    return (cpu_seconds(pid) - before) / n


async def quiet(platform: Platform, pids: dict[str, int], timeout: float = 120.0) -> float:
    """Wait until the consumers have nothing pending, the outbox is empty and the services
    are idle (under 3 % of a core over 0.5 s); returns the seconds waited."""
    started = time.perf_counter()
    topology = Topology(root=platform.bus_root)
    connection = await nats.connect(os.environ.get("NATS_URL", DEFAULT_NATS))
    db = sync_engine(sync_url(outbox_url(platform)))
    try:
        js = connection.jetstream()
        while time.perf_counter() - started < timeout:
            infos = [await js.consumer_info(topology.events_stream, d) for d in DURABLES]
            with db.connect() as c:
                unsent = c.execute(text("SELECT count(*) FROM workflow_outbox WHERE sent_at IS NULL")).scalar_one()
            if unsent == 0 and all(i.num_pending == 0 and i.num_ack_pending == 0 for i in infos):
                before = sum(cpu_seconds(p) for p in pids.values())
                await asyncio.sleep(0.5)
                if sum(cpu_seconds(p) for p in pids.values()) - before < 0.015 * len(pids):
                    break
            else:
                await asyncio.sleep(0.1)
    finally:
        db.dispose()
        await connection.close()
    return time.perf_counter() - started


def outbox_url(platform: Platform) -> str:
    return platform.database_url or f"sqlite:///{platform.work_dir / 'workflow.db'}"


def close_path(platform: Platform, closed_at: dict[str, float]) -> dict[str, list[float]]:
    """Where the lag of ``item.closed`` goes, per item, in seconds: closing call returned ->
    the relay marked it sent (workflow outbox ``sent_at``) -> the ledger applied it (its
    inbox's ``received_at``)."""
    def rows(service: str, query: str) -> list[Any]:
        db = sync_engine(sync_url(platform.database_url or f"sqlite:///{platform.work_dir / f'{service}.db'}"))
        try:
            with db.connect() as c:
                return list(c.execute(text(query)))
        finally:
            db.dispose()

    sent = {str(e): epoch(at) for e, at in rows(
        "workflow", "SELECT event_id, sent_at FROM workflow_outbox WHERE subject LIKE '%.item.closed' "
                    "AND sent_at IS NOT NULL")}
    applied = {str(i): (str(e), epoch(at)) for i, e, at in rows(
        "ledger", "SELECT item_id, event_id, received_at FROM ledger_inbox WHERE subject LIKE '%.item.closed'")}
    path: dict[str, list[float]] = {"relay": [], "ledger": [], "to ledger": []}
    for item_id, at in closed_at.items():
        if item_id not in applied:
            continue
        event_id, received = applied[item_id]
        path["to ledger"].append(received - at)
        if event_id in sent:
            path["relay"].append(sent[event_id] - at)
            path["ledger"].append(received - sent[event_id])
    return path


def epoch(when: Any) -> float:
    if isinstance(when, str):  # SQLite
        when = dt.datetime.fromisoformat(when)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.timestamp()

"""The shared simulated clock on the real NATS: one time for every service, moved by `duban clock`.

Each test has its own subject root, so its own bucket (``<root>_clock``), removed afterwards.
Nothing here sleeps for business time: the clock is moved, and the tests wait only for the
services (real I/O) to follow.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import nats
import nats.js.errors
import pytest

from services.cli import main
from services.ledger.config import LedgerSettings
from services.reporting.config import ReportingSettings
from services.workflow.app import create_app as workflow_app
from services.workflow.config import WorkflowSettings
from shared.bus.clock_kv import ClockBucket, ClockFollower, clock_bucket, move_clock, read_clock
from shared.bus.topology import Topology
from shared.clock import CHINA, SharedClock
from shared.production import UnsafeSettings
from shared.runtime import Runtime, build_runtime
from shared.settings import ServiceSettings
from tests.support.eventually import eventually
from tests.support.services import REPO, auth, serving, settings_for
from tests.support.workflow_client import ITEM, do, stream_messages

START = dt.datetime(2026, 3, 2, 9, 30, tzinfo=CHINA)  # Monday
Cli = Callable[..., Awaitable[int]]


@pytest.fixture
async def topology(topology: Topology, nats_url: str) -> AsyncIterator[Topology]:
    """The suite's topology, and its clock bucket removed afterwards."""
    yield topology
    connection = await nats.connect(nats_url)
    with contextlib.suppress(nats.js.errors.NotFoundError):
        await connection.jetstream().delete_key_value(clock_bucket(topology.root))
    await connection.close()


@pytest.fixture
def clock_cli(nats_url: str, topology: Topology, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """``await clock_cli("advance", "3d")``: the `duban clock` command against this test's root."""
    monkeypatch.setenv("NATS_URL", nats_url)
    monkeypatch.setenv("DUBAN_BUS_ROOT", topology.root)

    async def run(*argv: str) -> int:
        return await asyncio.to_thread(main, ["clock", *argv])  # it runs its own event loop

    return run


def simulated(cls: type[ServiceSettings], nats_url: str, topology: Topology, tmp_path: Path, name: str,
              **overrides: Any) -> ServiceSettings:
    options: dict[str, Any] = {"clock": "simulated", "clock_start": START, **overrides}
    return settings_for(cls, nats_url=nats_url, database_url=f"sqlite:///{tmp_path / name}.db", topology=topology,
                        data_dir=tmp_path / name, **options)


async def followed(*runtimes: Runtime, timeout: float = 10.0) -> Callable[[], Awaitable[None]]:
    """Subscribe to the runtimes' clock moves now; the returned call waits until each has moved."""
    events = [runtime.clock.moves() for runtime in runtimes]

    async def wait() -> None:
        await asyncio.wait_for(asyncio.gather(*(event.wait() for event in events)), timeout)

    return wait


async def test_two_services_share_one_clock_and_duban_clock_advance_moves_both(
        nats_url: str, topology: Topology, tmp_path: Path, clock_cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    ledger = build_runtime(simulated(LedgerSettings, nats_url, topology, tmp_path, "ledger"))
    # another start for the second one: the clock's start is fixed by whoever made it first
    reporting = build_runtime(simulated(ReportingSettings, nats_url, topology, tmp_path, "reporting",
                                        clock_start=START + dt.timedelta(days=5)))
    assert isinstance(ledger.clock, SharedClock) and not ledger.clock.loaded
    async with ledger.running(), reporting.running():
        assert ledger.clock.now() == reporting.clock.now() == START
        moved = await followed(ledger, reporting)
        assert await clock_cli("advance", "3d") == 0
        assert "2026-03-05 09:30:00 Thursday (Beijing time)" in capsys.readouterr().out
        await moved()
        assert ledger.clock.now() == reporting.clock.now() == START + dt.timedelta(days=3)

        moved = await followed(ledger, reporting)
        assert await clock_cli("advance", "2wd") == 0  # Thursday + two working days: Monday
        await moved()
        assert ledger.clock.now() == reporting.clock.now() == dt.datetime(2026, 3, 9, 9, 30, tzinfo=CHINA)

        # a service started after the jump starts at the new time, whatever its own start says
        late = build_runtime(simulated(ReportingSettings, nats_url, topology, tmp_path, "late"))
        async with late.running():
            assert late.clock.now() == dt.datetime(2026, 3, 9, 9, 30, tzinfo=CHINA)
        assert await clock_cli("show") == 0
        shown = capsys.readouterr().out
        assert "2026-03-09 09:30:00 Monday (Beijing time)" in shown
        assert "started at 2026-03-02 09:30:00 Monday (Beijing time)" in shown


async def test_services_starting_together_agree_on_one_start(nats_url: str, topology: Topology) -> None:
    connections = [await nats.connect(nats_url) for _ in range(4)]
    clocks = [SharedClock() for _ in connections]
    followers = [ClockFollower(clock, topology.root, START + dt.timedelta(minutes=n)) for n, clock in enumerate(clocks)]
    try:
        await asyncio.gather(*(f.load(c) for f, c in zip(followers, connections, strict=True)))
        [agreed] = {clock.now() for clock in clocks}  # one time, whichever start won the race
        assert agreed in {START + dt.timedelta(minutes=n) for n in range(4)}
        reading = await read_clock(connections[0].jetstream(), topology.root)
        assert (reading.now, reading.start, reading.revision) == (agreed, agreed, 0)
    finally:
        for connection in connections:
            await connection.close()


async def test_two_moves_at_once_both_count(nats_url: str, topology: Topology) -> None:
    """Two `duban clock advance 3d` at the same moment: 6 days, not 3 (each move is a
    compare-and-set on the key's revision, retried on the newer time)."""
    connections = [await nats.connect(nats_url) for _ in range(2)]
    try:
        await ClockBucket.open(connections[0].jetstream(), topology.root, START)
        moves = await asyncio.gather(*(move_clock(c.jetstream(), topology.root, lambda now: now + dt.timedelta(days=3))
                                       for c in connections))
        assert sorted(after.now for _, after in moves) == [START + dt.timedelta(days=3), START + dt.timedelta(days=6)]
        reading = await read_clock(connections[0].jetstream(), topology.root)
        assert (reading.now, reading.revision) == (START + dt.timedelta(days=6), max(a.revision for _, a in moves))
    finally:
        for connection in connections:
            await connection.close()


async def test_the_clock_goes_back_only_when_asked_to(nats_url: str, topology: Topology, tmp_path: Path,
                                                      clock_cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    ledger = build_runtime(simulated(LedgerSettings, nats_url, topology, tmp_path, "ledger"))
    async with ledger.running():
        moved = await followed(ledger)
        assert await clock_cli("set", "2026-12-20T09:00+08:00") == 0
        await moved()
        assert ledger.clock.now() == dt.datetime(2026, 12, 20, 1, 0, tzinfo=dt.UTC)
        capsys.readouterr()

        assert await clock_cli("set", "2026-12-19T09:00+08:00") == 2
        refusal = capsys.readouterr().err
        assert "2026-12-19 09:00:00 Saturday (Beijing time) is before the shared clock's" in refusal
        assert "--backwards" in refusal
        connection = await nats.connect(nats_url)
        reading = await read_clock(connection.jetstream(), topology.root)
        await connection.close()
        assert reading.now == dt.datetime(2026, 12, 20, 1, 0, tzinfo=dt.UTC)  # unchanged

        moved = await followed(ledger)
        assert await clock_cli("set", "--backwards", "2026-12-19T09:00+08:00") == 0
        await moved()
        assert ledger.clock.now() == dt.datetime(2026, 12, 19, 1, 0, tzinfo=dt.UTC)


async def test_production_refuses_the_shared_clock(nats_url: str, topology: Topology, tmp_path: Path,
                                                   clock_cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = simulated(LedgerSettings, nats_url, topology, tmp_path, "ledger", env="production",
                         nats_user="ledger", nats_password="x" * 32)
    with pytest.raises(UnsafeSettings, match="DUBAN_CLOCK is simulated"):
        build_runtime(settings)
    monkeypatch.setenv("DUBAN_ENV", "production")
    assert await clock_cli("set", "2026-12-20T09:00+08:00") == 2
    connection = await nats.connect(nats_url)
    with pytest.raises(nats.js.errors.NotFoundError):  # nothing was made on the bus
        await connection.jetstream().stream_info(f"KV_{clock_bucket(topology.root)}")
    await connection.close()


# --- the timers of a jump -----------------------------------------------------------------------
async def test_the_timers_of_a_jump_fire_once_in_the_order_they_fell_due(
        nats_url: str, database_url: str, topology: Topology, tmp_path: Path, clock_cli: Cli) -> None:
    """Three items assigned a day apart (their report deadlines a day apart), then one jump of
    30 days past all of them: each item's reminder and overdue fire once, in one step of its
    instance (reminder first: the order the process declares them), the instances in the order
    of their first due timer (the sweep's ``next_timer_at``). Not one global order of timers:
    the second item's reminder (Monday 09:00) is due before the first item's overdue (Monday
    24:00) but comes after it, with its own instance's step."""
    settings = settings_for(WorkflowSettings, nats_url=nats_url, database_url=database_url, topology=topology,
                            data_dir=tmp_path, workflows_dir=REPO / "workflows", clock="simulated",
                            clock_start=START, timer_sweep=True,
                            timer_sweep_seconds=3600.0)  # woken by the jump, not by polling
    runtime = build_runtime(settings)
    app = workflow_app(settings, deps=runtime)
    async with serving(app) as client:
        runtime_clock = runtime.clock
        items = []
        for day in range(3):
            created = await client.post("/items", json={**ITEM, "title": f"第{day + 1}项"}, headers=auth("office"))
            assert created.status_code == 201, created.text
            items.append(created.json()["id"])
            await do(client, "leader", "approve_item", {"decision": "approve"})
            await do(client, "zjj-liaison", "sign", {})
            moved = runtime_clock.moves()
            assert await clock_cli("advance", "1d") == 0
            await asyncio.wait_for(moved.wait(), 10)
        due = [(await client.get(f"/items/{item}", headers=auth("office"))).json()["due_date"] for item in items]
        assert due == sorted(due) and len(set(due)) == 3  # three deadlines, a day apart

        moved = runtime_clock.moves()
        assert await clock_cli("advance", "30d") == 0
        await asyncio.wait_for(moved.wait(), 10)
        jumped_to = runtime_clock.now()

        def deadlines(messages: list[tuple[str, bytes]]) -> list[dict[str, Any]]:
            return [{"kind": kind, **json.loads(payload)} for kind, payload in messages
                    if kind.startswith("deadline.")]

        found = await eventually(lambda: stream_messages(nats_url, topology),
                                 lambda messages: sum(e["kind"] == "deadline.overdue"
                                                      for e in deadlines(messages)) == 3, timeout=30)
        assert await app.state.service.fire_due_timers() == 0  # nothing due is left: each fired once
    events = [e for e in deadlines(found) if e["deadline"] == "report"]
    by_item = {item: [e["kind"] for e in events if e["item_id"] == item] for item in items}
    assert by_item == {item: ["deadline.reminder", "deadline.overdue"] for item in items}
    assert list(dict.fromkeys(e["item_id"] for e in events)) == items  # by their first due timer
    overdue = [e["due_date"] for e in events if e["kind"] == "deadline.overdue"]
    assert overdue == due
    # stamped with the time the clock jumped to (the sweep's now), not with each timer's date
    assert {dt.datetime.fromisoformat(e["occurred_at"]) for e in events} == {jumped_to}

"""The ledger's storage on each database: idempotent application, the light in SQL."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.ledger.adapters import tables
from services.ledger.adapters.light_sql import light_sql, overdue_sql
from services.ledger.adapters.store import LedgerStore, clear
from services.ledger.domain import stats
from services.ledger.domain.light import light_of
from services.ledger.domain.state import ItemState
from services.ledger.service import LedgerService
from shared.clock import SettableClock
from shared.contracts.enums import ItemStatus
from shared.identity import Principal, load_directory
from shared.storage.database import create_engine
from shared.storage.migrations import upgrade
from tests.support.item_story import CALENDAR, START, ItemStory, day, projection
from tests.support.services import REPO

T0 = START.astimezone(dt.UTC)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    upgrade(database_url, "ledger")
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


async def counts(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as connection:
        return {t.name: (await connection.execute(select(func.count()).select_from(t))).scalar_one()
                for t in (tables.inbox, tables.items, tables.item_units, tables.timeline)}


async def test_an_event_applied_twice_changes_nothing(engine: AsyncEngine) -> None:
    store, story = LedgerStore(projection()), ItemStory()
    life = story.life()
    for event in life:
        async with engine.begin() as connection:
            assert await store.apply(connection, [event], T0) == 1
    once = await counts(engine)
    async with engine.begin() as connection:
        row_before = (await connection.execute(select(tables.items))).mappings().one()
    for event in life:  # every event again, one by one and as a batch
        async with engine.begin() as connection:
            assert await store.apply(connection, [event], T0) == 0
    async with engine.begin() as connection:
        assert await store.apply(connection, [life[8], life[8], life[3]], T0) == 0
        row_after = (await connection.execute(select(tables.items))).mappings().one()
    assert once == await counts(engine) == {"ledger_inbox": len(life), "ledger_items": 1, "ledger_item_units": 2,
                                            "ledger_timeline": 12}
    assert row_after == row_before and row_after["returned_count"] == 1


async def test_a_batch_applies_like_single_events(engine: AsyncEngine) -> None:
    store = LedgerStore(projection())
    stories = [ItemStory(code=f"督办〔2026〕{n}号") for n in range(1, 4)]
    lives = [s.life() for s in stories]
    interleaved = [e for group in itertools.zip_longest(*lives) for e in group if e is not None]
    async with engine.begin() as connection:
        assert await store.apply(connection, interleaved + interleaved[:5], T0) == len(interleaved)
    async with engine.connect() as connection:
        rows = {r["item_id"]: ItemState.from_row(dict(r))
                for r in (await connection.execute(select(tables.items))).mappings()}
    for story, life in zip(stories, lives, strict=True):
        expected = ItemState(story.item_id)
        for event in life:
            expected, _ = projection().apply(expected, event)
        assert rows[story.item_id] == expected
    assert (await counts(engine))["ledger_timeline"] == 36
    async with engine.begin() as connection:
        await clear(connection)
    assert set((await counts(engine)).values()) == {0}


def light_grid() -> list[ItemState]:
    """Rows covering every branch of the light rule."""
    due = day("2026-03-09")
    base = ItemState(uuid.uuid4(), placeholder=False, due_date=due, yellow_from=day("2026-03-06"), status_at=T0)
    states = []
    for status, reminded, overdue, sign, reopened, no_due in itertools.product(
            list(ItemStatus), (None, due, day("2026-03-01")), (False, True), (False, True), (False, True),
            (False, True)):
        states.append(ItemState(uuid.uuid4(), **{
            **{k: getattr(base, k) for k in ("placeholder", "due_date", "yellow_from", "status_at")},
            "status": status.value, "reminded_for": reminded, "overdue": overdue,
            "overdue_deadline": "report" if overdue else None, "sign_reminded": sign, "reopened": reopened,
            **({"due_date": None, "yellow_from": None} if no_due else {})}))
    return states


async def test_the_light_in_sql_agrees_with_the_rule(engine: AsyncEngine) -> None:
    states = light_grid()
    async with engine.begin() as connection:
        await connection.execute(insert(tables.items), [s.as_row() for s in states])
    by_id = {s.item_id: s for s in states}
    seen = set()
    for today in ("2026-03-05", "2026-03-06", "2026-03-09", "2026-03-10"):
        query = select(tables.items.c.item_id, light_sql(day(today)), overdue_sql())
        async with engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        assert len(rows) == len(states)
        for item_id, light, overdue in rows:
            state = by_id[item_id]
            expected = light_of(state, day(today))
            assert light == (expected.value if expected else None), state
            assert bool(overdue) == state.overdue, state
            seen.add(light)
    assert seen == {"red", "yellow", "green", None}


async def test_statistics_per_unit_for_a_period(engine: AsyncEngine) -> None:
    store = LedgerStore(projection())
    late, fast = ItemStory(), ItemStory(lead="fgw", co=())
    events = late.life() + fast.with_progress([fast.registered(), fast.assigned(), fast.signed(),
                                               fast.submitted(), fast.accepted(), fast.closed("2026-03-03")])
    async with engine.begin() as connection:
        await store.apply(connection, events, T0)
    service = LedgerService(engine, SettableClock(T0), CALENDAR, load_directory(REPO / "deploy" / "org.example.yaml"))
    office = service_principal("office")
    found = await service.stats(stats.Period(day("2026-03-01"), day("2026-03-31")), office)
    rows = {r["unit"]: r for r in found["units"]}
    assert {k: rows["zjj"][k] for k in ("assigned", "closed", "on_time", "overdue", "returned", "reopened",
                                        "on_time_rate", "unit_name")} == {
        "assigned": 1, "closed": 1, "on_time": 0, "overdue": 1, "returned": 1, "reopened": 0,
        "on_time_rate": 0.0, "unit_name": "市住建局"}
    assert (rows["fgw"]["closed"], rows["fgw"]["on_time_rate"]) == (1, 1.0)
    assert rows["tiexi"]["assigned"] == 0 and rows["tiexi"]["on_time_rate"] is None
    assert found["total"]["closed"] == 2 and found["total"]["on_time_rate"] == 0.5
    april = await service.stats(stats.Period(day("2026-04-01"), day("2026-04-30")), office)
    assert april["total"]["assigned"] == 0
    mine = await service.stats(stats.Period(day("2026-03-01"), day("2026-03-31")), service_principal("fgw-liaison"))
    assert [r["unit"] for r in mine["units"]] == ["fgw"]


def service_principal(username: str) -> Principal:
    user = load_directory(REPO / "deploy" / "org.example.yaml").user(username)
    assert user is not None
    return Principal.from_user(user)

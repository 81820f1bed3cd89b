"""The reporting service records every consumed event once, a backlog in one transaction, and
applies it to the bulletins' read model in that transaction."""

from __future__ import annotations

from sqlalchemy import event, func, select

from services.reporting.adapters import tables
from services.reporting.adapters.item_records import evaluations_in, record_item_records, research_notes_in
from services.reporting.adapters.read_model import fill_from_inbox, read_model_recorder
from shared.clock import SettableClock
from shared.contracts.enums import EvaluationRating
from shared.contracts.record_events import ItemEvaluated, ItemResearched
from shared.storage.database import create_engine
from shared.storage.inbox import InboxRecorder
from shared.storage.migrations import upgrade
from shared.unit_stats import Period
from tests.support.item_story import ItemStory, day
from tests.support.samples import T0, item_registered


async def test_a_batch_is_one_transaction_and_a_redelivery_changes_nothing(database_url: str) -> None:
    upgrade(database_url, "reporting")
    db = create_engine(database_url)
    commits: list[object] = []
    event.listen(db.sync_engine, "commit", commits.append)
    recorder = InboxRecorder(db, tables.inbox, SettableClock(T0))
    first, second, third = item_registered(title="城区供暖管网改造"), item_registered(), item_registered()

    await recorder.batch([first, second, first])  # a message delivered twice within one fetch
    assert len(commits) == 1
    await recorder.batch([second, third])  # a redelivery beside a new one
    await recorder(third)

    async with db.connect() as connection:
        rows = (await connection.execute(select(tables.inbox).order_by(tables.inbox.c.received_at))).all()
    await db.dispose()
    assert sorted(r.event_id for r in rows) == sorted(m.event_id for m in (first, second, third))
    recorded = {r.event_id: r for r in rows}[first.event_id]
    assert recorded.item_id == first.item_id and "城区供暖管网改造" in recorded.payload and recorded.received_at == T0


async def test_the_read_model_applies_each_event_once_with_its_inbox_row(database_url: str) -> None:
    upgrade(database_url, "reporting")
    db = create_engine(database_url)
    recorder = read_model_recorder(db, SettableClock(T0))
    story = ItemStory()
    events = story.life()
    await recorder.batch(events[:5])
    await recorder.batch(events)  # a redelivered backlog beside the rest
    await recorder(events[-1])

    async with db.connect() as connection:
        item = (await connection.execute(select(tables.items))).mappings().one()
        facts = (await connection.execute(select(tables.facts.c.kind, tables.facts.c.unit))).all()
        inbox = (await connection.execute(select(func.count()).select_from(tables.inbox))).scalar_one()
    await db.dispose()
    assert inbox == len(events)
    assert (item["code"], item["status"], item["returned_count"], item["on_time"]) == (story.code, "closed", 1, False)
    assert sorted(facts) == [("accountability.opened", "zjj"), ("deadline.overdue", "zjj"), ("report.returned", "zjj")]


async def test_events_recorded_before_the_read_model_existed_fill_it_once(database_url: str) -> None:
    upgrade(database_url, "reporting")
    db = create_engine(database_url)
    story = ItemStory()
    events = story.life()
    await InboxRecorder(db, tables.inbox, SettableClock(T0)).batch(events)  # consumed before 0002

    assert await fill_from_inbox(db, page=4) == len(events)
    assert await fill_from_inbox(db) == 0  # filled: the consumer keeps it from here
    await read_model_recorder(db, SettableClock(T0)).batch(events)  # a redelivery changes nothing
    async with db.connect() as connection:
        item = (await connection.execute(select(tables.items))).mappings().one()
        facts = (await connection.execute(select(func.count()).select_from(tables.facts))).scalar_one()
    await db.dispose()
    assert (item["status"], item["closed_on"], item["returned_count"], facts) == ("closed", day("2026-03-12"), 1, 3)


async def test_evaluations_and_research_notes_are_kept_once_for_the_brief(database_url: str) -> None:
    upgrade(database_url, "reporting")
    db = create_engine(database_url)
    recorder = read_model_recorder(db, SettableClock(T0), record_item_records)
    story, unregistered = ItemStory(), ItemStory()
    base = {"item_id": story.item_id, "actor": "office", "occurred_at": T0}
    evaluated = ItemEvaluated(**base, evaluator="省社科院", evaluated_on=day("2026-03-31"), conclusion="总体良好",
                              rating=EvaluationRating.EXCELLENT, attachment_name="评估报告.pdf")
    before = ItemEvaluated(**base, evaluator="第三方机构", evaluated_on=day("2026-02-28"), conclusion="二月评估")
    noted = ItemResearched(**base, researched_on=day("2026-03-01"), place="铁西区", text="建议增设排水管网")
    orphan = ItemResearched(item_id=unregistered.item_id, actor="office", occurred_at=T0,
                            researched_on=day("2026-03-05"), text="事项尚未登记到本服务")
    await recorder.batch([story.registered(), evaluated, before])
    await recorder.batch([evaluated, noted, orphan])  # a redelivery beside new ones
    await recorder(noted)

    march = Period(day("2026-03-01"), day("2026-03-31"))
    async with db.connect() as connection:
        evaluations = await evaluations_in(connection, march)
        notes = await research_notes_in(connection, march)
        february = await evaluations_in(connection, Period(day("2026-02-01"), day("2026-02-28")))
    await db.dispose()
    assert [(e["code"], e["title"], e["lead_unit"], e["evaluator"], e["date"], e["text"], e["rating"],
             e["attachment_name"]) for e in evaluations] == [
        (story.code, story.title, "zjj", "省社科院", day("2026-03-31"), "总体良好", "excellent", "评估报告.pdf")]
    assert [e["evaluator"] for e in february] == ["第三方机构"]
    assert [(n["code"], n["author"], n["place"], n["text"]) for n in notes] == [
        (story.code, None, "铁西区", "建议增设排水管网"), ("", None, None, "事项尚未登记到本服务")]

"""Benchmark: a month's bulletin (督查通报) of 10,000 items, from the reporting service's own read model.

Fills the reporting read model of a real database (SQLite, and PostgreSQL when DATABASE_URL
names one) with a month of the items' events through the path the service records them by
(``adapters/read_model.py``: the inbox, the items, the facts, the public board and the cases,
a transaction per fetched batch of 100), and the public's feedback on a fifth of the items;
then times the figures as ``POST /bulletins`` makes them (``BulletinService.create``) and the
.docx as ``GET /bulletins/{id}/document.docx`` renders it (and, with ``--pdf``, LibreOffice's PDF).
The goal: figures + .docx < 5 s.

    .venv/bin/python bench/bulletin_month.py [--items 10000] [--units 60] [--out /tmp/bulletin] [--pdf]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import yaml  # noqa: E402

from services.reporting.adapters import public_store, tables  # noqa: E402
from services.reporting.adapters.case_store import follow_cases  # noqa: E402
from services.reporting.adapters.read_model import read_model_recorder  # noqa: E402
from services.reporting.bulletin_service import BulletinService  # noqa: E402
from services.reporting.config import RULES_BESIDE_THE_CODE, ReportingSettings  # noqa: E402
from services.reporting.documents import DEFAULT_TEMPLATE, PdfUnavailable, to_pdf  # noqa: E402
from services.reporting.domain.bulletin import BulletinKind  # noqa: E402
from services.reporting.domain.bulletin_rules import parse_rules  # noqa: E402
from services.reporting.domain.public_feedback import Feedback  # noqa: E402
from services.reporting.public_service import board_effect  # noqa: E402
from services.reporting.published_documents import render_docx  # noqa: E402
from shared.calendar import load_calendar  # noqa: E402
from shared.clock import CHINA, SettableClock  # noqa: E402
from shared.identity import Principal, parse_directory  # noqa: E402
from shared.storage.database import create_engine  # noqa: E402
from shared.storage.inbox import count  # noqa: E402
from shared.storage.migrations import upgrade  # noqa: E402
from shared.storage.outbox import Outbox  # noqa: E402
from tests.e2e.test_reporting_bulletins import revisit_passed  # noqa: E402
from tests.support.infra import postgres_schema  # noqa: E402
from tests.support.item_story import ItemStory  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
FETCH_BATCH = 100  # the reporting consumer's (settings.fetch_batch)
GOAL_SECONDS = 5.0


def directory(units: int):
    """The demo organisation with more units (市直单位N) up to ``units``."""
    data = yaml.safe_load((ROOT / "deploy" / "org.example.yaml").read_text(encoding="utf-8"))
    for n in range(len(data["units"]) + 1, units + 1):
        data["units"].append({"id": f"unit-{n}", "name": f"市直单位{n}", "kind": "other"})
    return parse_directory(data)


def month_of_events(n: int, units: list[str], seed: int = 7) -> tuple[list, list[uuid.UUID]]:
    """Each item's March: most closed on time (some revisited), some still open; a third of the
    units let some pass their deadline (overdue, returned once, closed late); the public items (a
    fifth) get feedback later."""
    rng, events, public = random.Random(seed), [], []
    for i in range(n):
        lead = rng.randrange(len(units))
        story = ItemStory(code=f"督办〔2026〕{i + 1}号", title=f"关于落实第{i + 1}项督办事项的办理", lead=units[lead],
                          co=(), public=i % 5 == 0, start=dt.datetime(2026, 3, 2, 9, 0, tzinfo=CHINA)
                          + dt.timedelta(minutes=i % 600))
        if story.public:
            public.append(story.item_id)
        steps = [story.registered(), story.approved(), story.assigned(), story.signed()]
        fate = rng.random()  # < 0.7: closed on time, < 0.85: late, else still open
        if lead % 3 and 0.7 <= fate < 0.85:
            fate = 0.9  # two units in three keep their deadlines
        if fate < 0.7:
            steps += [story.submitted(), story.accepted(), story.closed("2026-03-06")]
            failed = lead % 3 == 0 and rng.random() < 0.1  # the units that keep deadlines pass their revisits too
            steps += [story.revisit_failed() if failed else revisit_passed(story)] if i % 4 == 0 else []
        elif fate < 0.85:
            steps += [story.overdue(at=dt.datetime(2026, 3, 9, 23, 59, 59, tzinfo=CHINA)),
                      story.submitted(late=True, at=dt.datetime(2026, 3, 10, 10, 0, tzinfo=CHINA)),
                      story.returned(new_due="2026-03-17"), story.submitted(round=2), story.accepted(round=2),
                      story.closed("2026-03-12", on_time=False)]
        events += story.with_progress(steps)
    return events, public


async def fill(engine, clock: SettableClock, events: list, public: list[uuid.UUID]) -> float:
    """The events recorded as the consumer records a backlog; the feedback stored as the board stores it."""
    recorder = read_model_recorder(engine, clock, board_effect(load_calendar(None)), follow_cases)
    started = time.perf_counter()
    for at in range(0, len(events), FETCH_BATCH):
        await recorder.batch(events[at:at + FETCH_BATCH])
    rng = random.Random(11)
    async with engine.begin() as connection:
        for item_id in public:
            for k in range(rng.randrange(1, 4)):
                await public_store.add_feedback(connection, Feedback(
                    id=uuid.uuid4(), item_id=item_id, rating=rng.choice((3, 4, 4, 5, 5)), text="办得不错",
                    contact=None, client=f"10.0.{k}.{rng.randrange(255)}",
                    created_at=dt.datetime(2026, 3, 20, 10, 0, tzinfo=CHINA)))
    return time.perf_counter() - started


async def run_once(database_url: str, n: int, units: int, out: Path | None, pdf: bool) -> None:
    upgrade(database_url, "reporting")
    engine = create_engine(database_url)
    clock = SettableClock(dt.datetime(2026, 4, 1, 9, 0, tzinfo=CHINA))
    org = directory(units)
    settings = ReportingSettings(schedule=False)
    service = BulletinService(engine, clock, org, settings, parse_rules(RULES_BESIDE_THE_CODE.read_text("utf-8")),
                              Outbox(tables.outbox, clock))
    try:
        events, public = month_of_events(n, [u.id for u in org.units])
        filled = await fill(engine, clock, events, public)
        async with engine.connect() as connection:
            assert await count(connection, tables.inbox) == len(events)
        office = Principal.from_user(org.user("office"))
        t0 = time.perf_counter()
        bulletin = await service.create(BulletinKind.bulletin, *MARCH, office)  # what POST /bulletins runs
        t1 = time.perf_counter()
        document = await asyncio.to_thread(render_docx, bulletin, DEFAULT_TEMPLATE, office=settings.office_name,
                                           today=service.today())
        t2 = time.perf_counter()
        await asyncio.to_thread(render_docx, bulletin, DEFAULT_TEMPLATE, office=settings.office_name,
                                today=service.today())
        warm = time.perf_counter() - t2  # a running service has rendered before (fonts, matplotlib loaded)
        figures = bulletin["figures"]
        print(f"  filled   {len(events):,} events of {n:,} items in {filled:.1f} s ({len(events) / filled:,.0f} events/s)")
        print(f"  figures  {(t1 - t0) * 1000:7.0f} ms  (items {figures['totals']['assigned']:,}, "
              f"units {len(figures['units'])}, overdue items {len(figures['overdue_items'])}, "
              f"praised {len(figures['praised'])}, criticised {len(figures['criticised'])})")
        print(f"  docx     {(t2 - t1) * 1000:7.0f} ms  ({len(document) / 1024:.0f} KiB; the first in the process; "
              f"again {warm * 1000:.0f} ms)")
        verdict = "met" if t2 - t0 < GOAL_SECONDS else "MISSED"
        print(f"  total    {(t2 - t0) * 1000:7.0f} ms  (goal < {GOAL_SECONDS:.0f} s: {verdict})", flush=True)
        made = None
        if pdf:
            try:
                t3 = time.perf_counter()
                made = await asyncio.to_thread(to_pdf, document, timeout=180)
                print(f"  pdf      {(time.perf_counter() - t3) * 1000:7.0f} ms  ({len(made) / 1024:.0f} KiB, LibreOffice)")
            except PdfUnavailable as exc:
                print(f"  pdf      unavailable: {exc}")
        if out:
            out.with_suffix(".docx").write_bytes(document)
            if made:
                out.with_suffix(".pdf").write_bytes(made)
    finally:
        await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--units", type=int, default=60, help="units in the directory (the demo org's and more)")
    parser.add_argument("--out", type=Path, default=None, help="write OUT.docx (and OUT.pdf with --pdf)")
    parser.add_argument("--pdf", action="store_true", help="also time LibreOffice's PDF")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        targets = {"sqlite": f"sqlite:///{tmp}/bench.db"}
        if os.environ.get("DATABASE_URL", "").startswith("postgresql"):
            targets["postgresql"] = os.environ["DATABASE_URL"]
        for name, url in targets.items():
            print(f"{name}:", flush=True)
            if name == "postgresql":
                with postgres_schema(url) as schema_url:
                    await run_once(schema_url, args.items, args.units, args.out, args.pdf)
            else:
                await run_once(url, args.items, args.units, args.out, args.pdf)


if __name__ == "__main__":
    asyncio.run(main())

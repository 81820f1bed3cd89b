"""The public board is applied in the reporting inbox's transaction: once per event, and not
at all when the transaction fails."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from services.reporting.adapters import tables
from services.reporting.public_service import board_effect
from shared.calendar import load_calendar
from shared.clock import SettableClock
from shared.contracts.base import Message
from shared.storage.database import create_engine
from shared.storage.inbox import InboxRecorder
from shared.storage.migrations import upgrade
from tests.support.item_story import ItemStory
from tests.support.samples import T0


async def test_events_change_the_board_once_and_only_with_the_inbox(database_url: str) -> None:
    upgrade(database_url, "reporting")
    db = create_engine(database_url)
    effect = board_effect(load_calendar(None))
    recorder = InboxRecorder(db, tables.inbox, SettableClock(T0), effects=[effect])
    story = ItemStory(public=True)
    first = story.with_progress([story.registered(), story.approved(), story.assigned()])
    await recorder.batch(first)
    await recorder.batch(first[1:])  # redelivered: nothing changes
    signed = story.with_progress([story.signed()])

    async def failing(connection: object, fresh: list[Message]) -> None:
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        await InboxRecorder(db, tables.inbox, SettableClock(T0), effects=[effect, failing]).batch(signed)
    async with db.connect() as connection:
        row = (await connection.execute(select(tables.public_items))).mappings().one()
        recorded = (await connection.execute(select(func.count()).select_from(tables.inbox))).scalar_one()
    assert (row["status"], row["public"], row["title"]) == ("assigned", True, story.title)
    assert recorded == len(first)  # the failed batch left neither its inbox rows nor its board change

    await recorder.batch(signed)  # delivered again, it applies
    async with db.connect() as connection:
        row = (await connection.execute(select(tables.public_items))).mappings().one()
    await db.dispose()
    assert row["status"] == "in_progress"

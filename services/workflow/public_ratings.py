"""The public's rating of an item (群众评价 on the public board), as the reporting service
publishes it (``public.rating_changed``): recorded once (inbox) on the item's details, the latest
by its time, and shown to the revisit (回访复核) as evidence for the 群众是否满意 finding. The
workflow service never reads the reporting service's tables."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from services.workflow.adapters import tables
from shared.clock import Clock
from shared.contracts.public_events import PublicRatingChanged
from shared.storage.database import reading
from shared.storage.inbox import record_once

log = logging.getLogger("duban.workflow")
KEY = "public_rating"  # under the item's details: {"average", "count", "at"}


async def record_public_rating(db: AsyncEngine, clock: Clock, event: PublicRatingChanged) -> bool:
    """Keep the item's latest rating; False when the event was applied already, is older than
    the one kept, or concerns no item of this service."""
    t = tables.items
    async with db.begin() as connection:
        if not await record_once(connection, tables.inbox, event, clock.now()):
            return False
        row = (await connection.execute(select(t.c.details).where(t.c.id == event.item_id).with_for_update())).first()
        if row is None:
            log.warning("a public rating for an unknown item", extra={"item_id": str(event.item_id)})
            return False
        details = dict(row.details or {})
        kept = details.get(KEY)
        if isinstance(kept, dict) and dt.datetime.fromisoformat(kept["at"]) > event.occurred_at:
            return False  # an older rating arrived late
        details[KEY] = {"average": event.average, "count": event.count, "at": event.occurred_at.isoformat()}
        await connection.execute(update(t).where(t.c.id == event.item_id).values(details=details))
    return True


async def public_ratings(db: AsyncEngine, item_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """The kept ratings of these items (``{"average", "count"}``); an item the public never rated has none."""
    if not item_ids:
        return {}
    t = tables.items
    async with reading(db) as connection:
        rows = (await connection.execute(select(t.c.id, t.c.details).where(t.c.id.in_(item_ids)))).all()
    return {r.id: {"average": kept["average"], "count": kept["count"]} for r in rows
            if isinstance(kept := (r.details or {}).get(KEY), dict)}

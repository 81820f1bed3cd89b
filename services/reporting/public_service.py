"""The public board's use cases: the board read by anyone, the approved progress text, and
the public's feedback, limited per client address and kept by the office."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.ledger.domain.projection import Projection
from services.ledger.domain.state import ItemState
from services.reporting.adapters import public_store as store
from services.reporting.domain.public_board import NotOnBoardYet, PublicItemNotFound, Rating, item_view
from services.reporting.domain.public_feedback import Feedback, FeedbackNotFound, FloodLimit
from shared.calendar import WorkingCalendar
from shared.calendar.deadline_rules import reminder_day
from shared.clock import Clock, today_in_china
from shared.contracts.public_events import PublicRatingChanged
from shared.identity import OrgDirectory
from shared.storage.outbox import Outbox

PUBLIC_FEEDBACK_SHOWN = 50
"""The newest visible feedback shown with an item."""


def board_effect(calendar: WorkingCalendar) -> store.BoardEffect:
    """The inbox effect that keeps the board (the ledger's projection; unit names are not needed)."""
    return store.BoardEffect(Projection(unit_name=lambda unit: unit, yellow_from=lambda due: reminder_day(calendar, due)))


@dataclass
class PublicBoard:
    db: AsyncEngine
    clock: Clock
    directory: OrgDirectory
    flood: FloodLimit
    outbox: Outbox  # public.rating_changed, staged in the feedback's (or the hiding's) transaction
    wake: Callable[[], None] = lambda: None  # the relay's: staged messages leave at once

    def _unit_name(self, unit_id: str | None) -> str:
        unit = self.directory.unit(unit_id) if unit_id else None
        return unit.display_name if unit else (unit_id or "")

    async def _views(self, connection: Any, states: Sequence[ItemState]) -> list[dict[str, Any]]:
        ids = [s.item_id for s in states]
        texts, ratings = await store.texts(connection, ids), await store.ratings(connection, ids)
        today = today_in_china(self.clock)
        return [item_view(s, texts.get(s.item_id), ratings.get(s.item_id, Rating()), today,
                          self._unit_name(s.lead_unit)) for s in states]

    async def items(self, *, unit: str | None, statuses: Sequence[str], offset: int,
                    limit: int) -> tuple[list[dict[str, Any]], int]:
        async with self.db.connect() as connection:
            states, total = await store.board_items(connection, unit=unit, statuses=statuses, offset=offset,
                                                    limit=limit)
            return await self._views(connection, states), total

    async def item(self, item_id: uuid.UUID) -> dict[str, Any]:
        async with self.db.connect() as connection:
            state = await store.board_item(connection, item_id)
            if state is None:
                raise PublicItemNotFound(item_id)
            [view] = await self._views(connection, [state])
            shown, _ = await store.feedback_list(connection, item_id=item_id, hidden=False,
                                                 limit=PUBLIC_FEEDBACK_SHOWN)
        return {**view, "feedback": [f.public_view() for f in shown]}

    async def approve_text(self, item_id: uuid.UUID, text: str, by: str) -> dict[str, Any]:
        """The office sets the progress text the public sees (公开进展)."""
        async with self.db.begin() as connection:
            state = await store.board_item(connection, item_id, listed_only=False)
            if state is None or not state.public or state.placeholder:
                raise NotOnBoardYet(item_id)
            await store.save_text(connection, item_id, text, by, self.clock.now())
        return {"item_id": item_id, "text": text, "approved_by": by}

    async def give_feedback(self, item_id: uuid.UUID, *, rating: int, text: str, contact: str | None,
                            client: str) -> dict[str, Any]:
        async with self.db.begin() as connection:
            if await store.board_item(connection, item_id) is None:
                raise PublicItemNotFound(item_id)
            await store.lock_client(connection, client)
            await store.lock_item(connection, item_id)
            now = self.clock.now()
            self.flood.check(await store.recent_from(connection, client, now - self.flood.window), now)
            feedback = Feedback(id=uuid.uuid4(), item_id=item_id, rating=rating, text=text, contact=contact,
                                client=client, created_at=now)
            await store.add_feedback(connection, feedback)
            await self._rating_changed(connection, item_id, "public")
        self.wake()
        return feedback.public_view()

    async def _rating_changed(self, connection: AsyncConnection, item_id: uuid.UUID, actor: str) -> None:
        """Tell the other services the item's visible average now (the revisit task shows it)."""
        rating = (await store.ratings(connection, [item_id])).get(item_id, Rating())
        await self.outbox.stage(connection, PublicRatingChanged(
            occurred_at=self.clock.now(), actor=actor, item_id=item_id, average=rating.average, count=rating.count))

    async def feedback(self, *, item_id: uuid.UUID | None, hidden: bool | None, answered: bool | None,
                       offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        async with self.db.connect() as connection:
            found, total = await store.feedback_list(connection, item_id=item_id, hidden=hidden, answered=answered,
                                                     offset=offset, limit=limit)
        return [f.office_view() for f in found], total

    async def hide(self, feedback_id: uuid.UUID, reason: str, by: str) -> dict[str, Any]:
        """Hidden feedback no longer counts: the item's new average is published with it."""
        return await self._change(feedback_id, lambda f: f.hide(reason, by, self.clock.now()), rating_by=by)

    async def answer(self, feedback_id: uuid.UUID, text: str, by: str) -> dict[str, Any]:
        return await self._change(feedback_id, lambda f: f.answered(text, by, self.clock.now()))

    async def _change(self, feedback_id: uuid.UUID, verb: Any, rating_by: str | None = None) -> dict[str, Any]:
        async with self.db.begin() as connection:
            found = await store.feedback_of(connection, feedback_id, lock=True)
            if found is None:
                raise FeedbackNotFound(feedback_id)
            if rating_by is not None:  # after the row's lock: no other order is taken, so no deadlock
                await store.lock_item(connection, found.item_id)
            changed: Feedback = verb(found)
            await store.save_feedback(connection, changed)
            if rating_by is not None:
                await self._rating_changed(connection, changed.item_id, rating_by)
        if rating_by is not None:
            self.wake()
        return changed.office_view()


def flood_limit(limit: int, window_seconds: int) -> FloodLimit:
    return FloodLimit(limit=limit, window=dt.timedelta(seconds=window_seconds))

"""The ledger's use cases: apply a consumed event; read rows as views for a caller."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from services.ledger.adapters import queries, stats_sql
from services.ledger.adapters.queries import ItemFilter
from services.ledger.adapters.store import LedgerStore
from services.ledger.domain import stats
from services.ledger.domain.projection import Projection
from services.ledger.domain.state import ItemState
from services.ledger.domain.views import Namer, item_view, records_view, timeline_view
from shared.calendar import WorkingCalendar
from shared.calendar.deadline_rules import reminder_day
from shared.clock import Clock, today_in_china
from shared.contracts.base import Message
from shared.identity import OrgDirectory, Principal


def projection_for(directory: OrgDirectory, calendar: WorkingCalendar) -> Projection:
    namer = Namer(directory)
    return Projection(unit_name=namer.unit, yellow_from=lambda due: reminder_day(calendar, due))


class ItemNotFound(LookupError):
    def __init__(self, item_id: uuid.UUID) -> None:
        super().__init__(f"事项 {item_id} 不存在或无权查看")


@dataclass
class LedgerService:
    db: AsyncEngine
    clock: Clock
    calendar: WorkingCalendar
    directory: OrgDirectory

    def __post_init__(self) -> None:
        self.store = LedgerStore(projection_for(self.directory, self.calendar))
        self.namer = Namer(self.directory)

    async def consume(self, message: Message) -> None:
        """The consumer's handler: the event and its effects in one transaction."""
        await self.consume_batch([message])

    async def consume_batch(self, messages: list[Message]) -> None:
        """A fetched batch of events and their effects in one transaction."""
        async with self.db.begin() as connection:
            await self.store.apply(connection, messages, self.clock.now())

    def today(self) -> dt.date:
        return today_in_china(self.clock)

    def _view(self, state: ItemState, today: dt.date) -> dict[str, Any]:
        return item_view(state, today, self.namer, self.calendar)

    async def items(self, f: ItemFilter, principal: Principal, *, sort: str, offset: int = 0,
                    limit: int | None = None) -> tuple[list[dict[str, Any]], int]:
        today = self.today()
        rows, total = await queries.list_items(self.db, f, principal, today, sort=sort, offset=offset, limit=limit)
        return [self._view(r, today) for r in rows], total

    async def item(self, item_id: uuid.UUID, principal: Principal) -> dict[str, Any]:
        state, entries = await queries.item_with_timeline(self.db, item_id)
        if state is None or not queries.can_see(principal, state):
            raise ItemNotFound(item_id)
        return {**self._view(state, self.today()), **records_view(state, self.namer),
                "timeline": [timeline_view(e, self.namer) for e in entries]}

    async def stats(self, period: stats.Period, principal: Principal) -> dict[str, Any]:
        counts = await stats_sql.unit_counts(self.db, period)
        if principal.sees_all:
            rows = stats.table(counts, [u.id for u in self.directory.units])
        else:
            rows = stats.table({k: v for k, v in counts.items() if k == principal.unit},
                               [principal.unit] if principal.unit else [])
        for row in rows:
            row["unit_name"] = self.namer.unit(row["unit"])
        return {"from": period.start, "to": period.end, "units": rows, "total": stats.totals(rows)}

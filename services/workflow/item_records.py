"""What the office records on an item besides its process: third-party evaluations (第三方评估)
and research notes (调研). Each is one transaction: the item checked and locked, the evaluation's
file bound to the item, the event staged in the outbox; the ledger keeps and shows them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.workflow.adapters import attachment_rows, tables
from services.workflow.domain.refusals import DateInFuture, NotFound
from services.workflow.unit_of_work import UnitOfWork
from shared.clock import today_in_china
from shared.contracts.enums import EvaluationRating
from shared.contracts.record_events import ItemEvaluated, ItemResearched
from shared.identity import Principal
from shared.visibility import sees_item


def check_not_after_today(day: dt.date, today: dt.date, *, what: str) -> None:
    """A record tells what happened: it is dated today at the latest."""
    if day > today:
        raise DateInFuture(f"{what}日期不能晚于今天 (date {day} is after today, {today})")


@dataclass
class ItemRecords:
    uow: UnitOfWork  # its engine, clock, outbox and the relay's wake-up

    async def evaluate(self, item_id: uuid.UUID, *, evaluator: str, on: dt.date, conclusion: str,
                       rating: EvaluationRating | None, attachment: uuid.UUID | None,
                       principal: Principal) -> dict[str, Any]:
        """Record a third-party evaluation; its file (an upload of the caller's) is bound to the item."""
        now = self.uow.clock.now()
        check_not_after_today(on, today_in_china(self.uow.clock), what="评估")
        async with self.uow.db.begin() as connection:
            await self._locked_item(connection, item_id, principal)
            name = None
            if attachment is not None:
                name = await attachment_rows.bind_to_item(connection, attachment, principal=principal,
                                                          item_id=item_id, field="attachment", now=now)
            event = ItemEvaluated(item_id=item_id, occurred_at=now, actor=principal.username, evaluator=evaluator,
                                  evaluated_on=on, conclusion=conclusion, rating=rating, attachment=attachment,
                                  attachment_name=name)
            await self.uow.outbox.stage(connection, event)
        self.uow.wake()
        return {"id": event.event_id, "item_id": item_id, "kind": event.kind, "evaluator": event.evaluator,
                "date": on, "conclusion": event.conclusion, "rating": rating,
                "attachment": attachment, "attachment_name": name, "recorded_at": now}

    async def research(self, item_id: uuid.UUID, *, on: dt.date, text: str, author: str | None, place: str | None,
                       principal: Principal) -> dict[str, Any]:
        """Record a research note (调研) on the item."""
        now = self.uow.clock.now()
        check_not_after_today(on, today_in_china(self.uow.clock), what="调研")
        async with self.uow.db.begin() as connection:
            await self._locked_item(connection, item_id, principal)
            event = ItemResearched(item_id=item_id, occurred_at=now, actor=principal.username, researched_on=on,
                                   author=author, place=place, text=text)
            await self.uow.outbox.stage(connection, event)
        self.uow.wake()
        return {"id": event.event_id, "item_id": item_id, "kind": event.kind, "date": on, "author": event.author,
                "place": event.place, "text": event.text, "recorded_at": now}

    @staticmethod
    async def _locked_item(connection: AsyncConnection, item_id: uuid.UUID, principal: Principal) -> None:
        """The item, locked until the commit (its events leave the outbox in the order they were
        staged); ``NotFound`` for one that does not exist or the caller may not see."""
        t = tables.items
        row = (await connection.execute(select(t.c.lead_unit, t.c.co_units).where(t.c.id == item_id)
                                        .with_for_update())).first()
        if row is None or not sees_item(principal, [row.lead_unit, *row.co_units]):
            raise NotFound(f"事项不存在 (item {item_id} not found)")

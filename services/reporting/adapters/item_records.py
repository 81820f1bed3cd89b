"""Third-party evaluations (第三方评估) and research notes (调研) for the work brief (督查工作简报):
kept from ``item.evaluated`` and ``item.researched`` in the inbox's transaction (an effect of
``InboxRecorder``), listed for a period with their items' code and title."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.reporting.adapters import tables
from shared.contracts import events as ev
from shared.contracts.base import Message
from shared.unit_stats import Period

R, ITEMS = tables.item_records, tables.items
EVALUATION, RESEARCH = "evaluation", "research"


def _row(message: Message) -> dict[str, Any] | None:
    common = {"event_id": message.event_id, "recorded_by": message.actor, "recorded_at": message.occurred_at}
    match message:
        case ev.ItemEvaluated():
            return {**common, "item_id": message.item_id, "kind": EVALUATION, "day": message.evaluated_on,
                    "author": message.evaluator, "place": None, "text": message.conclusion,
                    "rating": message.rating.value if message.rating else None,
                    "attachment_name": message.attachment_name}
        case ev.ItemResearched():
            return {**common, "item_id": message.item_id, "kind": RESEARCH, "day": message.researched_on,
                    "author": message.author, "place": message.place, "text": message.text, "rating": None,
                    "attachment_name": None}
    return None


async def record_item_records(connection: AsyncConnection, fresh: Sequence[Message]) -> None:
    """The effect: each new evaluation or research note stored once (the inbox saw it first)."""
    rows = [row for message in fresh if (row := _row(message)) is not None]
    if rows:
        await connection.execute(insert(R), rows)


async def _listed(connection: AsyncConnection, kind: str, period: Period) -> list[dict[str, Any]]:
    query = (select(R, ITEMS.c.code, ITEMS.c.title, ITEMS.c.lead_unit).select_from(
        R.outerjoin(ITEMS, ITEMS.c.item_id == R.c.item_id))
        .where(R.c.kind == kind, R.c.day.between(period.start, period.end))
        .order_by(R.c.day, R.c.recorded_at, R.c.event_id))
    return [{"id": r.event_id, "item_id": r.item_id, "code": r.code or "", "title": r.title or "",
             "lead_unit": r.lead_unit, "date": r.day, "text": r.text, "recorded_by": r.recorded_by,
             "recorded_at": r.recorded_at, **_fields_of(kind, r)}
            for r in (await connection.execute(query)).all()]


def _fields_of(kind: str, r: Any) -> dict[str, Any]:
    if kind == EVALUATION:
        return {"evaluator": r.author, "rating": r.rating, "attachment_name": r.attachment_name}
    return {"author": r.author, "place": r.place}


async def evaluations_in(connection: AsyncConnection, period: Period) -> list[dict[str, Any]]:
    """The third-party evaluations made in the period (by the day evaluated), with the item's
    code, title and lead unit: ``evaluator``, ``date``, ``text`` (the conclusion), ``rating``,
    ``attachment_name``."""
    return await _listed(connection, EVALUATION, period)


async def research_notes_in(connection: AsyncConnection, period: Period) -> list[dict[str, Any]]:
    """The research notes of the period (by the day researched), with the item's code, title
    and lead unit: ``author``, ``place``, ``date``, ``text`` (the findings)."""
    return await _listed(connection, RESEARCH, period)

"""The public board's SQL: applying events in the inbox's transaction, reading the board,
storing the approved texts and the feedback."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import Select, and_, bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from services.ledger.domain.projection import Projection, item_id_of
from services.ledger.domain.state import ItemState
from services.reporting.adapters import tables
from services.reporting.domain import public_board as board
from services.reporting.domain.public_board import PublicText, Rating
from services.reporting.domain.public_feedback import Feedback
from shared.contracts.base import Message

T = tables.public_items
F = tables.feedback


@dataclass(frozen=True)
class BoardEffect:
    """An effect of ``InboxRecorder``: the fresh events applied to the board, in its transaction."""

    projection: Projection

    async def __call__(self, connection: AsyncConnection, fresh: Sequence[Message]) -> None:
        wanted = {i for m in fresh if (i := item_id_of(m)) is not None}
        if not wanted:
            return
        query = select(T).where(T.c.item_id.in_(wanted)).order_by(T.c.item_id).with_for_update()
        before = {r["item_id"]: board.state_of(dict(r)) for r in (await connection.execute(query)).mappings()}
        rows = dict(before)
        for message in fresh:
            if (item_id := item_id_of(message)) is not None:
                rows[item_id] = board.apply(self.projection, rows.get(item_id) or ItemState(item_id), message)
        created = [board.row_of(s) for i, s in rows.items() if i not in before]
        changed = [{**_without_id(board.row_of(s)), "key": i} for i, s in rows.items()
                   if i in before and s != before[i]]
        if created:
            await connection.execute(insert(T), created)
        if changed:
            await connection.execute(update(T).where(T.c.item_id == bindparam("key")), changed)


def _without_id(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != "item_id"}


def _on_board() -> Any:
    return and_(T.c.public.is_(True), T.c.placeholder.is_(False), T.c.status.in_([s.value for s in board.LISTED]))


async def board_items(connection: AsyncConnection, *, unit: str | None, statuses: Sequence[str], offset: int,
                      limit: int) -> tuple[list[ItemState], int]:
    query: Select[Any] = select(T).where(_on_board())
    if unit:
        query = query.where(T.c.lead_unit == unit)
    if statuses:
        query = query.where(T.c.status.in_(statuses))
    total = (await connection.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    page = query.order_by(T.c.registered_at.desc(), T.c.item_id).offset(offset).limit(limit)
    return [board.state_of(dict(r)) for r in (await connection.execute(page)).mappings()], total


async def board_item(connection: AsyncConnection, item_id: UUID, *, listed_only: bool = True) -> ItemState | None:
    query = select(T).where(T.c.item_id == item_id)
    row = (await connection.execute(query.where(_on_board()) if listed_only else query)).mappings().first()
    return board.state_of(dict(row)) if row else None


async def texts(connection: AsyncConnection, item_ids: Sequence[UUID]) -> dict[UUID, PublicText]:
    t = tables.public_texts
    rows = await connection.execute(select(t).where(t.c.item_id.in_(item_ids)))
    return {r.item_id: PublicText(r.text, r.approved_at) for r in rows}


async def save_text(connection: AsyncConnection, item_id: UUID, text: str, by: str, now: dt.datetime) -> None:
    t = tables.public_texts
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    values = {"text": text, "approved_by": by, "approved_at": now}
    statement = dialect.insert(t).values(item_id=item_id, **values)
    await connection.execute(statement.on_conflict_do_update(index_elements=[t.c.item_id], set_=values))


async def ratings(connection: AsyncConnection, item_ids: Sequence[UUID]) -> dict[UUID, Rating]:
    query = (select(F.c.item_id, func.avg(F.c.rating), func.count())
             .where(F.c.item_id.in_(item_ids), F.c.hidden.is_(False)).group_by(F.c.item_id))
    return {i: Rating(round(float(avg), 1), n) for i, avg, n in await connection.execute(query)}


async def recent_from(connection: AsyncConnection, client: str, since: dt.datetime) -> list[dt.datetime]:
    """When the client's feedback was stored since ``since``, oldest first (hidden included)."""
    query = select(F.c.created_at).where(F.c.client == client, F.c.created_at > since).order_by(F.c.created_at)
    return list((await connection.execute(query)).scalars())


async def add_feedback(connection: AsyncConnection, feedback: Feedback) -> None:
    await connection.execute(insert(F).values(**asdict(feedback)))


async def feedback_of(connection: AsyncConnection, feedback_id: UUID, *, lock: bool = False) -> Feedback | None:
    query = select(F).where(F.c.id == feedback_id)
    row = (await connection.execute(query.with_for_update() if lock else query)).mappings().first()
    return Feedback(**dict(row)) if row else None


async def save_feedback(connection: AsyncConnection, feedback: Feedback) -> None:
    values = {k: v for k, v in asdict(feedback).items() if k != "id"}
    await connection.execute(update(F).where(F.c.id == feedback.id).values(**values))


async def feedback_list(connection: AsyncConnection, *, item_id: UUID | None = None, hidden: bool | None = None,
                        answered: bool | None = None, offset: int = 0, limit: int | None = None,
                        newest_first: bool = True) -> tuple[list[Feedback], int]:
    query: Select[Any] = select(F)
    if item_id is not None:
        query = query.where(F.c.item_id == item_id)
    if hidden is not None:
        query = query.where(F.c.hidden.is_(hidden))
    if answered is not None:
        query = query.where(F.c.answered_at.is_not(None) if answered else F.c.answered_at.is_(None))
    total = (await connection.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    order = F.c.created_at.desc() if newest_first else F.c.created_at
    page = query.order_by(order, F.c.id).offset(offset).limit(limit)
    return [Feedback(**dict(r)) for r in (await connection.execute(page)).mappings()], total


async def lock_client(connection: AsyncConnection, client: str) -> None:
    """Serialise one client's feedback across replicas (PostgreSQL; SQLite writes one at a time)."""
    if connection.dialect.name == "postgresql":
        await connection.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"reporting-feedback:{client}"))))


async def lock_item(connection: AsyncConnection, item_id: UUID) -> None:
    """Serialise the changes of one item's ratings across replicas, so the average each publishes
    counts every earlier change (PostgreSQL; SQLite writes one at a time)."""
    if connection.dialect.name == "postgresql":
        await connection.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"reporting-rating:{item_id}"))))

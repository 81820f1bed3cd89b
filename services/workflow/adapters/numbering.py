"""Registering without collisions: the year's item number and the caller's idempotency key."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.workflow.adapters import tables
from services.workflow.domain.refusals import IdempotencyKeyReused
from shared.storage.database import upsert


async def next_number(connection: AsyncConnection, year: int) -> int:
    """The year's next item number, from one atomic upsert of its counter: the row lock
    (PostgreSQL) or the write lock it takes (SQLite) holds other registrations back until
    this one commits, so no two get the same number."""
    t = tables.item_numbers
    statement = upsert(connection, t).values(year=year, last=1)
    statement = statement.on_conflict_do_update(index_elements=[t.c.year], set_={"last": t.c.last + 1})
    return (await connection.execute(statement.returning(t.c.last))).scalar_one()


async def claim_key(connection: AsyncConnection, actor: str, key: str, form: dict[str, Any], item_id: uuid.UUID,
                    now: dt.datetime) -> uuid.UUID | None:
    """Record the key for this request; the item of an earlier identical request, if any.
    A concurrent request with the same key waits on the key's row until this one ends."""
    t = tables.idempotency_keys
    digest = hashlib.sha256(json.dumps(form, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    statement = upsert(connection, t).values(actor=actor, key=key, request_digest=digest, item_id=item_id,
                                             created_at=now)
    if (await connection.execute(statement.on_conflict_do_nothing().returning(t.c.item_id))).first():
        return None
    earlier = (await connection.execute(select(t.c.request_digest, t.c.item_id).where(
        t.c.actor == actor, t.c.key == key))).one()
    if earlier.request_digest != digest:
        raise IdempotencyKeyReused(f"Idempotency-Key {key!r} was used for a different request")
    return earlier.item_id

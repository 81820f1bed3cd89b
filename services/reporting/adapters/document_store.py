"""The published bulletins' documents in the reporting tables (a row each, so every replica serves the same)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.reporting.adapters import tables
from shared.storage.database import upsert

D, B = tables.documents, tables.bulletins


async def missing(connection: AsyncConnection, *, limit: int) -> list[uuid.UUID]:
    """Published bulletins without a document yet, oldest publication first."""
    query = (select(B.c.id).where(B.c.status == "published", B.c.id.not_in(select(D.c.bulletin_id)))
             .order_by(B.c.published_at, B.c.id).limit(limit))
    return list((await connection.execute(query)).scalars())


async def save(connection: AsyncConnection, row: dict[str, Any]) -> None:
    """Store a rendered document once (another replica may have stored the same meanwhile)."""
    await connection.execute(upsert(connection, D).values(**row).on_conflict_do_nothing())


async def published_document(connection: AsyncConnection, bulletin_id: uuid.UUID) -> dict[str, Any] | None:
    """A published bulletin's number and its stored document (``docx`` None: not rendered yet);
    None when no published bulletin has this id."""
    query = (select(B.c.number, D.c.docx, D.c.pdf, D.c.pdf_problem).select_from(B.outerjoin(D, D.c.bulletin_id == B.c.id))
             .where(B.c.id == bulletin_id, B.c.status == "published"))
    row = (await connection.execute(query)).mappings().first()
    return dict(row) if row else None

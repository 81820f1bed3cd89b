"""The attachments' rows: recorded after an upload, read for a download, bound by a form."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.workflow.adapters import tables
from services.workflow.domain.attachment_access import binding_refused
from services.workflow.domain.attachment_refs import Loc
from services.workflow.domain.forms import InvalidForm
from shared.identity import Principal

t = tables.attachments


def view(row: Mapping[str, Any]) -> dict[str, Any]:
    """What the API tells of an attachment (``row``: its columns)."""
    return {name: row[name] for name in ("id", "name", "size", "sha256", "media_type")}


async def record(connection: AsyncConnection, **values: Any) -> None:
    await connection.execute(insert(t).values(**values))


async def of_item(connection: AsyncConnection, item_id: uuid.UUID) -> list[dict[str, Any]]:
    """The files the item's forms name, in the order they were bound, with who uploaded them
    and the task whose form named them."""
    rows = (await connection.execute(select(t).where(t.c.item_id == item_id).order_by(t.c.bound_at, t.c.name))).all()
    return [{**view(r._mapping), "uploaded_by": r.uploaded_by, "uploader_unit": r.uploader_unit,
             "uploaded_at": r.uploaded_at, "task_id": r.task_id, "bound_at": r.bound_at} for r in rows]


async def drop_unbound(connection: AsyncConnection, uploaded_before: dt.datetime, limit: int) -> list[str]:
    """Delete up to ``limit`` rows of files no form named that were uploaded before the time;
    their storage keys. A form that names one meanwhile keeps it (its row is bound, not deleted)."""
    ids = (await connection.execute(select(t.c.id).where(t.c.bound_at.is_(None), t.c.uploaded_at < uploaded_before)
                                    .order_by(t.c.uploaded_at).limit(limit))).scalars().all()
    if not ids:
        return []
    return list((await connection.execute(delete(t).where(t.c.id.in_(ids), t.c.bound_at.is_(None))
                                          .returning(t.c.storage_key))).scalars())


async def find(connection: AsyncConnection, attachment_id: uuid.UUID) -> Any:
    return (await connection.execute(select(t).where(t.c.id == attachment_id))).first()


async def bind(connection: AsyncConnection, refs: Sequence[tuple[Loc, uuid.UUID]], *, principal: Principal,
               item_id: uuid.UUID | None, task_id: uuid.UUID, now: dt.datetime) -> None:
    """Bind each attachment a form names to the task's item, or refuse the form (422 on the
    field) if one is unknown, another's, or bound to another item; in the caller's transaction."""
    problems = []
    for loc, attachment_id in refs:
        row = (await connection.execute(select(t).where(t.c.id == attachment_id).with_for_update())).first()
        reason = binding_refused(principal, row, item_id)
        if reason is None:
            free_or_same = or_(t.c.bound_at.is_(None), and_(t.c.item_id.is_not(None), t.c.item_id == item_id))
            changed = await connection.execute(update(t).where(t.c.id == attachment_id, free_or_same).values(
                item_id=item_id, task_id=task_id, bound_at=now))
            if changed.rowcount != 1:
                reason = "the attachment belongs to another task's form already"
        if reason is not None:
            problems.append({"loc": list(loc), "msg": f"{reason}: {attachment_id}"})
    if problems:
        raise InvalidForm(problems)


async def bind_to_item(connection: AsyncConnection, attachment_id: uuid.UUID, *, principal: Principal,
                       item_id: uuid.UUID, field: str, now: dt.datetime) -> str:
    """Bind one attachment to the item outside any task (a record the office keeps on it: an
    evaluation's file), or refuse it (422 on ``field``) like a form's; its file name. One bound
    to the item already stays as it is."""
    row = (await connection.execute(select(t).where(t.c.id == attachment_id).with_for_update())).first()
    reason = binding_refused(principal, row, item_id)
    if reason is not None:
        raise InvalidForm([{"loc": [field], "msg": f"{reason}: {attachment_id}"}])
    if row.bound_at is None:
        await connection.execute(update(t).where(t.c.id == attachment_id).values(item_id=item_id, bound_at=now))
    return str(row.name)

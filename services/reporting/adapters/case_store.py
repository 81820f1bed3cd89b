"""The bulletin-born accountability cases in the reporting tables: followed in the inbox's
transaction (an inbox effect), read for the next bulletins' figures, marked once reported."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, fields
from typing import Any
from uuid import UUID

from sqlalchemy import exists, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.reporting.adapters import tables
from services.reporting.domain import case_outcomes as co
from shared.contracts import events as ev
from shared.contracts.base import Message
from shared.contracts.registry import parse_message

C = tables.cases
FIELDS = tuple(f.name for f in fields(co.Case))


async def follow_cases(connection: AsyncConnection, fresh: Sequence[Message]) -> None:
    """The inbox effect: a bulletin's case recorded when opened, then its measure, report and closing."""
    wanted = [m for m in fresh if isinstance(m, co.CASE_EVENTS)]
    if not wanted:
        return
    ids = {i for m in wanted if (i := co.case_id_of(m)) is not None}
    query = select(C).where(C.c.case_id.in_(ids)).order_by(C.c.case_id).with_for_update()
    before = {r["case_id"]: co.Case(**{k: r[k] for k in FIELDS}) for r in (await connection.execute(query)).mappings()}
    cases = dict(before)
    for message in wanted:
        if (new := co.opened(message)) is not None:
            cases.setdefault(new.case_id, new)
        elif (case_id := co.case_id_of(message)) in cases:
            cases[case_id] = co.followed(cases[case_id], message)
    created = [asdict(c) for i, c in cases.items() if i not in before]
    if created:
        await connection.execute(insert(C), created)
    for case_id, case in cases.items():
        if case_id in before and case != before[case_id]:
            await connection.execute(update(C).where(C.c.case_id == case_id).values(
                **{k: v for k, v in asdict(case).items() if k != "case_id"}))


async def outcomes_for(connection: AsyncConnection, bulletin: dict[str, Any],
                       period_end: dt.datetime) -> list[dict[str, Any]]:
    """The earlier bulletins' cases (same kind) a bulletin reports, by the criticising bulletin and unit."""
    b = tables.bulletins
    query = (select(C, b.c.number).join(b, b.c.id == C.c.bulletin_id)
             .where(b.c.kind == bulletin["kind"], C.c.bulletin_id != bulletin["id"],
                    or_(C.c.reported_in.is_(None), C.c.reported_in == bulletin["id"]))
             .order_by(b.c.published_at, b.c.number, C.c.unit, C.c.case_id))
    found = []
    for row in (await connection.execute(query)).mappings():
        case = co.Case(**{k: row[k] for k in FIELDS})
        if co.reportable(case, bulletin["id"], period_end):
            found.append(co.outcome(case, row["number"]))
    return found


async def mark_reported(connection: AsyncConnection, bulletin_id: UUID, outcomes: Sequence[dict[str, Any]]) -> None:
    """The closed cases a published bulletin reported are not reported again."""
    closed = [UUID(o["case_id"]) for o in outcomes if o["status"] == "closed"]
    if closed:
        await connection.execute(update(C).where(C.c.case_id.in_(closed)).values(reported_in=bulletin_id))


async def fill_cases_from_inbox(db: AsyncEngine) -> int:
    """When no case is recorded yet and the inbox holds accountability events (a database
    upgraded to 0005 after consuming them), follow them again in the order received."""
    i = tables.inbox
    order = (i.c.received_at, i.c.occurred_at, i.c.event_id)
    async with db.begin() as connection:
        if (await connection.execute(select(exists().select_from(C)))).scalar_one():
            return 0
        query = select(i.c.subject, i.c.payload).where(i.c.subject == ev.AccountabilityOpened.subject).order_by(*order)
        if not any(co.opened(parse_message(r.subject, r.payload)) for r in (await connection.execute(query)).all()):
            return 0  # no bulletin opened a case (checked again at the next start: the opened events only)
        query = (select(i.c.subject, i.c.payload).where(i.c.subject.in_([m.subject for m in co.CASE_EVENTS]))
                 .order_by(*order))
        messages = [parse_message(r.subject, r.payload) for r in (await connection.execute(query)).all()]
        await follow_cases(connection, messages)
        return len(messages)

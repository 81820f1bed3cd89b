"""The bulletins' use cases: draft one for a period (numbered), read, record a finding,
adjust a draft's lists, submit it to its approval process, and what the process answers
(returned: a draft again; approved: published, ``bulletin.published`` and one accountability
case per criticised unit, staged in the outbox in the same transaction as the inbox row, so
once per bulletin and unit whatever is redelivered). One transaction each; the clock is the runtime's."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.reporting.adapters import bulletin_store as store
from services.reporting.adapters import case_store, figures_sql
from services.reporting.config import ReportingSettings
from services.reporting.domain import bulletin as b
from services.reporting.domain.bulletin_rules import Rules
from shared.clock import Clock, today_in_china
from shared.contracts.accountability_events import BulletinApproved, BulletinPublished, BulletinReturned
from shared.contracts.base import Message
from shared.contracts.commands import ApproveBulletin, OpenAccountability
from shared.contracts.enums import BulletinKind
from shared.identity import OrgDirectory, Principal
from shared.storage.outbox import Outbox
from shared.unit_stats import Period

CONTRACT_KINDS = {b.BulletinKind.bulletin: BulletinKind.BULLETIN, b.BulletinKind.brief: BulletinKind.BRIEFING}
log = logging.getLogger("duban.reporting")
WorkOf = Callable[[AsyncConnection, Period], Awaitable[dict[str, Any]]]


@dataclass
class BulletinService:
    db: AsyncEngine
    clock: Clock
    directory: OrgDirectory
    settings: ReportingSettings
    rules: Rules
    outbox: Outbox
    wake: Callable[[], None] = lambda: None  # the relay's: staged messages leave at once
    work_of: WorkOf | None = None  # a brief's ``work`` section (the month's plan, on-site days, visits)

    def today(self) -> dt.date:
        return today_in_china(self.clock)

    def unit_name(self, unit_id: str) -> str:
        unit = self.directory.unit(unit_id)
        return unit.display_name if unit else unit_id

    def _number(self, kind: b.BulletinKind, year: int, sequence: int) -> str:
        s = self.settings
        if kind is b.BulletinKind.bulletin:
            return b.number_of(s.bulletin_number, prefix=s.bulletin_prefix, year=year, sequence=sequence)
        return b.number_of(s.brief_number, prefix=s.brief_prefix, year=year, sequence=sequence)

    async def create(self, kind: b.BulletinKind, start: dt.date, end: dt.date, principal: Principal) -> dict[str, Any]:
        period = Period.of(start, end, today=self.today())
        async with self.db.begin() as connection:
            return await self._view(connection, await self._new_draft(connection, kind, period, principal.username))

    async def _new_draft(self, connection: AsyncConnection, kind: b.BulletinKind, period: Period, actor: str,
                         bulletin_id: uuid.UUID | None = None) -> dict[str, Any]:
        year = self.today().year
        sequence = await store.next_sequence(connection, kind.value, year)
        row = {"id": bulletin_id or uuid.uuid4(), "kind": kind.value, "year": year, "sequence": sequence,
               "number": self._number(kind, year, sequence), "status": b.BulletinStatus.draft.value,
               "period_from": period.start, "period_to": period.end, "created_by": actor,
               "created_at": self.clock.now(), "published_at": None, "figures": None}
        await store.add_bulletin(connection, row)
        return row

    async def monthly_draft(self, first_working_day: Callable[[dt.date], dt.date]) -> dict[str, Any] | None:
        """On a month's first working day (or later, after a pause), the month before's draft
        bulletin, made once whatever restarts or replicas (定期通报); None when not due or done."""
        today = self.today()
        due = b.monthly_draft_due(today, first_working_day(today.replace(day=1)))
        if due is None:
            return None
        kind, bulletin_id = b.BulletinKind.bulletin, uuid.uuid4()
        async with self.db.begin() as connection:
            if not await store.claim_scheduled(connection, kind.value, due[0], bulletin_id):
                return None  # made already (by this or another replica)
            row = await self._new_draft(connection, kind, Period(*due), "system", bulletin_id)
            log.info("monthly draft bulletin made", extra={"number": row["number"], "period_from": str(due[0])})
            return await self._view(connection, row)

    async def listing(self, principal: Principal, *, kind: str | None, status: str | None,
                   year: int | None) -> list[dict[str, Any]]:
        if not principal.sees_all:
            if status not in (None, b.BulletinStatus.published.value):
                return []
            status = b.BulletinStatus.published.value
        async with self.db.connect() as connection:
            rows = await store.bulletins(connection, kind=kind, status=status, year=year)
        return [_head(r) for r in rows]

    async def published(self, *, year: int | None) -> list[dict[str, Any]]:
        """The published bulletins as the public sees them."""
        async with self.db.connect() as connection:
            rows = await store.bulletins(connection, kind=None, status=b.BulletinStatus.published.value, year=year)
        keys = ("id", "kind", "number", "title", "period_from", "period_to", "published_at")
        return [{k: v for k, v in {**_head(r), "title": self._title(r)}.items() if k in keys} for r in rows]

    async def get(self, bulletin_id: uuid.UUID, principal: Principal) -> dict[str, Any]:
        async with self.db.begin() as connection:
            row = await store.bulletin(connection, bulletin_id)
            if row is None or not (principal.sees_all or row["status"] == b.BulletinStatus.published.value):
                raise b.BulletinNotFound(bulletin_id)
            return await self._view(connection, row)

    async def published_view(self, bulletin_id: uuid.UUID) -> dict[str, Any] | None:
        """A published bulletin as ``get`` shows it (for its document); None if not published."""
        async with self.db.connect() as connection:
            row = await store.bulletin(connection, bulletin_id)
            if row is None or row["status"] != b.BulletinStatus.published.value:
                return None
            return await self._view(connection, row)

    async def record_finding(self, *, unit: str, item_id: uuid.UUID | None, kind: str, reason: str,
                             principal: Principal) -> dict[str, Any]:
        if self.directory.unit(unit) is None:
            raise b.UnknownUnit(unit)
        row = {"id": uuid.uuid4(), "unit": unit, "item_id": item_id, "kind": kind, "reason": reason,
               "recorded_on": self.today(), "recorded_by": principal.username, "recorded_at": self.clock.now()}
        async with self.db.begin() as connection:
            await store.add_finding(connection, row)
        return {**row, "unit_name": self.unit_name(unit)}

    async def adjust(self, bulletin_id: uuid.UUID, *, listed: str, action: str, unit: str, reason: str,
                     principal: Principal) -> dict[str, Any]:
        async with self.db.begin() as connection:
            row = await self._draft(connection, bulletin_id)
            if action == "add" and self.directory.unit(unit) is None:
                raise b.UnknownUnit(unit)
            if action == "remove":
                current = (await self._figures(connection, row))[listed]
                if unit not in {entry["unit"] for entry in current}:
                    raise b.NotListed(unit, listed)
            await store.add_adjustment(connection, {"bulletin_id": bulletin_id, "list": listed, "action": action,
                                                    "unit": unit, "reason": reason, "made_by": principal.username,
                                                    "made_at": self.clock.now()})
            return await self._view(connection, row)

    async def submit(self, bulletin_id: uuid.UUID, principal: Principal) -> dict[str, Any]:
        """Send a draft to its approval process (the office's 按语, the leader's decision): its
        lists are fixed until the leader returns it."""
        async with self.db.begin() as connection:
            row = await self._draft(connection, bulletin_id)
            kind = b.BulletinKind(row["kind"])
            await store.set_status(connection, bulletin_id, b.BulletinStatus.submitted.value)
            await self.outbox.stage(connection, ApproveBulletin(
                occurred_at=self.clock.now(), actor=principal.username, bulletin_id=bulletin_id,
                bulletin_kind=CONTRACT_KINDS[kind], number=row["number"], title=self._title(row),
                period_start=row["period_from"], period_end=row["period_to"], leader=self.settings.bulletin_approver,
                returned_comment=row.get("leader_comment") or ""))
            view = await self._view(connection, {**row, "status": b.BulletinStatus.submitted.value})
        self.wake()
        return view

    async def on_events(self, connection: AsyncConnection, fresh: Sequence[Message]) -> None:
        """What the approval process answered (an inbox effect: in the inbox row's transaction)."""
        staged = False
        for message in fresh:
            if isinstance(message, (BulletinApproved, BulletinReturned)):
                staged |= await self._answered(connection, message)
        if staged:
            self.wake()

    async def _answered(self, connection: AsyncConnection, answer: BulletinApproved | BulletinReturned) -> bool:
        row = await store.bulletin(connection, answer.bulletin_id, lock=True)
        if row is None or row["status"] != b.BulletinStatus.submitted.value:
            log.warning("an approval answer for a bulletin not awaiting one", extra={
                "bulletin": str(answer.bulletin_id), "status": row["status"] if row else None})
            return False
        if isinstance(answer, BulletinReturned):
            await store.set_status(connection, answer.bulletin_id, b.BulletinStatus.draft.value,
                                   leader_comment=answer.comment)
            return False
        figures, now = await self._figures(connection, row), self.clock.now()
        await store.publish(connection, answer.bulletin_id, figures, now, remarks=answer.remarks,
                            comment=answer.comment)
        await case_store.mark_reported(connection, answer.bulletin_id, figures["accountability_outcomes"])
        title = self._title(row)
        await self.outbox.stage(connection, BulletinPublished(
            occurred_at=now, actor=answer.actor, bulletin_id=answer.bulletin_id,
            bulletin_kind=CONTRACT_KINDS[b.BulletinKind(row["kind"])], title=title, period_start=row["period_from"],
            period_end=row["period_to"], praised_units=[p["unit"] for p in figures["praised"]],
            criticised_units=[c["unit"] for c in figures["criticised"]]), *(OpenAccountability(
                occurred_at=now, actor=answer.actor, unit=c["unit"], bulletin_id=answer.bulletin_id,
                reason=f"{title}通报批评：{'；'.join(c['reasons'])}") for c in figures["criticised"]))
        return True

    def _title(self, row: dict[str, Any]) -> str:
        return f"{row['number']}{b.LABELS[b.BulletinKind(row['kind'])]}"

    async def _draft(self, connection: AsyncConnection, bulletin_id: uuid.UUID) -> dict[str, Any]:
        row = await store.bulletin(connection, bulletin_id, lock=True)
        if row is None:
            raise b.BulletinNotFound(bulletin_id)
        if row["status"] != b.BulletinStatus.draft.value:
            raise b.BulletinNotDraft(row["number"])
        return row

    async def _figures(self, connection: AsyncConnection, row: dict[str, Any]) -> dict[str, Any]:
        """A published bulletin's frozen figures; a draft's from the read model as it is now."""
        if row["figures"] is not None:
            return dict(row["figures"])
        period = Period(row["period_from"], row["period_to"])
        figures = b.figures(period, counts=await figures_sql.unit_counts(connection, period),
                            units=[u.id for u in self.directory.units], unit_name=self.unit_name,
                            by=await figures_sql.totals_by(connection, period),
                            overdue_items=await figures_sql.overdue_items(connection, period),
                            findings=await figures_sql.findings_in(connection, period), rules=self.rules,
                            adjustments=await store.adjustments_of(connection, row["id"]),
                            satisfaction=await figures_sql.satisfaction(connection, period),
                            outcomes=await case_store.outcomes_for(connection, row, period.bounds()[1]))
        if row["kind"] == b.BulletinKind.brief.value and self.work_of is not None:
            figures["work"] = await self.work_of(connection, period)  # 简报: the period's supervision work
        return figures

    async def _view(self, connection: AsyncConnection, row: dict[str, Any]) -> dict[str, Any]:
        adjustments = await store.adjustments_of(connection, row["id"])
        return {**_head(row), "office": self.settings.office_name, "title": b.LABELS[b.BulletinKind(row["kind"])],
                "remarks": row.get("remarks"), "leader_comment": row.get("leader_comment"),
                "figures": await self._figures(connection, row),
                "adjustments": [{**a, "made_at": a["made_at"].isoformat(),
                                 "made_by_name": self.directory.person_name(a["made_by"])} for a in adjustments]}


def _head(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": str(row["id"]), "kind": row["kind"], "number": row["number"], "status": row["status"],
            "year": row["year"], "period_from": row["period_from"].isoformat(),
            "period_to": row["period_to"].isoformat(), "created_at": row["created_at"].isoformat(),
            "published_at": row["published_at"].isoformat() if row["published_at"] else None}

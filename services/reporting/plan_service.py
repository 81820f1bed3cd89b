"""The monthly plans' use cases: make or replace a month's plan, record an on-site visit, read a
month against the 15-day minimum, remind the office in the last week of a month short of days
(once per month: a claim row and the ``SendNotification`` staged in one transaction), and the
month's work for a brief (简报). One transaction each; the clock is the runtime's."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.reporting.adapters import item_records as records
from services.reporting.adapters import plan_store as store
from services.reporting.config import ReportingSettings
from services.reporting.domain import plans as p
from services.reporting.domain.bulletin import UnknownUnit
from shared.clock import Clock, today_in_china
from shared.contracts.commands import SendNotification
from shared.identity import OrgDirectory, Principal, Role
from shared.storage.outbox import Outbox
from shared.unit_stats import Period

log = logging.getLogger("duban.reporting")


@dataclass
class PlanService:
    db: AsyncEngine
    clock: Clock
    directory: OrgDirectory
    settings: ReportingSettings
    outbox: Outbox
    wake: Callable[[], None] = lambda: None  # the relay's: staged messages leave at once

    @property
    def minimum(self) -> int:
        return self.settings.minimum_on_site_days

    def today(self) -> dt.date:
        return today_in_china(self.clock)

    async def create(self, month: p.Month, *, focus: list[str], planned_days: int, teams: list[dict[str, Any]],
                     principal: Principal) -> dict[str, Any]:
        p.check_plan(month, planned_days, today=self.today(), minimum=self.minimum)
        self._check_units(teams)
        row = {"month": str(month), "focus": focus, "planned_on_site_days": planned_days, "teams": teams,
               "created_by": principal.username, "created_at": self.clock.now()}
        async with self.db.begin() as connection:
            if not await store.add_plan(connection, row):
                raise p.PlanExists(month)
            return await self._view(connection, month, {**row, "updated_by": None, "updated_at": None})

    async def replace(self, month: p.Month, *, focus: list[str], planned_days: int, teams: list[dict[str, Any]],
                      principal: Principal) -> dict[str, Any]:
        """The month's plan rewritten (its visits stay)."""
        p.check_plan(month, planned_days, today=self.today(), minimum=self.minimum)
        self._check_units(teams)
        values = {"focus": focus, "planned_on_site_days": planned_days, "teams": teams,
                  "updated_by": principal.username, "updated_at": self.clock.now()}
        async with self.db.begin() as connection:
            if not await store.replace_plan(connection, str(month), values):
                raise p.PlanNotFound(month)
            return await self._view(connection, month, await store.plan(connection, str(month)))

    async def get(self, month: p.Month) -> dict[str, Any]:
        async with self.db.connect() as connection:
            return await self._view(connection, month, await store.plan(connection, str(month)))

    async def add_visit(self, month: p.Month, *, day: dt.date, place: str, items: list[uuid.UUID], team: list[str],
                        joint_group: dict[str, Any] | None, findings: str, principal: Principal) -> dict[str, Any]:
        p.check_visit(month, day, today=self.today())
        if joint_group:
            self._check_group(joint_group)
        async with self.db.begin() as connection:
            if await store.plan(connection, str(month)) is None:
                raise p.PlanNotFound(month)
            known = await store.known_items(connection, items)
            if unknown := [i for i in items if i not in known]:
                raise p.UnknownItems(unknown)
            row = {"id": uuid.uuid4(), "month": str(month), "visited_on": day, "place": place,
                   "items": [str(i) for i in items], "team": team, "joint_group": joint_group, "findings": findings,
                   "recorded_by": principal.username, "recorded_at": self.clock.now()}
            await store.add_visit(connection, row)
        return self._visit(row, known)

    async def remind_short_month(self) -> SendNotification | None:
        """In the last week of a planned month short of on-site days, the office's reminder, once
        per month whatever restarts or replicas; None when not due, not short, or sent already."""
        today = self.today()
        month = p.Month.of(today)
        if not p.reminder_due(month, today, last_days=self.settings.on_site_reminder_days):
            return None
        recipients = sorted(u.username for u in self.directory.users_with_role(Role.office))
        async with self.db.begin() as connection:
            if await store.plan(connection, str(month)) is None:
                return None  # nothing planned: no plan to remind of
            state = p.outlook(month, await store.visit_dates(connection, str(month)), today=today,
                              minimum=self.minimum)
            if state.reached or not recipients:
                return None
            title, body = p.reminder_text(month, state)
            command = SendNotification(occurred_at=self.clock.now(), actor="system", recipients=recipients,
                                       title=title, body=body, link=self._link(month))
            if not await store.claim_reminder(connection, str(month), command.event_id, self.clock.now()):
                return None
            await self.outbox.stage(connection, command)
        log.info("office reminded of a month short of on-site days", extra={"month": str(month)})
        self.wake()
        return command

    async def work_of(self, connection: AsyncConnection, period: Period) -> dict[str, Any]:
        """A brief's ``work`` section: each month's plan and on-site days in the period, its visits,
        and the third-party evaluations (第三方评估) and research notes (调研) recorded on items."""
        months = p.months_spanning(period.start, period.end)
        plans = await store.plans_of(connection, [str(m) for m in months])
        visits = await store.visits_between(connection, period.start, period.end)
        known = await store.known_items(connection, {uuid.UUID(i) for v in visits for i in v["items"]})
        dates = [v["visited_on"] for v in visits]
        return {
            "months": [self._month_work(m, plans.get(str(m)), dates) for m in months],
            "on_site_days": len(set(dates)),
            "minimum_on_site_days": self.minimum,
            "visits": [self._visit(v, known) for v in visits],
            "evaluations": [_recorded(r, "evaluator", "rating", "attachment_name")
                            for r in await records.evaluations_in(connection, period)],
            "research_notes": [_recorded(r, "author", "place") for r in await records.research_notes_in(connection, period)],
        }

    def _month_work(self, month: p.Month, plan: dict[str, Any] | None, dates: Sequence[dt.date]) -> dict[str, Any]:
        done = len({d for d in dates if d in month})
        return {"month": str(month), "label": month.label, "plan": self._plan(plan) if plan else None,
                "on_site_days": done, "minimum_on_site_days": self.minimum, "reached": done >= self.minimum}

    async def _view(self, connection: AsyncConnection, month: p.Month, plan: dict[str, Any] | None) -> dict[str, Any]:
        if plan is None:
            raise p.PlanNotFound(month)
        visits = await store.visits_of(connection, str(month))
        known = await store.known_items(connection, {uuid.UUID(i) for v in visits for i in v["items"]})
        state = p.outlook(month, [v["visited_on"] for v in visits], today=self.today(), minimum=self.minimum)
        return {**self._plan(plan), "visits": [self._visit(v, known) for v in visits],
                "on_site_days": state.on_site_days, "minimum_on_site_days": state.minimum,
                "days_left": state.days_left, "warning": state.warning}

    def _plan(self, row: dict[str, Any]) -> dict[str, Any]:
        month = p.Month.parse(row["month"])
        return {"month": row["month"], "label": month.label, "focus": list(row["focus"]),
                "planned_on_site_days": row["planned_on_site_days"],
                "teams": [self._team(t) for t in row["teams"]], "created_by": row["created_by"],
                "created_by_name": self.directory.person_name(row["created_by"]),
                "created_at": row["created_at"].isoformat(), "updated_by": row.get("updated_by"),
                "updated_by_name": self.directory.person_name(row["updated_by"]) if row.get("updated_by") else None,
                "updated_at": row["updated_at"].isoformat() if row.get("updated_at") else None}

    def _team(self, team: dict[str, Any]) -> dict[str, Any]:
        return {"name": team["name"], "members": list(team["members"]), "member_names": self._people(team["members"]),
                "joint_group": self._group(team.get("joint_group"))}

    def _visit(self, row: dict[str, Any], known: dict[uuid.UUID, dict[str, Any]]) -> dict[str, Any]:
        items = [known.get(uuid.UUID(i)) or {"item_id": uuid.UUID(i), "code": "", "title": "", "lead_unit": None}
                 for i in row["items"]]
        return {"id": str(row["id"]), "date": row["visited_on"].isoformat(), "place": row["place"],
                "items": [{"id": str(i["item_id"]), "code": i["code"], "title": i["title"],
                           "lead_unit": i["lead_unit"]} for i in items],
                "team": list(row["team"]), "team_names": self._people(row["team"]),
                "joint_group": self._group(row.get("joint_group")), "findings": row["findings"],
                "recorded_by": row["recorded_by"], "recorded_at": row["recorded_at"].isoformat()}

    def _group(self, group: dict[str, Any] | None) -> dict[str, Any] | None:
        if not group:
            return None
        return {"lead": group["lead"], "lead_name": self._unit_name(group["lead"]), "members": list(group["members"]),
                "member_names": [self._unit_name(u) for u in group["members"]]}

    def _people(self, members: Sequence[str]) -> list[str]:
        """Usernames as the directory names them; other names (an expert, a journalist) as written."""
        return [self.directory.person_name(m) for m in members]

    def _unit_name(self, unit_id: str) -> str:
        unit = self.directory.unit(unit_id)
        return unit.display_name if unit else unit_id

    def _check_units(self, teams: list[dict[str, Any]]) -> None:
        for team in teams:
            if team.get("joint_group"):
                self._check_group(team["joint_group"])

    def _check_group(self, group: dict[str, Any]) -> None:
        """A joint supervision group's (联合督查组) lead and members are units of the directory."""
        for unit in (group["lead"], *group["members"]):
            if self.directory.unit(unit) is None:
                raise UnknownUnit(unit)

    def _link(self, month: p.Month) -> str:
        return f"{self.settings.console_url.rstrip('/')}/plans/{month}"


def _recorded(row: dict[str, Any], *fields: str) -> dict[str, Any]:
    """An evaluation or research note (adapters/item_records.py) as the figures' JSON keeps it."""
    return {"item_id": str(row["item_id"]), "code": row["code"], "title": row["title"], "lead_unit": row["lead_unit"],
            "date": row["date"].isoformat(), "text": row["text"], **{f: row[f] for f in fields}}

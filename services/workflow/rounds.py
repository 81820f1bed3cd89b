"""Scheduled rounds (二.1): every quarter's end a quarterly-progress item for each responsible
unit; on 30 June and 31 December a mid-year / year-end check of each open annual target,
opened by the lead unit's self-check (自查).

Each round is one transaction that claims its row of ``workflow_rounds`` (kind, period,
unit or item) and registers the item or starts the check: a restart, a second replica or a
tick run twice opens nothing twice (the loser of the unique key does nothing). The app runs
``open_due`` on a schedule (``rounds_schedule``); tests call it after moving the clock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from services.workflow.adapters.round_rows import RoundKey, Target, open_targets, opened_subjects
from services.workflow.domain.rounds import Period, check_kind, due_half, due_quarter, quarterly_title
from services.workflow.service import SYSTEM, WorkflowService
from shared.clock import today_in_china
from shared.contracts.enums import Source, Urgency
from shared.identity import OrgDirectory, Role
from shared.storage.database import reading

log = logging.getLogger("duban.workflow.rounds")
QUARTERLY = Source.QUARTERLY_PROGRESS.value
TARGET_CHECK = "target_check"


def responsible_units(directory: OrgDirectory) -> list[str]:
    """The units that get a quarterly round: those with a liaison (督查工作联络员), not the
    supervision office's own (a unit one of the office's staff belongs to)."""
    office_units = {u.unit for u in directory.users_with_role(Role.office) if u.unit}
    liaison_units = {u.unit for u in directory.users_with_role(Role.liaison)}
    return [unit.id for unit in directory.units if unit.id in liaison_units and unit.id not in office_units]


def round_leader(directory: OrgDirectory, configured: str | None) -> str | None:
    """The leader who approves the quarterly items: the configured one, else the
    secretary-general; None (no quarterly rounds) when there is neither."""
    if configured:
        user = directory.user(configured)
        if user is None or not user.has_role(Role.leader):
            raise ValueError(f"rounds_leader {configured!r} is not a leader of the org directory")
        return configured
    chief = directory.secretary_general()
    return chief.username if chief is not None else None


@dataclass
class ScheduledRounds:
    service: WorkflowService
    directory: OrgDirectory
    leader: str | None

    async def open_due(self) -> int:
        """Open the rounds due today (China's date on the service's clock) that are not open
        yet; how many this call opened."""
        today = today_in_china(self.service.clock)
        opened = 0
        quarter, half = due_quarter(today), due_half(today)
        if quarter is not None:
            opened += await self._quarterly(quarter)
        if half is not None:
            opened += await self._checks(half)
        return opened

    async def _quarterly(self, quarter: Period) -> int:
        if self.leader is None:
            log.warning("no leader for the quarterly rounds (set rounds_leader)", extra={"period": quarter.key})
            return 0
        async with reading(self.service.db) as connection:
            done = await opened_subjects(connection, QUARTERLY, quarter.key)
        opened = 0
        for unit in responsible_units(self.directory):
            if unit in done:
                continue
            _, earlier = await self.service.register_item(self._quarterly_form(quarter, unit), SYSTEM,
                                                          round_key=RoundKey(QUARTERLY, quarter.key, unit))
            opened += not earlier
        if opened:
            log.info("quarterly rounds opened", extra={"period": quarter.key, "items": opened})
        return opened

    def _quarterly_form(self, quarter: Period, unit: str) -> dict[str, Any]:
        title = quarterly_title(quarter)
        return {"title": title, "source": QUARTERLY, "urgency": Urgency.DIFFICULT.value, "lead_unit": unit,
                "co_units": [], "leader": self.leader, "major": False, "public": False, "livelihood": False,
                "cadence": "none",
                "description": f"请报送本单位{title}情况：主要工作完成情况、存在问题及下步打算（系统按季度自动立项）。"}

    async def _checks(self, half: Period) -> int:
        async with reading(self.service.db) as connection:
            done = await opened_subjects(connection, TARGET_CHECK, half.key)
            targets = [t for t in await open_targets(connection) if str(t.item_id) not in done]
        opened = 0
        for target in targets:
            opened += await self.service.start_target_check(target.item_id, check_variables(target, half),
                                                            RoundKey(TARGET_CHECK, half.key, str(target.item_id)))
        if opened:
            log.info("target checks started", extra={"period": half.key, "checks": opened})
        return opened


def check_variables(target: Target, half: Period) -> dict[str, Any]:
    """What a ``target_check`` instance starts with (workflows/README.md)."""
    kind = check_kind(half)
    return {"item_id": str(target.item_id), "code": target.code, "title": target.title,
            "lead_unit": target.lead_unit, "leader": target.leader, "check_kind": kind.value,
            "check_period": half.key, "check_label": kind.label}

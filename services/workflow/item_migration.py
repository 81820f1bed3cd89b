"""Moving an item's running instances to another version of the processes (issue 10): all
of them or none, in one unit of work; a dry run answers the plan and stores nothing."""

from __future__ import annotations

import logging
import uuid
from dataclasses import asdict
from typing import Any

from services.workflow.adapters import queries
from services.workflow.domain.refusals import NotFound
from services.workflow.engine.migration import MigrationPlan, MigrationRefused, plan
from services.workflow.unit_of_work import Step, UnitOfWork
from services.workflow.versions import Versions

log = logging.getLogger("duban.workflow")


async def migrate_item(uow: UnitOfWork, versions: Versions, item_id: uuid.UUID, version: int | None, *,
                       dry_run: bool, actor: str) -> dict[str, Any]:
    """Move the item's instances that are not completed to ``version`` (the active one when
    None). ``NotFound``, ``NotDeployed``, ``MigrationRefused`` (not on a dry run: it answers
    ``allowed: false`` with the reasons), ``ConcurrentUpdate``."""
    async with uow.begin("migrate", actor) as tx:
        if await queries.item_parties(tx.connection, item_id) is None:
            raise NotFound(f"item {item_id} not found")
        if version is None:
            version, definitions = await versions.active(tx.connection)
        else:
            definitions = await versions.definitions(tx.connection, version)
        steps = [await tx.of_row(row) for row in await uow.instances.of_item(tx.connection, item_id)]
        for step in steps:
            step.settle()  # due timers fire on the version they were set on, before the move
        moving = [step for step in steps if step.row.version != version]
        plans = [(step, plan(step.run, definitions, step.row.process_id)) for step in moving]
        reasons = [f"{step.row.process_id}: {reason}" for step, found in plans for reason in found.reasons]
        if not steps:
            reasons.append("the item's processes are completed")
        elif not moving:
            reasons.append(f"the item is on version {version} already")
        answer = {"item_id": item_id, "from_version": steps[0].row.version if steps else None,
                  "to_version": version, "allowed": not reasons, "reasons": reasons, "migrated": not dry_run,
                  "instances": [_view(step, found) for step, found in plans]}
        if dry_run:
            for step in steps:
                tx.discard(step)  # nothing is stored
            return answer
        if reasons:
            raise MigrationRefused([f"cannot move the item to version {version}: {r}" for r in reasons])
        for step in moving:
            step.move_to(version, definitions)
    log.info("item migrated", extra={"item": str(item_id), "to_version": version, "actor": actor})
    return answer


def _view(step: Step, found: MigrationPlan) -> dict[str, Any]:
    """One instance's plan (read before it moves)."""
    return {"instance_id": step.row.id, "from_version": step.row.version, **asdict(found),
            "allowed": found.allowed}

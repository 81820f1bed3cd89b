"""Persistence of definitions and instances: one row of serialized state per instance."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from services.workflow.adapters import tables
from services.workflow.domain.progress import Progress
from services.workflow.engine.definitions import Definitions
from shared.contracts.enums import DeadlineKind, ItemStatus
from shared.lru import Lru
from shared.storage.database import upsert

SPECS_KEPT = 32  # serialized specs kept in memory: (version, process) pairs of the versions in use


class ConcurrentUpdate(RuntimeError):
    """Another worker saved the instance first; the caller retries on fresh state."""


@dataclass
class InstanceRow:
    id: uuid.UUID
    item_id: uuid.UUID | None
    process_id: str
    version: int
    state: str
    revision: int
    progress: Progress | None = None  # the item's, read with the row (None: no item)


class DefinitionStore:
    """Versions of the process documents; each process's spec stored once per version."""

    def __init__(self) -> None:
        self._specs: Lru[tuple[int, str], str] = Lru(SPECS_KEPT)

    async def ensure(self, connection: AsyncConnection, definitions: Definitions, *, source: str,
                     actor: str, now: dt.datetime, reactivate: bool) -> int:
        """The version of these documents. A new version becomes the active one; an existing
        version is activated again only with ``reactivate`` (a deployment that rolls back),
        never by a worker starting with older files."""
        t = tables.definition_versions
        existing = (await connection.execute(select(t.c.version).where(t.c.digest == definitions.digest))).scalar()
        if existing is not None:
            if reactivate:
                await connection.execute(update(t).where(t.c.version == existing).values(
                    activation=await self._next_activation(connection)))
            return existing
        documents = {name: xml.decode() for name, xml in definitions.documents.items()}
        # two workers starting with the same new files: the second finds the first's row
        statement = upsert(connection, t).values(
            digest=definitions.digest, documents=documents, source=source, deployed_by=actor, deployed_at=now,
            activation=await self._next_activation(connection),
        ).on_conflict_do_nothing(index_elements=[t.c.digest]).returning(t.c.version)
        version = (await connection.execute(statement)).scalar()
        if version is None:
            return (await connection.execute(select(t.c.version).where(t.c.digest == definitions.digest))).scalar_one()
        await connection.execute(insert(tables.process_specs), [
            {"version": version, "process_id": pid, "spec": definitions.spec_json(pid)}
            for pid in definitions.process_ids
        ])
        return version

    async def active(self, connection: AsyncConnection) -> int | None:
        """The version new instances start on."""
        t = tables.definition_versions
        return (await connection.execute(select(t.c.version).where(t.c.activation.is_not(None))
                                         .order_by(t.c.activation.desc(), t.c.version.desc()).limit(1))).scalar()

    async def _next_activation(self, connection: AsyncConnection) -> int:
        t = tables.definition_versions
        return ((await connection.execute(select(func.max(t.c.activation)))).scalar() or 0) + 1

    async def documents(self, connection: AsyncConnection, version: int) -> dict[str, str] | None:
        t = tables.definition_versions
        return (await connection.execute(select(t.c.documents).where(t.c.version == version))).scalar()

    async def spec(self, connection: AsyncConnection, version: int, process_id: str) -> str:
        key = (version, process_id)
        spec = self._specs.get(key)
        if spec is None:
            t = tables.process_specs
            spec = self._specs.put(key, (await connection.execute(
                select(t.c.spec).where(t.c.version == version, t.c.process_id == process_id))).scalar_one())
        return spec

    async def versions(self, connection: AsyncConnection) -> list[dict[str, object]]:
        t = tables.definition_versions
        rows = (await connection.execute(select(t.c.version, t.c.digest, t.c.documents, t.c.source, t.c.deployed_by,
                                                t.c.deployed_at, t.c.activation).order_by(t.c.version))).all()
        active = max((r for r in rows if r.activation), key=lambda r: (r.activation, r.version), default=None)
        return [{"version": r.version, "digest": r.digest, "files": sorted(r.documents), "source": r.source,
                 "deployed_by": r.deployed_by, "deployed_at": r.deployed_at,
                 "active": active is not None and r.version == active.version} for r in rows]


class InstanceStore:
    async def insert(self, connection: AsyncConnection, row: InstanceRow, *, next_timer_at: dt.datetime | None,
                     completed: bool, now: dt.datetime) -> None:
        await connection.execute(insert(tables.instances).values(
            id=row.id, item_id=row.item_id, process_id=row.process_id, version=row.version, state=row.state,
            revision=row.revision, next_timer_at=next_timer_at, completed=completed, created_at=now, updated_at=now))

    async def load(self, connection: AsyncConnection, instance_id: uuid.UUID) -> InstanceRow | None:
        """The instance row (locked on PostgreSQL) with its item's progress, in one query."""
        return await self._load(connection, tables.instances.c.id == instance_id)

    async def _load(self, connection: AsyncConnection, where: Any) -> InstanceRow | None:
        rows = await self._rows(connection, where)
        return rows[0] if rows else None

    async def _rows(self, connection: AsyncConnection, where: Any, *, order: Any = None, limit: int | None = None,
                    skip_locked: bool = False) -> list[InstanceRow]:
        """Instance rows (locked on PostgreSQL: one worker steps an instance at a time) with
        their items' progress, in one query."""
        t, items = tables.instances, tables.items
        query = (select(t.c.id, t.c.item_id, t.c.process_id, t.c.version, t.c.state, t.c.revision,
                        items.c.status, items.c.status_reason, items.c.due_date, items.c.overdue_deadline)
                 .select_from(t.outerjoin(items, items.c.id == t.c.item_id)).where(where))
        if order is not None:
            query = query.order_by(order).limit(limit)
        if connection.dialect.name == "postgresql":
            query = query.with_for_update(of=t, skip_locked=skip_locked)
        return [InstanceRow(row.id, row.item_id, row.process_id, row.version, row.state, row.revision,
                            None if row.status is None else Progress(
                                ItemStatus(row.status), row.status_reason, row.due_date,
                                DeadlineKind(row.overdue_deadline) if row.overdue_deadline else None))
                for row in await connection.execute(query)]

    async def save(self, connection: AsyncConnection, row: InstanceRow, state: str, *,
                   next_timer_at: dt.datetime | None, completed: bool, now: dt.datetime) -> None:
        t = tables.instances
        result = await connection.execute(update(t).where(t.c.id == row.id, t.c.revision == row.revision).values(
            state=state, revision=row.revision + 1, version=row.version,  # a migrated instance's new version
            next_timer_at=next_timer_at, completed=completed, updated_at=now))
        if result.rowcount != 1:
            raise ConcurrentUpdate(f"instance {row.id} changed under us (revision {row.revision})")
        row.state, row.revision = state, row.revision + 1

    async def of_item(self, connection: AsyncConnection, item_id: uuid.UUID) -> list[InstanceRow]:
        """The item's instances that are not completed, locked, in the order they started."""
        t = tables.instances
        return await self._rows(connection, (t.c.item_id == item_id) & t.c.completed.is_(False), order=t.c.created_at)

    async def due(self, connection: AsyncConnection, now: dt.datetime, limit: int) -> list[InstanceRow]:
        """Instances whose next timer is due, locked (a range scan of the timer index; rows
        another worker holds are skipped)."""
        t = tables.instances
        return await self._rows(connection, t.c.next_timer_at <= now, order=t.c.next_timer_at, limit=limit,
                                skip_locked=True)

"""The versions of the process definitions: install, deploy (checked and bounded), roll
back, and the active one that new instances start on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.workflow.adapters.store import DefinitionStore
from services.workflow.domain.deployment import DeployLimits
from services.workflow.domain.forms import Form, forms_of, split_documents
from services.workflow.domain.refusals import NoDefinitions, NotDeployed, RejectedDefinitions
from services.workflow.engine.checks import Problem, check_documents
from services.workflow.engine.definitions import Definitions
from shared.clock import Clock
from shared.lru import Lru
from shared.storage.database import reading

LOADED_VERSIONS = 4  # parsed definition versions kept in memory (new items start on the active one)
FORM_VERSIONS = 32  # versions whose forms are kept (open tasks show and check their version's forms)


@dataclass
class Versions:
    db: AsyncEngine
    clock: Clock
    store: DefinitionStore
    limits: DeployLimits = field(default_factory=DeployLimits)
    _loaded: Lru[int, Definitions] = field(default_factory=lambda: Lru(LOADED_VERSIONS))
    _forms: Lru[int, dict[str, Form]] = field(default_factory=lambda: Lru(FORM_VERSIONS))

    async def install(self, definitions: Definitions, *, source: str, actor: str, reactivate: bool = False) -> int:
        """Store these documents as a version; a new version starts every new instance from now on."""
        async with self.db.begin() as connection:
            version = await self.store.ensure(connection, definitions, source=source, actor=actor,
                                              now=self.clock.now(), reactivate=reactivate)
        self._loaded.put(version, definitions)
        return version

    async def deploy(self, files: dict[str, bytes], actor: str, remove: frozenset[str] = frozenset()) -> int:
        """Deploy changed or new BPMN and form files on top of the active version (the rest stay as
        they are), without the files named in ``remove``. The whole set is checked first; a
        rejected deployment stores nothing."""
        self.limits.check(files)
        async with reading(self.db) as connection:
            active = await self.store.active(connection)
            stored = await self.store.documents(connection, active) if active else None
        current = {name: xml.encode() for name, xml in (stored or {}).items()}
        if unknown := sorted(remove - current.keys()):
            raise RejectedDefinitions([Problem(name, None, "is not a file of the active version")
                                       for name in unknown])
        documents = {name: xml for name, xml in current.items() if name not in remove} | files
        if not documents:
            raise RejectedDefinitions([Problem("(deployment)", None, "a version needs at least one file")])
        self.limits.check(documents)
        problems = check_documents(documents)
        if problems:
            raise RejectedDefinitions(problems)
        return await self.install(Definitions(documents), source="api", actor=actor, reactivate=True)

    async def listed(self) -> list[dict[str, Any]]:
        async with reading(self.db) as connection:
            return await self.store.versions(connection)

    async def info(self, version: int) -> dict[str, Any]:
        return next(v for v in await self.listed() if v["version"] == version)

    async def documents(self, version: int) -> dict[str, str] | None:
        async with reading(self.db) as connection:
            return await self.store.documents(connection, version)

    async def forms(self, version: int, connection: AsyncConnection | None = None) -> dict[str, Form]:
        """The forms of a version (its open tasks are shown and completed with these); read in
        ``connection`` (else a connection of its own) the first time."""
        found = self._forms.get(version)
        if found is not None:
            return found
        if (loaded := self._loaded.get(version)) is not None:
            return self._forms.put(version, loaded.forms)
        if connection is None:
            async with reading(self.db) as connection:
                documents = await self.store.documents(connection, version) or {}
        else:
            documents = await self.store.documents(connection, version) or {}
        return self._forms.put(version, forms_of(split_documents({n: x.encode() for n, x in documents.items()})[1]))

    async def active(self, connection: AsyncConnection) -> tuple[int, Definitions]:
        """The version new instances start on (read each time: another worker may have deployed)."""
        version = await self.store.active(connection)
        if version is None:
            raise NoDefinitions("no process definitions are deployed")
        return version, await self.definitions(connection, version)

    async def definitions(self, connection: AsyncConnection, version: int) -> Definitions:
        """A deployed version, parsed (``NotDeployed`` for one that is not)."""
        definitions = self._loaded.get(version)
        if definitions is None:
            documents = await self.store.documents(connection, version)
            if documents is None:
                raise NotDeployed(f"definition version {version} is not deployed")
            definitions = self._loaded.put(version, Definitions({n: xml.encode() for n, xml in documents.items()}))
        return definitions

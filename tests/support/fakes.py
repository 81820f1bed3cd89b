"""Stand-ins for a service's ports, passed in through its wiring point (e.g. the workflow's
``build_service``), for tests of its use cases without HTTP and without NATS:

- ``RecordingPublisher``: where an ``OutboxRelay`` publishes (``BatchPublisher``, as
  ``JetStreamPublisher`` is): it confirms every message and keeps it, in the order sent;
- ``memory_database``: a real SQLite database, in memory, with the service's tables.

The clock is ``shared.clock.SettableClock``: it stands still until the test moves it.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence

from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import StaticPool

from shared.bus.publisher import Outgoing
from shared.contracts.base import Message
from shared.contracts.registry import parse_message
from shared.storage.database import create_engine


class RecordingPublisher:
    """Confirms every message it is given and keeps it (``sent``), in order."""

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []
        self._taken = 0

    async def publish_pipelined(self, messages: Sequence[Outgoing]) -> int:
        self.sent.extend(messages)
        return len(messages)

    def messages(self) -> list[Message]:
        """Everything published so far, decoded as a consumer would (contract-checked)."""
        return [parse_message(m.subject, m.payload) for m in self.sent]

    def take(self) -> list[Message]:
        """What was published since the last ``take``."""
        new = self.sent[self._taken:]
        self._taken = len(self.sent)
        return [parse_message(m.subject, m.payload) for m in new]


@contextlib.asynccontextmanager
async def memory_database(metadata: MetaData) -> AsyncIterator[AsyncEngine]:
    """An in-memory SQLite database with ``metadata``'s tables (what the migrations make:
    tests/integration/test_storage.py compares them). Every use of the engine shares its one
    connection, so the use cases under test must run one at a time."""
    db = create_engine("sqlite:///:memory:", poolclass=StaticPool)
    try:
        async with db.begin() as connection:
            await connection.run_sync(metadata.create_all)
        yield db
    finally:
        await db.dispose()

"""Database engines. The same code runs on SQLite (the embedded default) and PostgreSQL.

The PostgreSQL pool is made for a server on the same host or LAN:

- no pre-ping: a ping on every checkout is one more round trip per transaction (22 per
  item lifecycle in the workflow service). A connection the server has dropped (a restart,
  a failover) fails its next statement instead; SQLAlchemy sees the disconnect, drops that
  connection and every one opened before it, so only the statements in flight at the time
  fail (a request answers 500, a consumer retries its message) and the next ones reconnect.
- a fixed pool of 20 connections, none opened beyond it: with 10 kept and 10 more in a
  burst, every burst of requests opened overflow connections and closed them again when
  they came back to a full pool (25-30 of 31 connections of a run were such new ones), and
  a new backend costs a fork, its catalog caches and psycopg's prepared statements. Past
  20 concurrent transactions a service on a 2-4 core database gains nothing; the 21st
  waits for a connection (up to ``pool_timeout``, 30 s) instead. 4 services x 20 stays
  under PostgreSQL's default ``max_connections`` of 100. No code holds one connection while
  it asks for another (that would wait on itself once the pool is taken).
- connections are renewed after 30 minutes, well inside the idle timeouts of firewalls and
  load balancers between a service and its database.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, async_sessionmaker, create_async_engine

ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg"}
SYNC_DRIVERS = {"sqlite": "sqlite+pysqlite", "postgresql": "postgresql+psycopg"}


class UnsupportedDatabase(ValueError):
    pass


def _with_driver(url: str, drivers: dict[str, str]) -> URL:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in drivers:
        raise UnsupportedDatabase(f"unsupported database {backend!r}: use sqlite or postgresql")
    return parsed.set(drivername=drivers[backend])


def async_url(url: str) -> URL:
    return _with_driver(url, ASYNC_DRIVERS)


def sync_url(url: str) -> URL:
    return _with_driver(url, SYNC_DRIVERS)


def is_sqlite(url: str | URL) -> bool:
    return make_url(str(url) if isinstance(url, URL) else url).get_backend_name() == "sqlite"


def ensure_sqlite_dir(url: URL) -> None:
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL for concurrent readers, a busy timeout instead of 'database is locked'."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


POSTGRES_POOL: dict[str, Any] = {"pool_pre_ping": False, "pool_size": 20, "max_overflow": 0, "pool_recycle": 1800}


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    target = async_url(url)
    ensure_sqlite_dir(target)
    if target.get_backend_name() == "postgresql":
        for option, value in POSTGRES_POOL.items():
            kwargs.setdefault(option, value)
    db = create_async_engine(target, **kwargs)
    if target.get_backend_name() == "sqlite":
        event.listen(db.sync_engine, "connect", sqlite_pragmas)
    return db


def session_factory(db: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(db, expire_on_commit=False)


@contextlib.asynccontextmanager
async def reading(db: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection for reads that need no transaction: each statement commits on its own
    (autocommit), so a read costs its statements' round trips and no ``BEGIN`` and
    ``ROLLBACK`` around them (``db.connect()`` sends both on PostgreSQL: 0.2 ms of client
    CPU and two server round trips per read). Reads that must see one snapshot together use
    ``db.begin()``."""
    async with db.connect() as connection:
        yield await connection.execution_options(isolation_level="AUTOCOMMIT")


async def ping(db: AsyncEngine) -> None:
    async with reading(db) as connection:
        await connection.execute(text("SELECT 1"))


def upsert(connection: Any, table: Any) -> Any:
    """An INSERT of ``table`` that has ``on_conflict_do_nothing/update`` on either database."""
    from sqlalchemy.dialects import postgresql, sqlite

    return (postgresql if connection.dialect.name == "postgresql" else sqlite).insert(table)

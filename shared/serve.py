"""Serving one service with uvicorn: JSON logs, graceful shutdown on SIGTERM/SIGINT."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

from shared.logs import configure_logging
from shared.production import UnsafeSettings
from shared.settings import DEV_JWT_SECRET, ServiceSettings

log = logging.getLogger("duban.security")


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
    uvicorn.run(app, host=settings.host, port=settings.port, log_config=None,
                proxy_headers=True, timeout_graceful_shutdown=10)

"""Serving one service with uvicorn: JSON logs, graceful shutdown on SIGTERM/SIGINT."""

from __future__ import annotations

import logging
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

from shared.logs import configure_logging
from shared.settings import DEV_JWT_SECRET, ServiceSettings


def serve(settings: ServiceSettings, create_app: Callable[[ServiceSettings], FastAPI]) -> None:
    configure_logging(settings.service, settings.log_level, settings.log_json)
    if settings.jwt_secret == DEV_JWT_SECRET and not settings.jwt_jwks_url:
        logging.getLogger("duban.security").warning("the development JWT secret is in use: set DUBAN_JWT_SECRET")
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None,
                proxy_headers=True, timeout_graceful_shutdown=10)

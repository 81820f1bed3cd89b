"""The console server's one wiring point: the sign-in (the OIDC provider's endpoints and who a
token is; the development sign-in outside production), the API proxy and the web application."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from services.console.compression import add_compression
from services.console.config import ConsoleSettings
from services.console.dev_signin import dev_signin_router
from services.console.oidc import oidc_production_problems, oidc_router
from services.console.proxy import proxy_router
from services.console.static_files import spa_router
from shared.clock import Clock, SystemClock
from shared.identity import load_directory
from shared.identity.tokens import TokenIssuer, TokenVerifier
from shared.production import UnsafeSettings, identity_problems

log = logging.getLogger("duban.console")


def production_problems(settings: ConsoleSettings) -> list[str]:
    """What production refuses here: what the services refuse of tokens and the directory (the
    console checks tokens at /auth/me; it has no bus and keeps no time of its own), and OIDC
    settings that do not fit (services/console/oidc.py)."""
    if settings.env != "production":
        return []
    return identity_problems(settings) + oidc_production_problems(settings)


def create_app(settings: ConsoleSettings, clock: Clock | None = None,
               transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    problems = production_problems(settings)
    if problems:
        raise UnsafeSettings(problems)
    if settings.env == "production" and not settings.oidc_configured:
        log.warning("no OIDC provider configured (DUBAN_CONSOLE_OIDC_…): nobody can sign in to the console")
    client = httpx.AsyncClient(timeout=httpx.Timeout(settings.proxy_timeout_seconds, connect=5.0),
                               transport=transport, follow_redirects=False)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await client.aclose()

    app = FastAPI(title="Duban console", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/healthz", include_in_schema=False)
    @app.get("/readyz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    directory = load_directory(settings.org_file)
    app.include_router(oidc_router(settings, client, TokenVerifier.from_settings(settings), directory))
    if settings.env != "production":
        app.include_router(dev_signin_router(directory, TokenIssuer.from_settings(settings), clock or SystemClock()))
    app.include_router(proxy_router(settings.upstreams(), client))
    app.include_router(spa_router(settings.dist_dir))
    add_compression(app)
    return app
